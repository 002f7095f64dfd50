"""The layer rules are checked by machine: import-linter's contracts (pyproject.toml) and
ruff's banned imports. Each check is shown to fail on a scratch copy of the package with a
wrong-way import added on purpose, so a passing check means something."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A copy of the package and the project's settings, away from the real tree."""
    shutil.copytree(ROOT / "app" / "deescalate", tmp_path / "app" / "deescalate")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree / "app")}
    return subprocess.run(
        [BIN / "lint-imports", tree / "pyproject.toml", "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def add_import(module: Path, line: str) -> None:
    text = module.read_text()
    head, rest = text.split("from __future__ import annotations\n", 1)
    module.write_text(f"{head}from __future__ import annotations\n\n{line}\n{rest}")


def test_the_package_keeps_its_layers(scratch):
    result = lint_imports(scratch)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_lower_stage_importing_a_higher_one_fails_the_check(scratch):
    add_import(scratch / "app/deescalate/tension/detector.py", "import deescalate.session.display")
    result = lint_imports(scratch)
    assert result.returncode != 0
    assert "deescalate.tension.detector -> deescalate.session.display" in result.stdout


def test_records_and_alerts_may_not_import_each_other(scratch):
    add_import(scratch / "app/deescalate/alerts/outbox.py", "import deescalate.records.store")
    result = lint_imports(scratch)
    assert result.returncode != 0
    assert "deescalate.alerts.outbox -> deescalate.records.store" in result.stdout


def test_qt_outside_the_ui_fails_both_checks(scratch):
    module = scratch / "app/deescalate/session/display.py"
    add_import(module, "from PySide6.QtCore import QObject  # noqa: F401")
    result = lint_imports(scratch)
    assert result.returncode != 0
    assert "deescalate.session.display -> PySide6" in result.stdout
    ruff = subprocess.run(
        [BIN / "ruff", "check", "--select", "TID251", str(module)],
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ruff.returncode != 0 and "Qt belongs in deescalate.ui" in ruff.stdout
