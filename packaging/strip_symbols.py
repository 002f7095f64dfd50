"""Removes debug symbols from a venv's compiled extensions (CTranslate2's Python module ships
67 MB of them around 1 MB of code). Only sections a debugger reads are removed, so nothing
the app runs changes; running it again changes nothing. `pip install --force-reinstall`
of a package brings its symbols back.

Usage: python packaging/strip_symbols.py VENV  (Linux with binutils' strip; elsewhere it
says so and does nothing)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

MIN_BYTES = 5_000_000
"""Smaller libraries are not worth a look."""


def has_debug_info(library: Path) -> bool:
    done = subprocess.run(
        ["readelf", "-S", "-W", str(library)], capture_output=True, text=True, check=False
    )
    return ".debug_info" in done.stdout


def strip_venv(venv: Path) -> int:
    """Strips every large extension library with debug info; returns bytes saved."""
    saved = 0
    for library in sorted(venv.glob("lib/python3.*/site-packages/**/*.so*")):
        if not library.is_file() or library.stat().st_size < MIN_BYTES:
            continue
        if not has_debug_info(library):
            continue
        before = library.stat().st_size
        subprocess.run(["strip", "--strip-debug", str(library)], check=True)
        saved += before - library.stat().st_size
    return saved


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if not sys.platform.startswith("linux") or not (
        shutil.which("strip") and shutil.which("readelf")
    ):
        print("strip_symbols: needs Linux with binutils (strip, readelf); nothing done")
        return 0
    saved = strip_venv(Path(sys.argv[1]))
    print(f"strip_symbols: removed {saved / 1e6:.0f} MB of debug symbols")
    return 0


if __name__ == "__main__":
    sys.exit(main())
