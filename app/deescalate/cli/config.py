"""`deescalate config show`: every effective setting and the layer it came from."""

from __future__ import annotations

import argparse

from deescalate.cli.common import EXIT_OK
from deescalate.config.settings import (
    Settings,
    load_settings,
    machine_config_path,
    show,
    user_config_path,
)


def register(sub, _add_engine_options) -> None:
    config = sub.add_parser("config", help="settings: what is in effect and where it came from")
    actions = config.add_subparsers(dest="config_command", required=True)
    show_parser = actions.add_parser("show", help="every effective value and its layer")
    show_parser.set_defaults(func=cmd_show)


def cmd_show(_args: argparse.Namespace, _settings: Settings) -> int:
    print(f"# policy: {machine_config_path()}\n# user:   {user_config_path()}")
    print(show(load_settings()))
    return EXIT_OK
