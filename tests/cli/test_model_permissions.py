"""A machine-wide model installed by IT under a strict umask is readable by every agent."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from deescalate.cli.main import main
from deescalate.speech import models

pytestmark = pytest.mark.slow


@pytest.fixture
def machine_share(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "share"))
    monkeypatch.setattr(models, "PROJECT_MODELS", tmp_path / "beside-app")
    monkeypatch.setattr(models, "packaged_whisper_model", lambda: None)
    return tmp_path / "share" / "deescalate"


@pytest.fixture
def strict_umask():
    old = os.umask(0o077)
    yield
    os.umask(old)


def modes(folder: Path) -> set[tuple[bool, int]]:
    return {(p.is_dir(), stat.S_IMODE(p.stat().st_mode)) for p in [folder, *folder.rglob("*")]}


def test_a_machine_wide_install_under_umask_077_is_readable_by_everyone(
    vosk_ko_model, machine_share, strict_umask, capsys
):
    assert main(["models", "install", str(vosk_ko_model), "--machine"]) == 0
    installed = machine_share / "models" / vosk_ko_model.name
    assert modes(installed) <= {(True, 0o755), (False, 0o644)}
    assert stat.S_IMODE(machine_share.stat().st_mode) == 0o755
    assert stat.S_IMODE((machine_share / "models").stat().st_mode) == 0o755


def test_a_model_folder_this_user_cannot_read_is_one_line_not_a_traceback(
    machine_share, capsys, monkeypatch
):
    def refuse(folder, where):
        raise PermissionError(13, "Permission denied", str(machine_share / "models" / "m"))

    # Root reads every folder, so the refusal a agent meets is raised here instead.
    monkeypatch.setattr(models, "_installed_in", refuse)
    assert main(["models", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "can't be read" in err and "chmod -R a+rX" in err
