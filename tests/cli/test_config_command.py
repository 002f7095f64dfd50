"""`deescalate config show | check` and the seat policy, as the real command in a new process."""

from __future__ import annotations

from tests.support.policy import run_seat, seat_env

TOKEN = "T0KEN-s3cret-5678"
POLICY = f"""\
phrasebook = ["/srv/share/team.yaml"]
alert_webhook_url = "https://hooks.example.com/services/{TOKEN}?sig={TOKEN}"
coaching = true
locked = ["phrasebook", "alert_webhook_url", "coaching"]
"""


def test_no_variable_a_user_can_set_moves_or_removes_the_policy(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    env = seat_env(tmp_path, DEESCALATE_POLICY_FILE="/dev/null")
    result = run_seat(policy, "config", "show", env=env)
    assert result.returncode == 0, result.stderr
    assert 'phrasebook = ["/srv/share/team.yaml"]' in result.stdout
    assert "https://hooks.example.com/… (token hidden)" in result.stdout
    assert "(locked)" in result.stdout
    assert TOKEN not in result.stdout + result.stderr, "the token is never printed"


def test_a_broken_policy_still_runs_says_where_and_writes_the_log(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('font_size = 12\nopacity = "high"\nfuture_key = 1\n')
    result = run_seat(policy, "config", "show", env=seat_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "font_size = 12" in result.stdout, "the rest of the policy still applies"
    assert f"{policy}, line 2: opacity = 'high' is not allowed" in result.stderr
    assert "contact IT" in result.stderr and "Traceback" not in result.stderr
    log = (tmp_path / ".local/state/deescalate/log/deescalate.log").read_text()
    assert f"{policy}, line 2: opacity = 'high'" in log
    assert f"{policy}, line 3: unknown setting 'future_key'" in log


def test_a_locked_key_given_on_the_command_line_says_it_is_not_used(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    call = tmp_path / "call.txt"
    call.write_text("customer: hello\nagent: hello, how can I help\n")
    book = tmp_path / "new.yaml"
    book.write_text("cues: {}\n")
    result = run_seat(
        policy,
        "replay",
        str(call),
        "--engine",
        "none",
        "--phrasebook",
        str(book),
        env=seat_env(tmp_path),
    )
    lines = [line for line in result.stderr.splitlines() if "is not used" in line]
    assert lines == [
        f"WARNING deescalate.bootstrap: phrasebook from the command line is not used: the seat "
        f"policy {policy} locks it (ask IT to change it there)."
    ]


def test_config_check_names_each_problem_and_fails_only_on_errors(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('engine = "vosk"\nnewer = 1\nlocked = ["engine"]\n')
    result = run_seat(
        tmp_path / "none.toml", "config", "check", "--policy", str(policy), env=seat_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"warning: {policy}, line 2: unknown setting 'newer'" in result.stdout
    assert result.stdout.splitlines()[-1] == f"{policy}: ok; sets 1 setting(s), locks engine."
    policy.write_text('engine = "vosk"\nfont_size = 99\n')
    result = run_seat(
        tmp_path / "none.toml", "config", "check", "--policy", str(policy), env=seat_env(tmp_path)
    )
    assert result.returncode == 2
    assert f"error: {policy}, line 2: font_size = 99 is not allowed" in result.stdout


def test_a_policy_that_cannot_be_read_locks_every_setting_at_its_default(tmp_path):
    """Root reads any file, so a folder in the policy's place stands for a file the agent
    may not read (the mode-600 case is caught by `test_policy.py`'s mode check)."""
    policy = tmp_path / "policy.toml"
    policy.mkdir()
    user_file = tmp_path / ".config/deescalate/config.toml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text("coaching = false\n")
    result = run_seat(policy, "config", "show", env=seat_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "coaching = true" in result.stdout, "a locked key never falls back to the user's"
    assert f"{policy}: cannot be read (Is a directory)" in result.stderr
    assert "contact IT" in result.stderr
