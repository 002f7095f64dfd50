"""Overlay benchmark under Xvfb: start-up, cost of the whole app, GUI responsiveness.

    .venv/bin/python tests/bench/bench_overlay.py

- Cold start: `deescalate overlay --demo` as a new process, to the window shown and to the
  first suggestion on the demo call (the demo plays in real time, so the second figure is
  mostly where the first suggestion falls in the call).
- The whole app during a call: CPU share of one core and peak RSS of the app's processes
  (the window's and the call's, summed) while the demo call plays in real time (both
  speakers recognised, as in a live call).
- GUI event-loop latency: a 10 ms timer's lateness in the overlay's own process, idle, as
  a call starts, during a real-time call and while a call is replayed as fast as the
  machine allows; with the call in its child process (as the app runs it) and, for
  comparison in the same run, with the call on a thread of the window's process.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

COMMAND = "python tests/bench/bench_overlay.py"

from deescalate.core.events import RunningEvent  # noqa: E402


def start_xvfb() -> subprocess.Popen:
    from tests.gui.conftest import _free_display

    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    os.environ["DISPLAY"] = f":{number}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return server


def cold_start(seconds: float = 45.0) -> dict:
    import threading

    import psutil

    started = time.monotonic()
    app = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "deescalate"), "-v", "overlay", "--demo"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    marks: dict[str, tuple[float, str]] = {}

    def read_log() -> None:
        for line in app.stderr:
            for key in ("overlay window shown", "first suggestion shown"):
                if key in line and key not in marks:
                    marks[key] = (time.monotonic() - started, line)

    threading.Thread(target=read_log, daemon=True).start()
    proc = psutil.Process(app.pid)
    seen: dict[int, psutil.Process] = {}

    def tree() -> list[psutil.Process]:
        for child in proc.children(recursive=True):
            seen.setdefault(child.pid, child)
        return [proc, *seen.values()]

    def cpu_seconds() -> float:
        total = 0.0
        for p in tree():
            try:
                times = p.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def memory() -> tuple[int, int]:
        """(RSS, PSS) summed over the app's processes. RSS counts the libraries both
        processes map twice; PSS shares them out, so its sum is the real total."""
        rss = pss = 0
        for p in tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                info = p.memory_full_info()
                rss, pss = rss + info.rss, pss + info.pss
        return rss, pss

    peak, peak_pss, cpu0, cpu_from = 0, 0, None, 0.0
    while time.monotonic() - started < seconds:
        if cpu0 is None and "overlay window shown" in marks:
            cpu0, cpu_from = cpu_seconds(), time.monotonic()
        rss, pss = memory()
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        time.sleep(0.1)
    cpu = cpu_seconds() - (cpu0 or 0.0)
    cpu_share = cpu / (time.monotonic() - cpu_from) if cpu0 is not None else None
    app.terminate()
    app.wait(timeout=20)
    shown = marks.get("overlay window shown")
    first = marks.get("first suggestion shown")
    call_time = re.search(r"call time ([\d.]+)", first[1]).group(1) if first else None
    return {
        "cold_start_to_window_s": round(shown[0], 2) if shown else None,
        "cold_start_to_first_suggestion_s": round(first[0], 2) if first else None,
        "first_suggestion_at_call_time_s": call_time,
        "app_cpu_share_of_one_core_during_call": round(cpu_share, 3) if cpu_share else None,
        "app_peak_rss_mb_summed": round(peak / 2**20),
        "app_peak_pss_mb_summed": round(peak_pss / 2**20),
    }


class ThreadCallRunner:
    """For comparison only: the call on a thread of the window's process, as before the
    call moved to a child process."""

    def __init__(self, spec) -> None:
        from deescalate.call.child import _setup
        from deescalate.call.runner import CallRunner

        self.runner: CallRunner
        self.runner, description, _ = _setup(spec)
        self.finished = self.runner.finished
        self.exitcode, self.crashed = 0, False
        self._first = [RunningEvent(0.0, description, True)]

    def start(self) -> None:
        self.runner.start()

    def stop(self) -> None:
        self.runner.stop()

    def acknowledge(self) -> None:
        self.runner.acknowledge()

    def drain(self, limit: int = 1000) -> list:
        first, self._first = self._first, []
        return first + self.runner.drain(limit)


def loop_latency(in_process: bool) -> dict:
    from deescalate.bootstrap import build_session
    from deescalate.call.process import ProcessCallRunner
    from deescalate.config.settings import Settings
    from deescalate.ui.app import OverlayApp
    from deescalate.ui.qt import QApplication, QTimer

    qt = QApplication.instance() or QApplication(["bench"])
    settings = Settings(engine=os.environ.get("BENCH_ENGINE", "whisper"))
    records = Path(tempfile.mkdtemp()) / "records.sqlite"
    runner = ThreadCallRunner if in_process else ProcessCallRunner

    def lateness(seconds: float) -> list[float]:
        samples, last = [], [time.perf_counter()]
        timer = QTimer()
        timer.setInterval(10)

        def tick():
            now = time.perf_counter()
            samples.append((now - last[0]) * 1000 - 10)
            last[0] = now

        timer.timeout.connect(tick)
        timer.start()
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            qt.processEvents()
            time.sleep(0.001)
        timer.stop()
        return samples

    def overlay_for(realtime: bool) -> OverlayApp:
        session = build_session(
            settings, mode="demo", records=records, make_runner=runner, realtime=realtime
        )
        app = OverlayApp(session)
        app.render()
        app.window.show()
        return app

    first = overlay_for(realtime=True)
    idle = lateness(5.0)
    first.session.start_call()
    first.timer.start()
    starting = lateness(2.0)  # the call starts: process, engine and recognisers load
    realtime = lateness(20.0)
    first.stop()
    first.window.hide()
    second = overlay_for(realtime=False)
    second.session.start_call()
    second.timer.start()
    lateness(2.0)
    busy = lateness(15.0)
    second.stop()
    second.window.hide()

    def stats(name, xs):
        xs = np.asarray(xs)
        return {
            f"{name}_median_ms": round(float(np.median(xs)), 2),
            f"{name}_p99_ms": round(float(np.percentile(xs, 99)), 2),
            f"{name}_max_ms": round(float(xs.max()), 1),
        }

    where = "thread" if in_process else "process"
    return {
        **stats(f"{where}_loop_lateness_idle", idle),
        **stats(f"{where}_loop_lateness_call_start", starting),
        **stats(f"{where}_loop_lateness_real_time_call", realtime),
        **stats(f"{where}_loop_lateness_fast_replay", busy),
    }


def main() -> None:
    server = start_xvfb()
    try:
        results = cold_start() | loop_latency(in_process=False) | loop_latency(in_process=True)
    finally:
        server.terminate()
    print(f"({COMMAND})")
    for key, value in results.items():
        print(f"  {key:48} {value}")


if __name__ == "__main__":
    main()
