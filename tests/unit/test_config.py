import pytest

from deescalate.config.settings import (
    ConfigError,
    Settings,
    load_settings,
    save_user_changes,
    show,
)

NO_ENV: dict[str, str] = {}


def load(tmp_path, machine: str = "", user: str = "", environ=NO_ENV, command_line=None):
    (tmp_path / "machine.toml").write_text(machine)
    (tmp_path / "user.toml").write_text(user)
    return load_settings(tmp_path / "machine.toml", tmp_path / "user.toml", environ, command_line)


def test_each_layer_overrides_the_one_below_and_says_where_a_value_came_from(tmp_path):
    loaded = load(
        tmp_path,
        machine='engine = "vosk"\nfont_size = 12\nopacity = 0.8\n',
        user='engine = "sphinx"\nfont_size = 18\n',
        environ={"DEESCALATE_FONT_SIZE": "20", "DEESCALATE_COACHING": "false"},
        command_line={"font_size": 22},
    )
    s = loaded.settings
    assert (s.engine, s.font_size, s.opacity, s.coaching) == ("sphinx", 22, 0.8, False)
    assert loaded.origins["opacity"].endswith("machine.toml")
    assert loaded.origins["engine"].endswith("user.toml")
    assert loaded.origins["coaching"] == "DEESCALATE_COACHING"
    assert loaded.origins["font_size"] == "command line"
    assert loaded.origins["show_transcript"] == "default"
    assert "font_size = 22    # command line" in show(loaded)


def test_locked_policy_keys_win_over_user_environment_and_command_line(tmp_path):
    loaded = load(
        tmp_path,
        machine='phrasebook = ["/srv/share/team.yaml"]\nlocked = ["phrasebook", "coaching"]\n',
        user='phrasebook = ["mine.yaml"]\ncoaching = false\n',
        environ={"DEESCALATE_COACHING": "false"},
        command_line={"phrasebook": ["cli.yaml"]},
    )
    assert loaded.settings.phrasebook == ("/srv/share/team.yaml",)
    assert loaded.settings.coaching is True
    assert "(locked)" in show(loaded)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('opacity = "high"', r"user.toml: opacity = 'high' .*a number from 0.3 to 1.0"),
        ('coaching = "no"', r"user.toml: coaching = 'no' .*true or false"),
        ('phrasebook = "team.yaml"', r"user.toml: phrasebook = 'team.yaml' .*a list"),
        ("opacity = 0.0", r"user.toml: opacity = 0.0 .*0.3 to 1.0"),
        ('engnie = "vosk"', r"user.toml: unknown setting 'engnie'; known: engine"),
        (
            'engine = "whisperx"',
            r"user.toml: engine = 'whisperx' .*auto, whisper, vosk, sphinx or none",
        ),
    ],
)
def test_a_wrong_value_or_key_is_one_line_naming_file_key_and_what_is_allowed(
    tmp_path, line, expected
):
    with pytest.raises(ConfigError, match=expected) as caught:
        load(tmp_path, user=line + "\n")
    assert "\n" not in str(caught.value)


def test_a_typo_in_the_policy_lock_list_is_a_warning_naming_file_and_line(tmp_path):
    loaded = load(tmp_path, machine='coaching = false\nlocked = ["enigne"]\n')
    assert loaded.settings.coaching is False
    (problem,) = loaded.policy.problems
    assert problem.warning and "machine.toml, line 2: locked: unknown setting 'enigne'" in (
        problem.text()
    )


def test_a_wrong_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match=r"DEESCALATE_OPACITY: opacity = '2'"):
        load(tmp_path, environ={"DEESCALATE_OPACITY": "2"})


def test_broken_toml_names_the_file_and_line(tmp_path):
    with pytest.raises(ConfigError, match=r"user.toml: not valid TOML .*line 1"):
        load(tmp_path, user='engine = "vosk\n')


def test_saving_writes_only_what_the_user_changed_privately(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text('agent_device = "usb headset"\n')
    loaded = load(
        tmp_path,
        machine='alert_webhook_url = "https://hooks.example.com/T0/SECRET"\nopacity = 0.8\n'
        'engine = "vosk"\nlocked = ["engine"]\n',
        user='agent_device = "usb headset"\n',
        environ={"DEESCALATE_SHOW_TRANSCRIPT": "true"},
    )
    before = loaded.settings
    after = before.with_values(engine="sphinx", font_size=18, phrasebook=("a.yaml",))
    save_user_changes(before, after, user)
    text = user.read_text()
    assert "SECRET" not in text and "webhook" not in text, "the policy's token is not copied"
    assert "opacity" not in text and "show_transcript" not in text, "nor other layers' values"
    assert "engine" not in text, "a locked key is not saved"
    assert 'agent_device = "usb headset"' in text, "what the file had is kept"
    assert user.stat().st_mode & 0o777 == 0o600
    reloaded = load_settings(tmp_path / "none.toml", user, NO_ENV)
    assert reloaded.settings.font_size == 18 and reloaded.settings.phrasebook == ("a.yaml",)


def test_show_masks_the_webhook_token(tmp_path):
    loaded = load(
        tmp_path, machine='alert_webhook_url = "https://hooks.example.com/T0/B0/SECRET?sig=S1"\n'
    )
    shown = show(loaded)
    assert "SECRET" not in shown and "S1" not in shown
    assert "https://hooks.example.com/… (token hidden)" in shown


def test_missing_files_give_defaults(tmp_path):
    loaded = load_settings(tmp_path / "a.toml", tmp_path / "b.toml", NO_ENV)
    assert loaded.settings == Settings()


HUB_POLICY = (
    'hub_url = "https://hub.example.com/"\nhub_enrol_token = "ENROL-s3cret-77"\n'
    'hub_send_words = true\nlocked = ["hub_url", "hub_enrol_token", "hub_send_words"]\n'
)


def test_the_hub_is_set_by_policy_and_its_token_is_never_shown_or_saved(tmp_path):
    loaded = load(tmp_path, machine=HUB_POLICY, user="font_size = 16\n")
    s = loaded.settings
    assert (s.hub_url, s.hub_enrol_token, s.hub_send_words) == (
        "https://hub.example.com",
        "ENROL-s3cret-77",
        True,
    )
    shown = show(loaded)
    assert "s3cret" not in shown
    assert 'hub_enrol_token = "(hidden)"' in shown and "https://hub.example.com" in shown
    user = tmp_path / "user.toml"
    save_user_changes(s, s.with_values(font_size=18, hub_enrol_token="OTHER-s3cret-1"), user)
    assert "s3cret" not in user.read_text() and "hub" not in user.read_text()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('hub_url = "hub.example.com"', "not a web address"),
        ('hub_url = "http://hub.example.com"', "plain http only for localhost"),
        ('hub_enrol_token = "short"', "at least 8 characters"),
        ('hub_send_words = "yes"', "true or false"),
    ],
)
def test_a_hub_setting_that_is_not_allowed_says_what_is(tmp_path, line, problem):
    with pytest.raises(ConfigError, match=problem) as error:
        load(tmp_path, user=line + "\n")
    assert "user.toml" in str(error.value)


def test_a_token_that_is_not_allowed_is_not_echoed(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, user='hub_enrol_token = "s3cr"\n')
    assert "s3cr" not in str(error.value) and "(hidden)" in str(error.value)


def test_plain_http_is_allowed_for_a_hub_on_this_machine():
    assert Settings(hub_url="http://127.0.0.1:8080").hub_url == "http://127.0.0.1:8080"
    assert Settings().hub_url is None and Settings().hub_send_words is False
