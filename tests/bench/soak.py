"""Soak: a whole shift of back-to-back calls through the app's real path (the session, a call
in its child process, records on their threads, alerts through the outbox), with faults
injected, watching memory, records, alerts and threads. A benchmark, not a test.

    .venv/bin/python tests/bench/soak.py                 # 8 hours of calls, accelerated
    .venv/bin/python tests/bench/soak.py --realtime 1    # one hour in real time, live capture

Both play the same cycle of three synthesised calls (a calm one, a tense one with insults,
one that ends in a threat), each followed by 35 s of silence, so the call ends and the next
begins as on a live line. The harness stands in for the overlay's timer: it polls the
session every 150 ms, and on an escalation clicks "Alert supervisor", then "Acknowledge".

- Accelerated: the cycle is played as a live call (call splitting, lag bound, status) from
  a file, as fast as the recognisers go, in one call process, for `--hours` of call audio.
  Faults: the call process crashes (twice), the records disk fills up (a small tmpfs,
  filled for a while), the supervisors' webhook is down for a while.
- Real time (`--realtime HOURS`): the cycle plays into two PulseAudio null sinks (headset
  microphone and call audio) recorded by the app's own capture. Faults: the call-audio
  device vanishes and returns, the records disk fills up, the webhook is down.

Prints, every few minutes, the memory (PSS) of this process (the window's, minus Qt) and
of the call process, the threads alive in each, and the counts; at the end, calls and
incidents recorded against those the session saw, and alerts delivered against those
raised.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import psutil  # noqa: E402
import soundfile as sf  # noqa: E402

from deescalate.audio.feed import SAMPLE_RATE  # noqa: E402
from deescalate.demo.synth import Line, Voice, render_call  # noqa: E402

AGENT = Voice("en-us+klatt", 150)
CALM = Voice("en-us+klatt", 150, 50)
CROSS = Voice("en-us+klatt", 160, 54, 140)
ANGRY = Voice("en-us+klatt", 165, 56, 190)
GAP = 35.0
"""Silence after each call: longer than the 30 s after which a live call counts as ended."""

CALLS = [
    [
        Line("agent", "thank you for calling, how can I help you today", AGENT),
        Line("customer", "hi, I would like to change the address on my account", CALM),
        Line("agent", "of course, can I have your postcode please", AGENT),
        Line("customer", "yes it is the one on the letter you sent me", CALM),
        Line("agent", "thanks, I have updated that for you", AGENT),
        Line("customer", "great, thank you very much for your help", CALM),
    ],
    [
        Line("agent", "thank you for calling, how can I help", AGENT),
        Line("customer", "I have been charged twice and nobody has fixed it", CROSS),
        Line("agent", "I am sorry to hear that, let me look", AGENT),
        Line("customer", "this is the third time I have called about this", CROSS),
        Line("customer", "you people are useless, absolutely useless", ANGRY),
        Line("agent", "I want to help, let us keep this respectful", AGENT),
        Line("customer", "this is ridiculous, you are an idiot", ANGRY),
        Line("agent", "I can refund the second charge today", AGENT),
    ],
    [
        Line("agent", "thank you for calling, how can I help", AGENT),
        Line("customer", "my order never arrived and I am sick of waiting", CROSS),
        Line("agent", "I understand, let me check the delivery", AGENT),
        Line("customer", "listen to me, I will kill you", ANGRY),
        Line("agent", "I am going to pause the call for a moment", AGENT),
    ],
]


def cycle(folder: Path) -> tuple[Path, float]:
    """The three calls with their silences, as one stereo file (agent left)."""
    path = folder / "cycle.wav"
    if not path.exists():
        parts = []
        for lines in CALLS:
            stereo, _ = render_call(lines, tail=GAP)
            parts.append(stereo)
        sf.write(path, np.concatenate(parts), SAMPLE_RATE, subtype="PCM_16")
    return path, sf.info(path).duration


# --- the call process's side: a file played as a live line, and a recogniser that crashes --


class LoopingSource:
    """The cycle file, over and over, pushed as fast as recognition takes it; the count of
    cycles left is kept in a file, so a call process restarted after a crash carries on."""

    def __init__(self, path: Path, progress: Path) -> None:
        from deescalate.audio.feed import SpeakerFeed
        from deescalate.core.facts import Speaker

        self.path, self.progress = path, progress
        self._speakers = (Speaker.AGENT, Speaker.CUSTOMER)
        self._feeds = {s: SpeakerFeed(s, SAMPLE_RATE, max_seconds=5.0) for s in self._speakers}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-source", daemon=True)

    @property
    def feeds(self):
        return list(self._feeds.values())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def poll(self):
        from deescalate.audio.sources import SourceHealth, SourceState

        return [SourceHealth(s, SourceState.LISTENING, "soak") for s in self._speakers]

    def _run(self) -> None:
        import queue

        try:
            while not self._stop.is_set():
                left = int(self.progress.read_text())
                if left <= 0:
                    return
                with sf.SoundFile(self.path) as handle:
                    for block in handle.blocks(1600, dtype="float32", always_2d=True):
                        for column, speaker in enumerate(self._speakers):
                            data = np.ascontiguousarray(block[:, column])
                            while not self._stop.is_set():
                                try:
                                    self._feeds[speaker].push(data, timeout=0.2)
                                    break
                                except queue.Full:
                                    continue
                        if self._stop.is_set():
                            return
                write_atomically(self.progress, str(left - 1))
        finally:
            for feed in self._feeds.values():
                feed.close()


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def cycles_left(work: Path) -> int:
    return int((work / "cycles-left").read_text())


def soak_sources(spec):
    folder = Path(os.environ["SOAK_DIR"])
    return [LoopingSource(folder / "cycle.wav", folder / "cycles-left")], True, ""


class CrashOnRequest:
    """A real recogniser that dies like native code does (no cleanup) when the harness
    leaves a crash request file."""

    name = "sphinx"

    def __init__(self, inner, request: Path) -> None:
        self._inner, self._request, self._blocks = inner, request, 0

    def accept(self, pcm):
        self._blocks += 1
        if self._blocks % 50 == 0 and self._request.exists():
            self._request.unlink()
            os._exit(139)
        return self._inner.accept(pcm)

    def finish(self):
        return self._inner.finish()


def soak_engine(spec, phrasebook):
    from deescalate.speech.engines import Engine, load_engine

    real = load_engine(spec.engine)
    request = Path(os.environ["SOAK_DIR"]) / "crash-request"

    def make(speaker):
        recognizer = real.make(speaker)
        return CrashOnRequest(recognizer, request) if speaker == "customer" else recognizer

    return Engine(real.name, real.description, make)


# --- faults -----------------------------------------------------------------------------------


class SmallDisk:
    """A tmpfs for the records, which the harness can fill up and free again (root only:
    mount). Without it the disk fault is skipped and said so."""

    def __init__(self, folder: Path, size_mb: int = 64) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=700", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        self.mounted = done.returncode == 0
        self.filler = folder / "filler"

    def fill(self) -> None:
        if not self.mounted:
            return
        with self.filler.open("wb") as handle, contextlib.suppress(OSError):
            while True:
                handle.write(b"\0" * 65536)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.folder)], capture_output=True)


class Webhook:
    """The supervisors' channel: the test receiver, which the harness can take down."""

    def __init__(self) -> None:
        from tests.support.webhook import Hook

        self._hook_class = Hook
        self.hook = Hook([200])
        self.port = self.hook.port
        self.url = self.hook.url
        self.received: list[dict] = []

    def down(self) -> None:
        self.received += self.hook.bodies
        self.hook.close()
        self.hook = None

    def up(self) -> None:
        self.hook = self._hook_class([200], port=self.port)

    @property
    def delivered(self) -> int:
        return len(self.received) + (len(self.hook.bodies) if self.hook else 0)


# --- the harness --------------------------------------------------------------------------------


def pss_mb(pid: int) -> float:
    with contextlib.suppress(OSError, StopIteration):
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        return next(int(x.split()[1]) for x in text.splitlines() if x.startswith("Pss:")) / 1024
    return 0.0


class Harness:
    def __init__(self, session) -> None:
        self.session = session
        self.escalations = 0
        self.alerts_raised = 0
        self.calls_started = 0
        self._pending_ack = False
        self.problems_seen: set[str] = set()

    def tick(self) -> None:
        session = self.session
        before = session.state.in_call
        session.poll()
        self.problems_seen.update(session.problems.lines())
        if session.state.in_call and not before:
            self.calls_started += 1
        if session.state.escalate is not None and not self._pending_ack:
            self.escalations += 1
            session.act("alert_supervisor")
            self.alerts_raised += 1
            self._pending_ack = True
        elif self._pending_ack and session.state.alert in ("queued", "sent", "recorded", "failed"):
            session.act("acknowledged")
            self._pending_ack = False


def report(started: float, session, harness: Harness, webhook: Webhook, rows: list) -> None:
    runner = session.runner
    child = getattr(getattr(runner, "_process", None), "pid", None)
    row = {
        "wall_min": round((time.monotonic() - started) / 60, 1),
        "call_t_h": round(session.state.t / 3600, 2),
        "window_pss_mb": round(pss_mb(os.getpid()), 1),
        "call_pss_mb": round(pss_mb(child), 1) if child else None,
        "threads_window": threading.active_count(),
        "threads_call": psutil.Process(child).num_threads() if child else None,
        "calls_seen": harness.calls_started,
        "escalations": harness.escalations,
        "alerts_delivered": webhook.delivered,
        "records_pending": session.writer.pending,
        "problems": session.problems.lines(),
    }
    rows.append(row)
    print(json.dumps(row), flush=True)


def run(args) -> None:
    from deescalate.bootstrap import build_session
    from deescalate.config.settings import Settings
    from deescalate.records.store import RecordStore

    work = Path(tempfile.mkdtemp(prefix="soak-"))
    os.environ["SOAK_DIR"] = str(work)
    path, cycle_seconds = cycle(work)
    disk = SmallDisk(work / "records")
    webhook = Webhook()
    records = work / "records" / "records.sqlite"
    realtime = args.realtime is not None
    settings = Settings(
        engine=args.engine,
        alert_webhook_url=webhook.url,
        alert_format="json",
        alert_outbox=str(work / "outbox"),
        agent_name="soak",
        agent_device="headset.monitor" if realtime else None,
        customer_device="phone.monitor" if realtime else None,
    )
    hours = args.realtime if realtime else args.hours
    cycles = max(1, round(hours * 3600 / cycle_seconds))
    write_atomically(work / "cycles-left", str(cycles))
    print(
        f"# cycle {cycle_seconds:.0f} s x {cycles} = {cycles * cycle_seconds / 3600:.2f} h "
        f"of calls; engine {args.engine}; {'real time' if realtime else 'accelerated'}; "
        f"records on tmpfs: {disk.mounted}",
        flush=True,
    )
    pulse = players = None
    if realtime:
        pulse, players = start_live_audio(work, path, cycles)
        session = build_session(settings, mode="live", records=records, make_engine=soak_engine)
    else:
        session = build_session(
            settings,
            mode="live",
            records=records,
            make_engine=soak_engine,
            make_sources=soak_sources,
        )
    harness = Harness(session)
    started = time.monotonic()
    total = cycles * cycle_seconds
    faults = schedule(total, realtime)
    rows: list[dict] = []
    next_report = 0.0
    session.start_call()
    try:
        while True:
            harness.tick()
            if realtime:
                progress = time.monotonic() - started
            else:
                progress = (cycles - cycles_left(work)) * cycle_seconds
            while faults and progress >= faults[0][0]:
                at, name = faults.pop(0)
                print(f"# fault at {at / 3600:.2f} h: {name}", flush=True)
                apply_fault(name, work, disk, webhook, pulse, players)
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + args.report_every
                report(started, session, harness, webhook, rows)
            if realtime and time.monotonic() - started > total + 60:
                break
            if (
                not realtime
                and not session.running
                and int((work / "cycles-left").read_text()) <= 0
            ):
                break
            time.sleep(0.15)
        for _ in range(100):  # what is still on its way
            harness.tick()
            time.sleep(0.15)
    finally:
        session.close(timeout=10)
        if players:
            for player in players.values():
                player.stop()
        if pulse is not None:
            pulse.stop()
    report(started, session, harness, webhook, rows)
    store = RecordStore(records)
    calls = store.calls()
    incidents = store.incidents()
    summary = {
        "hours_of_calls": round(total / 3600, 2),
        "wall_hours": round((time.monotonic() - started) / 3600, 2),
        "calls_seen": harness.calls_started,
        "calls_recorded": len(calls),
        "calls_recorded_with_end": sum(1 for c in calls if c["ended_at"]),
        "escalations_seen": harness.escalations,
        "incidents_recorded": len(incidents),
        "alerts_raised": harness.alerts_raised,
        "alerts_delivered": webhook.delivered,
        "window_pss_mb_after_warmup": rows[min(2, len(rows) - 1)]["window_pss_mb"],
        "window_pss_mb_end": rows[-2]["window_pss_mb"] if len(rows) > 1 else None,
        "call_pss_mb_max": max((r["call_pss_mb"] or 0) for r in rows),
        "threads_window_end": threading.active_count(),
        "problems_seen": sorted(harness.problems_seen),
    }
    print("# summary " + json.dumps(summary), flush=True)
    disk.close()
    shutil.rmtree(work, ignore_errors=True)


def schedule(total: float, realtime: bool) -> list[tuple[float, str]]:
    """Faults at fixed shares of the shift."""
    plan = [
        (0.15, "crash the call process"),
        (0.30, "records disk full"),
        (0.40, "records disk freed"),
        (0.50, "webhook down"),
        (0.60, "webhook up"),
        (0.75, "crash the call process"),
    ]
    if realtime:
        plan += [
            (0.2, "call audio device gone"),
            (0.22, "call audio device back"),
            (0.7, "call audio device gone"),
            (0.72, "call audio device back"),
        ]
    return sorted((share * total, name) for share, name in plan)


def apply_fault(name, work, disk, webhook, pulse, players) -> None:
    if name == "crash the call process":
        (work / "crash-request").touch()
    elif name == "records disk full":
        disk.fill()
    elif name == "records disk freed":
        disk.free()
    elif name == "webhook down":
        webhook.down()
    elif name == "webhook up":
        webhook.up()
    elif name == "call audio device gone":
        players["phone"].stop()
        pulse.remove_sink("phone")
    elif name == "call audio device back":
        pulse.add_sink("phone")
        players["phone"].start()


class Player:
    """paplay of one side of the cycle, over and over, into one null sink."""

    def __init__(self, wav: Path, sink: str, pulse) -> None:
        self.wav, self.sink, self.pulse = wav, sink, pulse
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._process = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._process = self.pulse.play(self.wav, self.sink)
            self._process.wait()

    def stop(self) -> None:
        self._stop.set()
        if self._process is not None:
            self._process.kill()


def start_live_audio(work: Path, path: Path, cycles: int):
    from tests.support.pulse import PulseServer

    (work / "pulse").mkdir()
    pulse = PulseServer.start(work / "pulse")
    pulse.add_sink("headset")
    pulse.add_sink("phone")
    stereo, rate = sf.read(path, dtype="float32")
    sf.write(work / "agent.wav", stereo[:, 0], rate)
    sf.write(work / "customer.wav", stereo[:, 1], rate)
    players = {
        "headset": Player(work / "agent.wav", "headset", pulse),
        "phone": Player(work / "customer.wav", "phone", pulse),
    }
    for player in players.values():
        player.start()
    return pulse, players


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=8.0, help="hours of calls, accelerated")
    parser.add_argument("--realtime", type=float, help="hours in real time, live capture")
    parser.add_argument("--engine", default="sphinx")
    parser.add_argument("--report-every", type=float, default=120.0, help="seconds")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
