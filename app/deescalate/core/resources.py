"""Data files shipped inside the package, found with importlib.resources.

Installed from a wheel (or bundled by PyInstaller) the default phrasebook is the package
`app.phrasebook_files`; in a source checkout it is read in place from the top-level
phrasebook/ folder that supervisors edit.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

SOURCE_TREE = Path(__file__).resolve().parents[3]
"""The repository root in a source checkout (app/deescalate/core/ is three levels down)."""


def _file(package: str, name: str, source_folder: Path) -> Path:
    try:
        folder = resources.files(package)
    except ModuleNotFoundError:
        return source_folder / name
    return Path(str(folder.joinpath(name)))


def default_phrasebook() -> Path:
    return _file("deescalate.phrasebook_files", "default.yaml", SOURCE_TREE / "phrasebook")


def demo_call() -> Path:
    return _file("deescalate.demo", "demo_call.flac", SOURCE_TREE / "app" / "deescalate" / "demo")


def models_beside_app() -> Path:
    """The models/ folder shipped with the app: inside a PyInstaller bundle, or the
    repository's own in a source checkout."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) / "models" if bundle else SOURCE_TREE / "models"
