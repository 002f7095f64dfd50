"""Finding and checking a Vosk model folder. Never downloads anything."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.speech.base import SpeechError

ENV_VAR = "DEESCALATE_VOSK_MODEL"
APP_NAME = "deescalate"
PROJECT_MODELS = Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class ModelChoice:
    path: Path
    origin: str
    """Where the path came from, for error messages: "--model", "$DEESCALATE_VOSK_MODEL"..."""


def _acoustic_model(folder: Path) -> Path | None:
    for candidate in (folder / "am" / "final.mdl", folder / "final.mdl"):
        if candidate.is_file():
            return candidate
    return None


def _has_graph(folder: Path) -> bool:
    for graph in (folder / "graph", folder):
        if (graph / "HCLG.fst").is_file():
            return True
        if (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file():
            return True
    return False


def _has_features_conf(folder: Path) -> bool:
    return (folder / "conf" / "mfcc.conf").is_file() or (folder / "mfcc.conf").is_file()


def missing_parts(folder: Path) -> list[str]:
    missing = []
    if _acoustic_model(folder) is None:
        missing.append("am/final.mdl (acoustic model)")
    if not _has_graph(folder):
        missing.append("graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst (decoding graph)")
    if not _has_features_conf(folder):
        missing.append("conf/mfcc.conf (feature settings)")
    return missing


def supports_grammar(folder: Path) -> bool:
    """Models with a dynamic graph (HCLr + Gr) accept a runtime phrase list; HCLG ones don't."""
    return any((g / "HCLr.fst").is_file() for g in (folder / "graph", folder))


def check_model_folder(choice: ModelChoice) -> Path:
    """The folder to load, or SpeechError naming the mistake and the fix."""
    path = choice.path.expanduser()
    where = f"(from {choice.origin})"
    if not path.exists():
        raise SpeechError(
            f"Vosk model folder not found: {path} {where}. Check the path, or point "
            f"--model / ${ENV_VAR} at the unzipped model folder."
        )
    if path.is_file():
        if path.suffix.lower() in {".zip", ".tar", ".gz", ".tgz"}:
            raise SpeechError(
                f"{path} {where} is an archive: unzip it and use the folder that "
                "contains am/ and conf/."
            )
        raise SpeechError(f"{path} {where} is a file; a Vosk model is a folder with am/ and conf/.")
    missing = missing_parts(path)
    if not missing:
        return path
    subfolders = [p for p in path.iterdir() if p.is_dir()]
    nested = [p for p in subfolders if not missing_parts(p)]
    if nested:
        raise SpeechError(
            f"{path} {where} holds the model one level down (a nested folder after unzip): "
            f"use {nested[0]} instead."
        )
    raise SpeechError(
        f"Incomplete Vosk model at {path} {where}: missing {', '.join(missing)}. "
        "Unzip the model again, or choose another folder."
    )


def _model_in(folder: Path, origin: str) -> ModelChoice | None:
    """A complete model directly in `folder` or in one of its subfolders (first by name)."""
    if not folder.is_dir():
        return None
    if not missing_parts(folder):
        return ModelChoice(folder, origin)
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if not missing_parts(sub):
            return ModelChoice(sub, origin)
    return None


def search_folders() -> list[tuple[Path, str]]:
    """Places searched when no model is named, in order."""
    site_data = Path(platformdirs.site_data_dir(APP_NAME, appauthor=False))
    user_data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return [
        (PROJECT_MODELS, "the project's models/ folder"),
        (site_data / "models", "the machine-wide data folder"),
        (user_data / "models", "the per-user data folder"),
    ]


def find_vosk_model(
    cli_path: str | None = None, config_path: str | None = None
) -> ModelChoice | None:
    """The configured or discovered model, unchecked; None when there is none anywhere.

    A model named explicitly (command line, environment, config) is returned even if it is
    broken, so the caller reports the mistake instead of silently using another engine.
    """
    for value, origin in (
        (cli_path, "--model"),
        (os.environ.get(ENV_VAR), f"${ENV_VAR}"),
        (config_path, "the config file"),
    ):
        if value:
            return ModelChoice(Path(value), origin)
    for folder, origin in search_folders():
        found = _model_in(folder, origin)
        if found:
            return found
    return None
