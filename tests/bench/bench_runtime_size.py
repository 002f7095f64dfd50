"""Size of the runtime venv as `make run` leaves it: a fresh venv with only what running
needs (`pip install .`), then PySide6 slimmed to the parts the overlay loads
(packaging/slim_qt.py) and debug symbols stripped (packaging/strip_symbols.py).

Target: under 550 MB with the Whisper model. Prints the total and the largest folders.
Usage: .venv/bin/python tests/bench/bench_runtime_size.py [--python python3.12]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_MB = 550
"""With the Whisper model (tiny.en, from its package) and CTranslate2 that runs it."""


def size_mb(path: Path) -> float:
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([args.python, "-m", "venv", venv], check=True)
        pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
        subprocess.run([*pip, str(ROOT)], check=True)
        size_as_installed = size_mb(venv)
        subprocess.run([sys.executable, ROOT / "packaging" / "slim_qt.py", venv], check=True)
        subprocess.run([sys.executable, ROOT / "packaging" / "strip_symbols.py", venv], check=True)
        site = next((venv / "lib").glob("python3.*/site-packages"))
        parts = sorted(((size_mb(p), p.name) for p in site.iterdir() if p.is_dir()), reverse=True)
        total = size_mb(venv)
        print(
            f"runtime venv ({args.python}): {total:.0f} MB (target < {TARGET_MB} MB);"
            f" {size_as_installed:.0f} MB before slimming Qt and stripping symbols"
        )
        for mb, name in parts[:16]:
            print(f"  {name:<28} {mb:6.1f} MB")
    return 0 if total < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
