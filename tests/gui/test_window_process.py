"""The window's process loads only what the window needs: calls (audio, recognition,
detection) and the Settings dialog's device probe run in child processes, so numpy and
the speech and audio libraries never enter it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

NOT_IN_THE_WINDOW = (
    "numpy",
    "soxr",
    "sounddevice",
    "soundfile",
    "vosk",
    "pocketsphinx",
    "deescalate.call.pipeline",
    "deescalate.tension.detector",
    "deescalate.audio.capture",
    "jinja2",
    "tqdm",
)

SCRIPT = """
import json, os, sys, time
from pathlib import Path
from deescalate.cli.main import main  # the console script's one import
from deescalate import bootstrap
from deescalate.config.settings import Settings
from deescalate.ui.app import OverlayApp, prepare_qt_app

if __name__ == "__main__":
    qt = prepare_qt_app()
    session = bootstrap.build_session(
        Settings(engine="sphinx"), mode="demo", records=Path(sys.argv[1]) / "records.sqlite"
    )
    app = OverlayApp(session)
    app.start()
    deadline = time.monotonic() + 60
    while session.state.suggestion is None and time.monotonic() < deadline:
        qt.processEvents()
        app.tick()
        time.sleep(0.05)
    probe = session.device_probe()
    probe.start()
    while probe.devices is None and time.monotonic() < deadline:
        time.sleep(0.05)
    probe.close()
    print(json.dumps({"suggested": session.state.suggestion is not None,
                      "modules": sorted(sys.modules)}))
    app.stop()
    os._exit(0)
"""


def test_the_window_process_holds_no_audio_speech_or_numpy_code(tmp_path):
    script = tmp_path / "window.py"
    script.write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["suggested"], "the demo call never reached the window"
    loaded = set(report["modules"])
    assert not loaded & set(NOT_IN_THE_WINDOW), sorted(loaded & set(NOT_IN_THE_WINDOW))
