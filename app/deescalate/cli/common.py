"""What the command groups share (one module each; `cli.main` only dispatches).

A group module has `register(subparsers, add_engine_options)`, which adds its subcommands
and sets `func(args, settings) -> int` on each. Anything the user can fix is raised as
`BadInput`: the command line prints its message on one line and exits with code 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from deescalate.speech.engines import ENGINES

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(Exception):
    """Anything the user can fix: a file, a model, a device name, a setting."""


def add_replay_options(parser: argparse.ArgumentParser) -> None:
    """The options that change how calls are replayed (not how events are printed)."""
    parser.add_argument("--engine", choices=ENGINES, help="speech engine (default: auto)")
    parser.add_argument("--model", help="a Vosk or Whisper (CTranslate2) model folder")
    parser.add_argument(
        "--phrasebook", action="append", type=Path, help="phrasebook file (repeat for overlays)"
    )
    parser.add_argument("--no-coaching", action="store_true", help="no coaching for the agent")


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """The call commands' options: how calls are replayed, and how events are printed."""
    add_replay_options(parser)
    parser.add_argument("--json", action="store_true", help="one JSON event per line")
    parser.add_argument("--partials", action="store_true", help="also print partial words")
