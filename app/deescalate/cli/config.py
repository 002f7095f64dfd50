"""`deescalate config show`: every effective setting and the layer it came from (secrets
masked). `deescalate config check [--policy FILE]`: a policy file checked before rollout."""

from __future__ import annotations

import argparse
from pathlib import Path

from deescalate.cli.common import EXIT_BAD_INPUT, EXIT_OK
from deescalate.config import policy as seat_policy
from deescalate.config.settings import Settings, load_settings, show, user_config_path


def register(sub, _add_engine_options) -> None:
    config = sub.add_parser("config", help="settings: what is in effect and where it came from")
    actions = config.add_subparsers(dest="config_command", required=True)
    show_parser = actions.add_parser("show", help="every effective value and its layer")
    show_parser.set_defaults(func=cmd_show)
    check = actions.add_parser("check", help="check a policy file before it is rolled out")
    check.add_argument(
        "--policy", type=Path, help=f"the policy file to check (default: {seat_policy.POLICY_FILE})"
    )
    check.set_defaults(func=cmd_check)


def cmd_show(_args: argparse.Namespace, _settings: Settings) -> int:
    print(f"# policy: {seat_policy.POLICY_FILE}\n# user:   {user_config_path()}")
    print(show(load_settings()))
    return EXIT_OK


def cmd_check(args: argparse.Namespace, _settings: Settings) -> int:
    """Every problem of the policy, one line each; exit 2 when a value would not be used."""
    path = args.policy or seat_policy.POLICY_FILE
    if not path.is_file():
        print(f"{path}: no such file; a seat without a policy uses the defaults.")
        return EXIT_BAD_INPUT
    policy = seat_policy.read_policy(path)
    for problem in policy.problems:
        print(f"{'warning' if problem.warning else 'error'}: {problem.text()}")
    every = policy.locked >= set(Settings.model_fields) - {"locked"}
    locked = "every setting" if every else ", ".join(sorted(policy.locked)) or "nothing"
    verdict = "not ready" if policy.errors else "ok"
    print(f"{path}: {verdict}; sets {len(policy.values)} setting(s), locks {locked}.")
    return EXIT_BAD_INPUT if policy.errors else EXIT_OK
