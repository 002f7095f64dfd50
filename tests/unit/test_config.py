import pytest

from app.config import ConfigError, load_settings


def test_user_settings_override_machine_settings_unless_locked(tmp_path):
    machine = tmp_path / "machine.toml"
    user = tmp_path / "user.toml"
    machine.write_text('engine = "vosk"\nvosk_model = "/opt/models/en"\nlocked = ["vosk_model"]\n')
    user.write_text('engine = "sphinx"\nvosk_model = "/home/me/model"\n')
    settings = load_settings(machine, user)
    assert settings.engine == "sphinx"
    assert settings.vosk_model == "/opt/models/en"


def test_missing_files_give_defaults(tmp_path):
    settings = load_settings(tmp_path / "a.toml", tmp_path / "b.toml")
    assert settings.engine == "auto"


def test_broken_toml_names_the_file_and_line(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text('engine = "vosk\n')
    with pytest.raises(ConfigError, match=r"user.toml: not valid TOML .*line 1"):
        load_settings(tmp_path / "none.toml", user)


def test_unknown_key_is_named(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text('engnie = "vosk"\n')
    with pytest.raises(ConfigError, match=r"unknown setting.*engnie"):
        load_settings(tmp_path / "none.toml", user)


def test_saved_settings_load_back_and_skip_locked_keys(tmp_path):
    from dataclasses import replace

    from app.config import Settings, save_user_settings

    user = tmp_path / "user.toml"
    settings = replace(
        Settings(), engine="sphinx", font_size=18, phrasebook=("a.yaml",), locked=("engine",)
    )
    save_user_settings(settings, user)
    text = user.read_text()
    assert "engine" not in text and "font_size = 18" in text
    loaded = load_settings(tmp_path / "none.toml", user)
    assert loaded.font_size == 18 and loaded.phrasebook == ("a.yaml",)
