"""Data files shipped inside the package, found with importlib.resources.

Installed from a wheel (or bundled by PyInstaller) the default phrasebook is the package
`app.phrasebook_files`; in a source checkout it is read in place from the top-level
phrasebook/ folder that supervisors edit.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SOURCE_TREE = Path(__file__).resolve().parents[1]


def _file(package: str, name: str, source_folder: Path) -> Path:
    try:
        folder = resources.files(package)
    except ModuleNotFoundError:
        return source_folder / name
    return Path(str(folder.joinpath(name)))


def default_phrasebook() -> Path:
    return _file("app.phrasebook_files", "default.yaml", SOURCE_TREE / "phrasebook")


def demo_call() -> Path:
    return _file("app.demo", "demo_call.flac", SOURCE_TREE / "app" / "demo")
