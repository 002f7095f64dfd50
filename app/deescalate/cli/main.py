"""Deescalate: a de-escalation assistant for call-center agents. With no command it opens
the overlay (live, or the demo call when there is no audio device); the commands below
list devices, listen in a terminal, replay recordings and transcripts, and hold the
supervisor and IT tools."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from deescalate import bootstrap
from deescalate.cli import alerts, calls, config, hub, incidents, models, phrasebook, review
from deescalate.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BadInput,
    add_engine_options,
)
from deescalate.config.settings import ConfigError, mask_url
from deescalate.core.facts import APP_NAME, app_version
from deescalate.speech.models import model_setting
from deescalate.tension.errors import MeaningError, TextModelError

log = logging.getLogger("deescalate")

COMMAND_GROUPS: list = [calls, config, models, alerts, phrasebook, review, incidents, hub]
"""Modules of cli/, each with `register(subparsers, add_engine_options)` that adds its
subcommands and sets `func(args, settings) -> int` on them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=APP_NAME, description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument(
        "--debug", action="store_true", help="log everything, to stderr and the log file"
    )
    sub = parser.add_subparsers(dest="command")
    for module in COMMAND_GROUPS:
        module.register(sub, add_engine_options)
    return parser


def command_line_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The command line as the top settings layer (options not given are left out)."""
    given = getattr(args, "phrasebook", None)
    model = getattr(args, "model", None)
    engine = getattr(args, "engine", None)
    # --model fills the setting of the engine named, else of the kind of folder it is.
    model_key = f"{engine}_model" if engine in ("vosk", "whisper") else model_setting(model)
    return {
        "engine": engine,
        "vosk_model": None,
        "whisper_model": None,
        model_key: model,
        "phrasebook": [str(p) for p in given] if given else None,
        "coaching": False if getattr(args, "no_coaching", False) else None,
        "agent_device": getattr(args, "agent", None),
        "customer_device": getattr(args, "customer", None),
    }


def main(argv: Sequence[str] | None = None) -> int:
    # Everything this run writes is its user's alone, what Qt and the platform folders make
    # included (the window's position, the data and state folders), whatever the umask.
    earlier = os.umask(0o077)
    try:
        return _run(build_parser().parse_args(argv))
    finally:
        os.umask(earlier)  # as it was, for a caller in the same process


def _run(args: argparse.Namespace) -> int:
    try:
        settings = bootstrap.configure(command_line_settings(args), args.verbose, args.debug)
        log.info("%s %s: %s", APP_NAME, app_version(), args.command or "start")
        log.debug(
            "arguments: %s",
            {k: mask_url(v) if k == "url" and v else v for k, v in vars(args).items()},
        )
        handler = getattr(args, "func", None) or calls.cmd_start
        return handler(args, settings)
    except ConfigError as exc:
        message = bootstrap.describe_settings_problem(str(exc))
        log.error("settings not usable: %s", message)
        print(f"{APP_NAME}: {message}", file=sys.stderr)
        if args.command in (None, "overlay"):  # the app: maybe started from the desktop
            bootstrap.show_startup_problem(message)
        return EXIT_BAD_INPUT
    except BadInput as exc:
        print(f"{APP_NAME}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (TextModelError, MeaningError) as exc:
        log.error("the text model cannot be used: %s", exc)
        print(f"{APP_NAME}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`deescalate ... | head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
