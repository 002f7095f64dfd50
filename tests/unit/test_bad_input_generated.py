"""Generated bad input over settings, the seat policy and model folders: the answer is a
clear line (exit 2) or the input is used, never a traceback."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deescalate.cli.main import main
from deescalate.config.settings import ConfigError, Settings, load_settings
from deescalate.speech import models

KEYS = [*Settings.model_fields, "enigne", "future_setting"]
toml_values = st.one_of(
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.lists(st.text(max_size=8), max_size=3),
)
tidy = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=bool(os.environ.get("CI")),  # CI repeats one set; a run here explores anew
)


def toml_line(key: str, value) -> str:
    import tomli_w

    return tomli_w.dumps({key: value})


lines = st.one_of(
    st.builds(toml_line, st.sampled_from(KEYS), toml_values),
    st.text(max_size=30).map(lambda t: t.replace("\x00", "")),  # broken TOML
)


@tidy
@given(st.lists(lines, max_size=6))
def test_any_policy_is_used_or_explained_line_by_line(capsys, policy_lines):
    with tempfile.TemporaryDirectory() as folder:
        policy = Path(folder) / "policy.toml"
        policy.write_text("\n".join(policy_lines))
        loaded = load_settings(policy, Path(folder) / "user.toml", {})  # never raises
        assert isinstance(loaded.settings, Settings)
        code = main(["config", "check", "--policy", str(policy)])
    out, err = capsys.readouterr()
    assert code in (0, 2) and "Traceback" not in out + err
    assert all(line.startswith(("warning: ", "error: ", str(policy))) for line in out.splitlines())


@tidy
@given(st.lists(lines, max_size=6), st.dictionaries(st.sampled_from(KEYS), st.text(max_size=12)))
def test_any_user_file_or_variable_is_used_or_refused_in_one_line(user_lines, variables):
    environ = {
        f"DEESCALATE_{key.upper()}": value.replace("\x00", "") for key, value in variables.items()
    }
    with tempfile.TemporaryDirectory() as folder:
        user = Path(folder) / "user.toml"
        user.write_text("\n".join(user_lines))
        try:
            load_settings(Path(folder) / "none.toml", user, environ)
        except ConfigError as exc:
            assert "\n" not in str(exc).strip()


PARTS = [
    "am/final.mdl",
    "conf/mfcc.conf",
    "graph/HCLG.fst",
    "model.bin",
    "config.json",
    "tokenizer.json",
    "SHA256SUMS",
    "README",
    "ivector/final.ie",
]


@pytest.fixture
def no_installed_models(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("models-home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "user"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(home / "share"))
    monkeypatch.setattr(models, "PROJECT_MODELS", home / "beside-app")
    monkeypatch.setattr(models, "packaged_whisper_model", lambda: None)


@tidy
@given(st.dictionaries(st.sampled_from(PARTS), st.binary(max_size=64), max_size=6))
def test_any_model_folder_is_verified_or_refused_in_one_line(no_installed_models, capsys, files):
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            path = Path(folder) / "model" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (Path(folder) / "model").mkdir(exist_ok=True)
        codes = [
            main(["models", "verify", str(Path(folder) / "model")]),
            main(["models", "install", str(Path(folder) / "model")]),
        ]
    out, err = capsys.readouterr()
    assert set(codes) <= {0, 1, 2} and "Traceback" not in out + err
    assert all(len(line) < 2000 for line in err.splitlines())
