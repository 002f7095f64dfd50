import pytest

from deescalate.config.settings import (
    ConfigError,
    Settings,
    load_settings,
    save_user_settings,
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


def test_a_typo_in_the_policy_lock_list_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"machine.toml: locked .*unknown setting.*enigne"):
        load(tmp_path, machine='locked = ["enigne"]\n')


def test_a_wrong_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match=r"DEESCALATE_OPACITY: opacity = '2'"):
        load(tmp_path, environ={"DEESCALATE_OPACITY": "2"})


def test_broken_toml_names_the_file_and_line(tmp_path):
    with pytest.raises(ConfigError, match=r"user.toml: not valid TOML .*line 1"):
        load(tmp_path, user='engine = "vosk\n')


def test_saved_settings_load_back_and_leave_out_locked_keys(tmp_path):
    user = tmp_path / "user.toml"
    settings = Settings().with_values(
        engine="sphinx", font_size=18, phrasebook=("a.yaml",), locked=("engine",)
    )
    save_user_settings(settings, user)
    text = user.read_text()
    assert "engine" not in text and "font_size = 18" in text
    loaded = load_settings(tmp_path / "none.toml", user, NO_ENV)
    assert loaded.settings.font_size == 18 and loaded.settings.phrasebook == ("a.yaml",)


def test_missing_files_give_defaults(tmp_path):
    loaded = load_settings(tmp_path / "a.toml", tmp_path / "b.toml", NO_ENV)
    assert loaded.settings == Settings()
