"""Removes from a venv's PySide6 what the overlay never loads: Qt Quick and QML, Designer,
translations, developer tools and headers. PySide6-Essentials is one wheel of about 240 MB;
the app needs about a third of it.

Kept: the Python modules in qt_parts.QT_MODULES_KEPT, the plugins in
qt_parts.QT_PLUGINS_KEPT, and every Qt library those link to (found with ldd, so a new Qt
release that splits a library differently is followed). Running it again changes nothing;
`pip install --force-reinstall PySide6-Essentials` brings everything back.

Usage: python packaging/slim_qt.py VENV  (Linux; elsewhere it says so and does nothing)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from qt_parts import QT_MODULES_KEPT, QT_PLUGINS_KEPT

# Folders of the wheel that nothing loads at run time.
UNUSED_FOLDERS = (
    "Qt/qml",
    "Qt/translations",
    "Qt/metatypes",
    "Qt/libexec",
    "include",
    "typesystems",
    "glue",
    "scripts",
    "lib",
)
LDD_NEEDED = re.compile(r"^\s*(\S+)\s+=>", re.MULTILINE)
"""The library name left of "=>" (the right side is a path, which may hold spaces)."""


def pyside_folder(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3.*/site-packages/PySide6"))
    if not found:
        raise SystemExit(f"{venv}: no PySide6 here; install the app first (make setup-run)")
    return found[-1]


def linked_libraries(binary: Path) -> set[str]:
    """Names of every shared library the binary loads, directly or not (ldd is transitive)."""
    # Another Qt on LD_LIBRARY_PATH would be followed instead of the wheel's own.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    out = subprocess.run(
        ["ldd", str(binary)], capture_output=True, text=True, check=True, env=env
    ).stdout
    return set(LDD_NEEDED.findall(out))


def kept_plugins(plugins: Path) -> list[Path]:
    return [
        path
        for path in plugins.rglob("*.so")
        if path.relative_to(plugins).as_posix().startswith(QT_PLUGINS_KEPT)
    ]


def removable(pyside: Path) -> list[Path]:
    qt_lib, plugins = pyside / "Qt" / "lib", pyside / "Qt" / "plugins"
    roots = [pyside / f"{name}.abi3.so" for name in QT_MODULES_KEPT] + kept_plugins(plugins)
    needed = set().union(*(linked_libraries(root) for root in roots))
    if not any(name.startswith("libQt6Core") for name in needed):
        raise SystemExit(f"slim_qt: could not read what {pyside} links to; nothing removed")
    keep = set(roots)
    doomed = [pyside / folder for folder in UNUSED_FOLDERS if (pyside / folder).exists()]
    libraries = [*qt_lib.glob("*.so*"), *pyside.glob("lib*.so*")]
    doomed += [lib for lib in libraries if lib.name not in needed]
    doomed += [path for path in plugins.rglob("*.so") if path not in keep]
    for path in pyside.iterdir():
        module = path.name.split(".")[0]
        if path.suffix in (".so", ".pyi") and module.startswith("Qt"):
            if module not in QT_MODULES_KEPT:
                doomed.append(path)
        elif path.is_file() and path.stat().st_mode & 0o111 and not path.name.startswith("lib"):
            doomed.append(path)  # designer, linguist, qmlls and the other developer tools
    return doomed


def tool_launchers(venv: Path) -> list[Path]:
    """bin/pyside6-designer and the like, which start the tools removed above."""
    return sorted(venv.glob("bin/pyside6-*"))


def check_import(venv: Path) -> None:
    python = venv / "bin" / "python"
    probe = subprocess.run(
        [python, "-c", "import PySide6.QtWidgets, PySide6.QtTest"], capture_output=True, text=True
    )
    if probe.returncode:
        raise SystemExit(
            f"slim_qt: PySide6 no longer imports ({probe.stderr.strip().splitlines()[-1]}). "
            f"Restore it with `{python} -m pip install --force-reinstall PySide6-Essentials`."
        )


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    if not sys.platform.startswith("linux") or not shutil.which("ldd"):
        print("slim_qt: Linux with ldd only; PySide6 left as installed")
        return 0
    venv = Path(sys.argv[1])
    pyside = pyside_folder(venv)
    doomed = removable(pyside) + tool_launchers(venv)
    freed = sum(size(path) for path in doomed)
    for path in doomed:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    for empty in sorted((p for p in pyside.rglob("*") if p.is_dir()), reverse=True):
        if not any(empty.iterdir()):
            empty.rmdir()
    check_import(venv)
    print(f"slim_qt: removed {len(doomed)} unused PySide6 parts, {freed / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
