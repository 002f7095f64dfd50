"""Gathers the copyright and licence texts of everything the one-folder app bundles into a
documentation folder (the .deb's /usr/share/doc/deescalate): `copyright`, a summary of each
bundled part, and `licenses/`, the licence texts themselves.

- Python packages: the requirement closure of deescalate, plus PyInstaller (its bootloader
  and run-time hooks are in the app), read from the installed metadata and licence files.
- Shared libraries PyInstaller copied from the build machine, and the libraries wheels
  vendor (`numpy.libs/`, `ctranslate2.libs/`): the copyright file of the Debian package
  that ships the same library.

Run it with the build venv's Python, after PyInstaller:
    python licences.py APP_FOLDER DOC_FOLDER
It exits 1 naming every bundled shared library it can find no licence for.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from importlib.metadata import Distribution, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LICENCE_NAME = re.compile(r"^(licen[cs]e|copying|notice|copyright|authors)", re.IGNORECASE)
# A wheel-vendored library: libgomp-e985bcbb.so.1.0.0 is a copy of libgomp.so.1.
VENDORED = re.compile(r"^(lib[\w+]+?)-[0-9a-f]{8}(?:-[0-9a-f]{8})?\.so")
COMMON_LICENSES = Path("/usr/share/common-licenses")
# SPDX identifiers whose text every Debian system has in /usr/share/common-licenses.
COMMON_TEXT = {
    "Apache-2.0": "Apache-2.0",
    "GPL-2.0-only": "GPL-2",
    "GPL-2.0-or-later": "GPL-2",
    "GPL-3.0-only": "GPL-3",
    "GPL-3.0-or-later": "GPL-3",
    "LGPL-2.1-only": "LGPL-2.1",
    "LGPL-2.1-or-later": "LGPL-2.1",
    "LGPL-3.0-only": "LGPL-3",
    "LGPL-3.0-or-later": "LGPL-3",
    "MPL-2.0": "MPL-2.0",
    "CC0-1.0": "CC0-1.0",
}
CLASSIFIER_SPDX = {
    "Apache Software License": "Apache-2.0",
    "MIT License": "MIT",
    "BSD License": "BSD",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.1-or-later",
}
# The MIT licence's standard text (SPDX), for wheels that declare MIT but carry no text.
MIT_TEXT = """\
Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify,
merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
"""


@dataclass
class Part:
    """One bundled part: a Python package or a Debian package's library."""

    name: str
    version: str
    licence: str
    holders: str
    texts: dict[str, Path] = field(default_factory=dict)
    generated: dict[str, str] = field(default_factory=dict)
    common: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)


def bundled_distributions(root: str = "deescalate") -> dict[str, Distribution]:
    """The installed requirement closure of `root` (markers evaluated, no extras)."""
    found: dict[str, Distribution] = {}
    todo = [root]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        found[name] = distribution(name)
        for text in found[name].requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def licence_of(dist: Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    declared = (meta.get("License") or "").strip()
    if declared and declared != "UNKNOWN" and "\n" not in declared and len(declared) < 200:
        return declared
    classifiers = [c.rsplit("::", 1)[-1].strip() for c in meta.get_all("Classifier") or []]
    spdx = [CLASSIFIER_SPDX.get(c, c) for c in classifiers if c in CLASSIFIER_SPDX]
    return " OR ".join(spdx) or "not declared in its metadata"


def holders_of(dist: Distribution) -> str:
    meta = dist.metadata
    names = [meta.get(key) for key in ("Author", "Author-email", "Maintainer-email")]
    return ", ".join(n.strip() for n in names if n and n.strip() and n != "UNKNOWN")


def python_part(dist: Distribution) -> Part:
    name, version = dist.metadata["Name"], dist.version
    part = Part(name, version, licence_of(dist), holders_of(dist))
    for file in dist.files or []:
        if LICENCE_NAME.match(file.name):
            shown = re.sub(r"^[^/]+\.dist-info/(licenses/)?", "", str(file))
            part.texts[shown] = Path(dist.locate_file(file))
    part.common = sorted({COMMON_TEXT[s] for s in spdx_ids(part.licence) if s in COMMON_TEXT})
    if not part.texts and "MIT" in spdx_ids(part.licence):
        holder = part.holders or f"the authors of {name}"
        part.generated["LICENSE"] = f"Copyright (c) {holder}\n\n{MIT_TEXT}"
    return part


def python_itself() -> Part:
    """The interpreter the app carries (libpython, its compiled modules, the standard
    library), with the licence file its installation ships."""
    part = Part("Python", platform.python_version(), "PSF-2.0", "Python Software Foundation")
    licence = Path(sysconfig.get_path("stdlib")) / "LICENSE.txt"
    if licence.is_file():
        part.texts["LICENSE.txt"] = licence
    return part


def is_python_itself(library: Path) -> bool:
    return library.name.startswith("libpython") or library.parent.name == "lib-dynload"


def spdx_ids(expression: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9.+-]+", expression)) - {"AND", "OR", "WITH"}


def shared_libraries(app: Path) -> list[Path]:
    """Every ELF shared library in the app folder (symbolic links are the same files)."""
    found = []
    for path in sorted(app.rglob("*.so*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def debian_owners(patterns: list[str]) -> dict[str, str]:
    """pattern → the Debian package that ships a file matching it (dpkg-query -S)."""
    if not patterns:
        return {}
    listing = subprocess.run(["dpkg-query", "-S", *patterns], capture_output=True, text=True).stdout
    owners: dict[str, str] = {}
    for line in listing.splitlines():
        packages, _, path = line.partition(": ")
        package = packages.split(",")[0].strip()
        for pattern in patterns:
            if Path(path).match(pattern) and pattern not in owners:
                owners[pattern] = package
    return owners


def debian_part(package: str) -> Part:
    name = package.split(":")[0]
    version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True
    ).stdout
    copyright_file = Path("/usr/share/doc") / name / "copyright"
    part = Part(f"{name} (Debian package)", version, "see its copyright file", "")
    if copyright_file.is_file():
        part.texts["copyright"] = copyright_file
    return part


def gather(app: Path) -> tuple[list[Part], list[str]]:
    """The bundled parts, and the shared libraries nothing gives a licence for."""
    internal = app / "_internal"
    dists = bundled_distributions()
    del dists["deescalate"]  # the app itself: its licence heads the summary
    dists["pyinstaller"] = distribution("pyinstaller")  # its bootloader is the executable
    parts = {"python": python_itself()}
    parts |= {name: python_part(dist) for name, dist in sorted(dists.items())}
    owner_of_file = {str(file): name for name, dist in dists.items() for file in dist.files or []}
    from_debian: dict[str, list[str]] = {}  # dpkg-query pattern → bundled libraries
    also_in_debian: dict[str, list[str]] = {}  # a wheel's vendored copy of a Debian library
    for library in shared_libraries(app):
        shown = library.relative_to(app).as_posix()
        inside = library.relative_to(internal).as_posix() if internal in library.parents else ""
        vendored = VENDORED.match(library.name)
        if inside in owner_of_file:
            parts[owner_of_file[inside]].libraries.append(shown)
            if vendored:
                also_in_debian.setdefault(f"*/{vendored.group(1)}.so.*", []).append(shown)
        elif library.parent == app:
            parts["pyinstaller"].libraries.append(shown)
        elif is_python_itself(library):
            parts["python"].libraries.append(shown)
        else:
            from_debian.setdefault(f"*/{library.name}", []).append(shown)
    owners = debian_owners([*from_debian, *also_in_debian])
    by_package: dict[str, Part] = {}
    missing = [] if parts["python"].texts else parts["python"].libraries
    unowned = [pattern for pattern in from_debian if pattern not in owners]
    missing += [library for pattern in unowned for library in from_debian[pattern]]
    for pattern, libraries in [*from_debian.items(), *also_in_debian.items()]:
        if pattern in owners:
            part = by_package.setdefault(owners[pattern], debian_part(owners[pattern]))
            part.libraries.extend(libraries)
    missing += [lib for part in by_package.values() if not part.texts for lib in part.libraries]
    return [*parts.values(), *sorted(by_package.values(), key=lambda p: p.name)], missing


def build_year() -> int:
    """This year, or SOURCE_DATE_EPOCH's for a reproducible build."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return time.gmtime(int(epoch) if epoch else None).tm_year


def write(parts: list[Part], doc: Path, version: str) -> None:
    licences = doc / "licenses"
    lines = [
        f"Deescalate {version}: copyright and licences",
        "",
        "Deescalate itself:",
        f"  Copyright {build_year()} the Deescalate team <deescalate@example.org>",
        "  Licence: proprietary, all rights reserved.",
        "",
        "The app (/opt/deescalate) bundles the Python run time, the Python packages and the",
        "shared libraries below, each under its own licence. The licence texts each of them",
        "ships are in the folder licenses/NAME/ beside this file (in the .deb:",
        "/usr/share/doc/deescalate/licenses/); the licences named here by their SPDX",
        "identifier are also on every Debian system in",
        "/usr/share/common-licenses/ (e.g. /usr/share/common-licenses/LGPL-3,",
        "/usr/share/common-licenses/GPL-2, /usr/share/common-licenses/Apache-2.0).",
        "This file was made at build time from the packages' own metadata and licence files.",
    ]
    for part in parts:
        folder = licences / re.sub(r"[^\w.+-]+", "-", part.name.split(" ")[0])
        lines += ["", f"{part.name} {part.version}".rstrip()]
        if part.holders:
            lines.append(f"  Copyright: {part.holders}")
        lines.append(f"  Licence: {part.licence}")
        for shown, source in part.texts.items():
            (folder / shown).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folder / shown)
        for shown, text in part.generated.items():
            folder.mkdir(parents=True, exist_ok=True)
            (folder / shown).write_text(text)
        if part.texts or part.generated:
            names = ", ".join([*part.texts, *part.generated])
            lines.append(f"  Texts: licenses/{folder.name}/ ({names})")
        for name in part.common:
            lines.append(f"  Text on Debian: /usr/share/common-licenses/{name}")
        if part.generated:
            lines.append("  (its package carries no licence file: standard MIT text)")
        lines += [f"  Bundled: {library}" for library in part.libraries]
    (doc / "copyright").write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: licences.py APP_FOLDER DOC_FOLDER", file=sys.stderr)
        return 2
    app, doc = Path(argv[1]), Path(argv[2])
    parts, missing = gather(app)
    if missing:
        print(
            "licences: no licence found for these bundled libraries (no Debian package",
            "ships them and no bundled Python package lists them):",
            *missing,
            sep="\n  ",
            file=sys.stderr,
        )
        return 1
    doc.mkdir(parents=True, exist_ok=True)
    write(parts, doc, distribution("deescalate").version)
    print(f"licences: {len(parts)} bundled parts, their texts in {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
