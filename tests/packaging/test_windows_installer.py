"""The Windows installer definition: it compiles with NSIS, and the silent per-machine
install and uninstall do what IT expects when run under Wine (placeholder program files:
the app itself can't be built for Windows here, so this is not a test of the app on
Windows)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NSI = Path(__file__).resolve().parents[2] / "packaging" / "windows" / "deescalate.nsi"
WINE = shutil.which("wine64") or "/usr/lib/wine/wine64"
RUN_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run"
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Deescalate"

needs_makensis = pytest.mark.skipif(
    shutil.which("makensis") is None, reason="needs makensis (Debian: nsis)"
)


def makensis(*defines: str, cwd: Path = NSI.parent) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["makensis", "-V2", *defines, NSI.name], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def setup_exe(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    app = dist / "deescalate"
    (app / "_internal").mkdir(parents=True)
    for name in ("deescalate.exe", "deescalate-cli.exe", "_internal/python311.dll"):
        (app / name).write_bytes(b"placeholder")
    result = makensis("-DVERSION=0.1.0", f"-DDIST={dist}")
    assert result.returncode == 0, result.stdout + result.stderr
    return dist / "deescalate-setup-0.1.0.exe"


@needs_makensis
def test_installer_definition_compiles(setup_exe):
    assert setup_exe.read_bytes()[:2] == b"MZ"


@needs_makensis
def test_installer_needs_a_version(tmp_path):
    result = makensis(f"-DDIST={tmp_path}")
    assert result.returncode != 0
    assert "Give the version" in result.stdout + result.stderr


class Wine:
    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = {
            **os.environ,
            "WINEPREFIX": str(prefix),
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        }
        self.env.pop("DISPLAY", None)

    def run(self, *args: str) -> int:
        code = subprocess.run(
            [WINE, *args], env=self.env, capture_output=True, timeout=300
        ).returncode
        subprocess.run([Path(WINE).with_name("wineserver"), "-w"], env=self.env, timeout=300)
        return code

    def reg_value(self, key: str, name: str) -> str | None:
        result = subprocess.run(
            [WINE, "reg", "query", key, "/v", name],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            return None
        line = next(line for line in result.stdout.splitlines() if name in line)
        return line.split("REG_SZ", 1)[1].strip() if "REG_SZ" in line else line.strip()

    @property
    def program_files(self) -> Path:
        return self.prefix / "drive_c" / "Program Files" / "Deescalate"


@needs_makensis
@pytest.mark.skipif(not Path(WINE).exists(), reason="needs Wine (Debian: wine64)")
@pytest.mark.slow
@pytest.mark.parametrize("autostart", [True, False])
def test_silent_install_and_uninstall_under_wine(setup_exe, tmp_path, autostart):
    wine = Wine(tmp_path / "prefix")
    args = [str(setup_exe), "/S"] + ([] if autostart else ["/NOAUTOSTART"])
    assert wine.run(*args) == 0
    assert (wine.program_files / "deescalate.exe").is_file()
    assert (wine.program_files / "_internal" / "python311.dll").is_file()
    start_menu = wine.prefix / "drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs"
    assert (start_menu / "Deescalate.lnk").is_file()
    run_value = wine.reg_value(RUN_KEY, "Deescalate")
    if autostart:
        assert run_value == r'"C:\Program Files\Deescalate\deescalate.exe"'
    else:
        assert run_value is None
    quiet = wine.reg_value(UNINSTALL_KEY, "QuietUninstallString")
    assert quiet == r'"C:\Program Files\Deescalate\uninstall.exe" /S'

    assert wine.run(r"C:\Program Files\Deescalate\uninstall.exe", "/S") == 0
    assert not wine.program_files.exists()
    assert not (start_menu / "Deescalate.lnk").exists()
    assert wine.reg_value(RUN_KEY, "Deescalate") is None
    assert wine.reg_value(UNINSTALL_KEY, "DisplayName") is None
