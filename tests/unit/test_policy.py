"""The seat policy: a mistake in it never stops a seat nor hands a locked key to the user,
and every problem names the file, the line and the fix."""

from __future__ import annotations

import os
import socket

import pytest

from deescalate.config import policy as seat_policy
from deescalate.config.policy import read_policy, report_problems
from deescalate.config.settings import Settings, load_settings

NO_ENV: dict[str, str] = {}


def write(path, text: str, mode: int = 0o644):
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_an_unknown_key_is_a_warning_and_every_other_key_still_applies(tmp_path):
    policy = write(
        tmp_path / "policy.toml",
        'font_size = 12\nnew_in_v9 = true\nphrasebook = ["/srv/team.yaml"]\n'
        'locked = ["phrasebook", "also_new"]\n',
    )
    loaded = load_settings(policy, tmp_path / "user.toml", NO_ENV)
    assert loaded.settings.font_size == 12
    assert loaded.settings.phrasebook == ("/srv/team.yaml",)
    assert loaded.settings.locked == ("phrasebook",)
    problems = loaded.policy.problems
    assert [p.line for p in problems] == [2, 4] and all(p.warning for p in problems)
    assert "unknown setting 'new_in_v9'" in problems[0].text()
    assert loaded.policy.notice() is None, "a warning is not shown to the agent"


def test_a_bad_value_leaves_that_key_at_its_default_still_locked(tmp_path):
    policy = write(
        tmp_path / "policy.toml", 'coaching = true\nopacity = "high"\nlocked = ["opacity"]\n'
    )
    user = write(tmp_path / "user.toml", "opacity = 0.5\n")
    loaded = load_settings(policy, user, {"DEESCALATE_OPACITY": "0.6"})
    assert loaded.settings.opacity == Settings().opacity, "the user's value never replaces it"
    assert loaded.settings.coaching is True
    notice = loaded.policy.notice()
    assert notice is not None
    assert "contact IT" in notice and f"{policy}, line 2" in notice
    assert "opacity = 'high'" in notice and "a number from 0.3 to 1.0" in notice


@pytest.mark.parametrize(
    ("text", "line"),
    [('engine = "vosk\n', 1), ('font_size = 12\nlocked = ["engine"\ncoaching = true\n', 3)],
)
def test_broken_toml_locks_every_key_at_its_default_and_names_the_line(tmp_path, text, line):
    policy = write(tmp_path / "policy.toml", text)
    user = write(tmp_path / "user.toml", 'engine = "sphinx"\nfont_size = 20\n')
    loaded = load_settings(policy, user, {"DEESCALATE_COACHING": "false"})
    assert loaded.settings.model_dump(exclude={"locked"}) == Settings().model_dump(
        exclude={"locked"}
    )
    assert len(loaded.ignored) == 3, "each ignored value is said once"
    (problem,) = loaded.policy.errors
    assert problem.line == line and "not valid TOML" in problem.text()


def test_a_policy_other_users_cant_read_is_reported(tmp_path):
    policy = write(tmp_path / "policy.toml", "font_size = 12\n", mode=0o600)
    (problem,) = read_policy(policy).problems
    assert "other users can't read" in problem.text() and "chmod 644" in problem.text()


def test_locked_keys_from_every_higher_layer_are_reported_as_not_used(tmp_path):
    policy = write(
        tmp_path / "policy.toml",
        'phrasebook = ["/srv/team.yaml"]\ncoaching = true\nlocked = ["phrasebook", "coaching"]\n',
    )
    user = write(tmp_path / "user.toml", "coaching = true\n")  # the same value: nothing to say
    loaded = load_settings(
        policy,
        user,
        {"DEESCALATE_COACHING": "false"},
        {"phrasebook": ["new.yaml"]},
    )
    assert loaded.settings.phrasebook == ("/srv/team.yaml",)
    assert loaded.ignored == [
        f"coaching from DEESCALATE_COACHING is not used: the seat policy {policy} locks it "
        "(ask IT to change it there).",
        f"phrasebook from the command line is not used: the seat policy {policy} locks it "
        "(ask IT to change it there).",
    ]


def test_problems_go_to_the_log_and_the_system_journal(tmp_path, monkeypatch, caplog):
    journal = tmp_path / "journal.socket"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(journal))
    receiver.settimeout(5)
    monkeypatch.setattr(seat_policy, "JOURNAL_SOCKET", journal)
    policy = write(tmp_path / "policy.toml", "font_size = 99\n")
    with caplog.at_level("WARNING"):
        report_problems(read_policy(policy))
    message = receiver.recv(4096).decode()
    receiver.close()
    assert f"MESSAGE=seat policy: {policy}, line 1: font_size = 99" in message
    assert "PRIORITY=3" in message and "SYSLOG_IDENTIFIER=deescalate" in message
    assert f"{policy}, line 1: font_size = 99" in caplog.text and "contact IT" in caplog.text
