from pathlib import Path

import pytest

from deescalate.speech import models
from deescalate.speech.base import SpeechError
from deescalate.speech.models import ModelChoice, check_model_folder, find_vosk_model


def make_model(folder: Path) -> Path:
    for part in ("am/final.mdl", "graph/HCLG.fst", "conf/mfcc.conf", "conf/model.conf"):
        (folder / part).parent.mkdir(parents=True, exist_ok=True)
        (folder / part).write_bytes(b"x")
    return folder


def test_complete_folder_is_accepted(tmp_path):
    folder = make_model(tmp_path / "vosk-model-small-en-us-0.15")
    assert check_model_folder(ModelChoice(folder, "--model")) == folder


def test_missing_folder_names_path_and_origin(tmp_path):
    with pytest.raises(SpeechError, match=r"not found: .*nowhere \(from \$DEESCALATE_VOSK_MODEL\)"):
        check_model_folder(ModelChoice(tmp_path / "nowhere", "$DEESCALATE_VOSK_MODEL"))


def test_nested_folder_after_unzip_points_to_the_inner_one(tmp_path):
    inner = make_model(tmp_path / "outer" / "vosk-model-en")
    with pytest.raises(SpeechError, match="nested") as err:
        check_model_folder(ModelChoice(tmp_path / "outer", "--model"))
    assert str(inner) in str(err.value)


def test_archive_is_recognised(tmp_path):
    archive = tmp_path / "vosk-model-en.zip"
    archive.write_bytes(b"PK")
    with pytest.raises(SpeechError, match="unzip"):
        check_model_folder(ModelChoice(archive, "--model"))


def test_incomplete_folder_lists_what_is_missing(tmp_path):
    folder = make_model(tmp_path / "m")
    (folder / "am" / "final.mdl").unlink()
    with pytest.raises(SpeechError, match=r"missing am/final.mdl"):
        check_model_folder(ModelChoice(folder, "--model"))


def test_named_model_wins_over_environment_and_config(tmp_path, monkeypatch):
    monkeypatch.setenv(models.ENV_VAR, "/from/env")
    assert find_vosk_model("/from/cli", "/from/config").origin == "--model"
    assert find_vosk_model(None, "/from/config").path == Path("/from/env")
    monkeypatch.delenv(models.ENV_VAR)
    assert find_vosk_model(None, "/from/config").origin == "the config file"


def test_search_folders_in_order(tmp_path, monkeypatch):
    monkeypatch.delenv(models.ENV_VAR, raising=False)
    project, user = tmp_path / "project", tmp_path / "user"
    monkeypatch.setattr(
        models, "search_folders", lambda: [(project, "project"), (user, "user data")]
    )
    assert find_vosk_model() is None
    make_model(user / "vosk-model-en")
    assert find_vosk_model().origin == "user data"
    make_model(project / "vosk-model-en")
    assert find_vosk_model().origin == "project"


def test_grammar_support_follows_the_graph_kind(tmp_path, vosk_ko_model):
    assert models.supports_grammar(vosk_ko_model)
    assert not models.supports_grammar(make_model(tmp_path / "static"))
