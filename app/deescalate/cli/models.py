"""`deescalate models list | verify | install`: the speech models on this machine (Whisper
and Vosk).

Models are installed from a zip or folder that is already on the machine; nothing is ever
downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from deescalate.cli.common import EXIT_OK, BadInput
from deescalate.config.settings import Settings
from deescalate.speech.base import SpeechError
from deescalate.speech.engines import resolve_engine
from deescalate.speech.models import (
    MANIFEST_NAME,
    InstalledModel,
    install_model,
    installed_models,
    machine_models_folder,
    model_kind,
    packaged_whisper_model,
    pinned_name,
    user_models_folder,
    verify_model,
)


def register(sub, _add_engine_options) -> None:
    models = sub.add_parser("models", help="list, verify and install Whisper and Vosk models")
    actions = models.add_subparsers(dest="models_command", required=True)
    actions.add_parser("list", help="models found, where, and which one is used").set_defaults(
        func=cmd_list
    )
    verify = actions.add_parser("verify", help="check installed models against their manifest")
    verify.add_argument("model", nargs="?", help="a model's name or folder (default: all)")
    verify.set_defaults(func=cmd_verify)
    install = actions.add_parser("install", help="install a model from a local zip or folder")
    install.add_argument(
        "source", type=Path, help="a Vosk or Whisper (CTranslate2) model .zip or folder"
    )
    install.add_argument(
        "--machine",
        action="store_true",
        help=f"for every user of this machine ({machine_models_folder()}; needs root/admin)",
    )
    install.add_argument("--replace", action="store_true", help="replace a model of that name")
    install.add_argument("--sha256", help="the zip's expected SHA-256, checked before install")
    install.set_defaults(func=cmd_install)


def _in_use(settings: Settings) -> Path | None:
    try:
        choice = resolve_engine(settings.engine, settings.vosk_model, settings.whisper_model)
    except SpeechError:
        return None
    return choice.model.expanduser().resolve() if choice.model else None


def _installed() -> list:
    """The installed models; a folder this user can't read is one line naming the fix."""
    try:
        return installed_models()
    except SpeechError as exc:
        raise BadInput(str(exc)) from exc


def cmd_list(_args: argparse.Namespace, settings: Settings) -> int:
    models = _installed()
    if not models:
        print(
            "No speech model installed (PocketSphinx's built-in English model is used). "
            "Install one with `deescalate models install PATH_OR_ZIP`."
        )
        return EXIT_OK
    used = _in_use(settings)
    for model in models:
        marks = [model_kind(model.path), model.where]
        if pinned := pinned_name(model.path):
            marks.append(f"pinned: {pinned}")
        elif not (model.path / MANIFEST_NAME).is_file():
            marks.append("no manifest")
        if model.path.resolve() == used:
            marks.append("in use")
        print(f"{_name(model.path)}  {model.path}  ({'; '.join(marks)})")
    return EXIT_OK


def _name(folder: Path) -> str:
    return "tiny.en" if folder == packaged_whisper_model() else folder.name


def _chosen(models: list[InstalledModel], wanted: str | None) -> list[InstalledModel]:
    if wanted is None:
        return models
    named = [m for m in models if wanted in (m.path.name, _name(m.path))]
    path = Path(wanted).expanduser()
    if not named and path.is_dir():
        return [InstalledModel(path, "given folder")]
    if not named:
        raise BadInput(f"No installed model named {wanted!r}: see `deescalate models list`.")
    return named


def cmd_verify(args: argparse.Namespace, _settings: Settings) -> int:
    models = _chosen(_installed(), args.model)
    if not models:
        raise BadInput("No speech model installed: install one with `deescalate models install`.")
    broken = []
    for model in models:
        problems = verify_model(model.path)
        print(f"{model.path}: {'ok' if not problems else '; '.join(problems)}")
        if problems:
            broken.append((model, problems))
    if broken:
        model, problems = broken[0]
        raise BadInput(
            f"Model {model.path} failed its check ({problems[0]}): install it again with "
            f"`deescalate models install --replace PATH_OR_ZIP`."
        )
    return EXIT_OK


def cmd_install(args: argparse.Namespace, _settings: Settings) -> int:
    try:
        target = install_model(args.source, args.machine, args.replace, args.sha256)
    except SpeechError as exc:
        raise BadInput(str(exc)) from exc
    where = "for every user" if args.machine else f"for this user (in {user_models_folder()})"
    print(f"Installed {target.name} at {target} {where}, with a manifest of its files' SHA-256.")
    return EXIT_OK
