"""Overlay benchmark under Xvfb: start-up, cost of the whole app, GUI responsiveness.

    .venv/bin/python tests/bench/bench_overlay.py

- Cold start: `deescalate overlay --demo` as a new process, to the window shown and to the
  first suggestion on the demo call (the demo plays in real time, so the second figure is
  mostly where the first suggestion falls in the call).
- The whole app during a call: CPU share of one core and peak RSS of that process while the
  demo call plays in real time (both speakers recognised, as in a live call).
- GUI event-loop latency: a 10 ms timer's lateness in the overlay's own process, idle and
  while a call is replayed as fast as the machine allows (the heaviest load the pipeline
  can put on it). Compare the two from one run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

COMMAND = "python tests/bench/bench_overlay.py"


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
    peak, cpu0, cpu_from = 0, None, 0.0
    while time.monotonic() - started < seconds:
        if cpu0 is None and "overlay window shown" in marks:
            cpu0, cpu_from = sum(proc.cpu_times()[:2]), time.monotonic()
        peak = max(peak, proc.memory_info().rss)
        time.sleep(0.1)
    cpu = sum(proc.cpu_times()[:2]) - (cpu0 or 0.0)
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
        "app_peak_rss_mb": round(peak / 2**20),
    }


def loop_latency() -> dict:
    from app.advice.phrasebook import load_phrasebook
    from app.audio.file_source import FileSource
    from app.call import CallRunner
    from app.demo import DEMO_CALL
    from app.speech.engines import choose_engine
    from app.ui.app import OverlayApp
    from app.ui.qt import QApplication, QTimer

    qt = QApplication.instance() or QApplication(["bench"])
    book = load_phrasebook()
    engine = choose_engine(os.environ.get("BENCH_ENGINE", "sphinx"), hotwords=book.spot_phrases())

    def lateness(app_under_test, seconds: float) -> list[float]:
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
        source = FileSource(DEMO_CALL, realtime=realtime)
        return OverlayApp(
            lambda: CallRunner([source], engine, book, live=False), book, engine.description, True
        )

    first = overlay_for(realtime=True)
    first.show()
    idle = lateness(first, 5.0)
    first.start_call()
    starting = lateness(first, 2.0)  # the recognisers load at call start
    realtime = lateness(first, 20.0)
    first.stop_call()
    first.window.hide()
    second = overlay_for(realtime=False)  # both kept alive until the end of the run
    second.show()
    second.start_call()
    lateness(second, 2.0)
    busy = lateness(second, 15.0)
    second.stop_call()

    def stats(name, xs):
        xs = np.asarray(xs)
        return {
            f"{name}_median_ms": round(float(np.median(xs)), 2),
            f"{name}_p99_ms": round(float(np.percentile(xs, 99)), 2),
            f"{name}_max_ms": round(float(xs.max()), 1),
        }

    return {
        **stats("loop_lateness_idle", idle),
        **stats("loop_lateness_call_start", starting),
        **stats("loop_lateness_real_time_call", realtime),
        **stats("loop_lateness_fast_replay", busy),
    }


def main() -> None:
    server = start_xvfb()
    try:
        results = cold_start() | loop_latency()
    finally:
        server.terminate()
    print(f"({COMMAND})")
    for key, value in results.items():
        print(f"  {key:48} {value}")


if __name__ == "__main__":
    main()
