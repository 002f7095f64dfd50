"""The phrasebook the app puts in force is the one `phrasebook check` accepts, and the
call's process runs with the phrasebook the window validated, never the files on disk."""

from __future__ import annotations

import subprocess
import sys
import time

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK
from deescalate.bootstrap import build_session
from deescalate.config.settings import Settings
from tests.session.conftest import wait_for

DEFAULT_TEXT = DEFAULT_PHRASEBOOK.read_text()
UNKNOWN_WHEN = "when: [unsafe, threat_violence]"
MISSPELT_WHEN = "when: [unsafe, threat_violense]"
TEAM_PAUSE = "Team rule: pause the call and alert your supervisor."


def _check(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "deescalate", "phrasebook", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_edit_that_check_rejects_never_goes_live_and_the_window_says_why(tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text(DEFAULT_TEXT)
    session = build_session(
        Settings(engine="none", phrasebook=(str(team),)), records=tmp_path / "records.sqlite"
    )
    session.watch_phrasebook()
    time.sleep(0.5)
    good = session.phrasebook
    assert UNKNOWN_WHEN in DEFAULT_TEXT
    team.write_text(DEFAULT_TEXT.replace(UNKNOWN_WHEN, MISSPELT_WHEN))
    assert _check(team).returncode == 2  # the supervisor's check rejects this edit...
    assert wait_for(session, lambda: "Keeping the last good phrasebook" in session.state.error, 10)
    assert session.phrasebook is good  # ...so the window never uses it
    assert "threat_violense" in session.state.error and "team.yaml" in session.state.error
    session.close()


def test_a_configured_phrasebook_that_check_rejects_is_not_used_at_start(tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text(DEFAULT_TEXT.replace(UNKNOWN_WHEN, MISSPELT_WHEN))
    session = build_session(
        Settings(engine="none", phrasebook=(str(team),)), records=tmp_path / "records.sqlite"
    )
    assert "threat_violense" in session.state.error
    assert "default phrasebook" in session.state.error
    assert (
        session.phrasebook.responses
        == build_session(
            Settings(engine="none"), records=tmp_path / "other.sqlite"
        ).phrasebook.responses
    )
    session.close()


def test_the_call_process_uses_the_validated_phrasebook_not_the_files_on_disk(
    tmp_path, threat_call
):
    team = tmp_path / "team.yaml"
    team.write_text(
        DEFAULT_TEXT.replace("Pause the call calmly. Alert your supervisor now.", TEAM_PAUSE)
    )
    session = build_session(
        Settings(engine="sphinx", phrasebook=(str(team),)),
        mode="demo",
        records=tmp_path / "records.sqlite",
        recording=str(threat_call),
        realtime=False,
    )
    team.write_text("cues: [oops\n")  # broken on disk after the window validated it
    session.start_call()
    assert wait_for(session, lambda: session.state.escalate is not None, 60)
    assert wait_for(
        session,
        lambda: (
            session.state.suggestion is not None and session.state.suggestion.text == TEAM_PAUSE
        ),
        10,
    )
    session.close()
