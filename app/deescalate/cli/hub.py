"""`deescalate hub`: the team hub's server and its terminal tools (needs the `hub` extra)."""

from __future__ import annotations

import argparse
from pathlib import Path

from deescalate.cli.common import EXIT_OK, BadInput
from deescalate.config.settings import Settings

NEEDS_EXTRA = (
    "The team hub needs its extra packages: pip install 'deescalate[hub]' "
    "(on the hub's machine; seats don't need them)."
)


def register(sub, _add_engine_options) -> None:
    group = sub.add_parser("hub", help="the team hub: supervisors' web console over every seat")
    actions = group.add_subparsers(dest="hub_command", required=True)
    serve = actions.add_parser("serve", help="start the hub (prints its address)")
    _database_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--plain-http",
        action="store_true",
        help="cookies without Secure, for a test hub reached over plain HTTP (not for real use)",
    )
    serve.add_argument(
        "--reraise-after",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="raise an unanswered escalation again after this long (default 60)",
    )
    serve.add_argument(
        "--phrasebook-tests",
        type=Path,
        metavar="FOLDER",
        help="expectations files (`phrasebook test`) a phrasebook must pass before publishing",
    )
    serve.set_defaults(func=cmd_serve)
    user = actions.add_parser("add-user", help="add a supervisor or admin; prints a password")
    _database_option(user)
    user.add_argument("username")
    user.add_argument("--name", help='the name seats show ("Sam is on the way")')
    user.add_argument("--role", choices=("supervisor", "admin"), default="supervisor")
    user.add_argument("--team", help="the supervisor's team (made if new)")
    user.set_defaults(func=cmd_add_user)
    token = actions.add_parser(
        "enrol-token", help="a token for IT's policy (hub_enrol_token): seats that use it join TEAM"
    )
    _database_option(token)
    token.add_argument("--team", required=True)
    token.set_defaults(func=cmd_enrol_token)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        help="an SQLite file (default: in the user's data folder) or postgresql://user@host/db",
    )


def _hub():
    try:
        from deescalate.hub import serve
    except ImportError as exc:
        raise BadInput(f"{NEEDS_EXTRA} ({exc.name} is missing)") from exc
    return serve


def cmd_serve(args: argparse.Namespace, _settings: Settings) -> int:
    hub = _hub()
    hub.serve(
        args.database or hub.default_database(),
        args.host,
        args.port,
        args.plain_http,
        args.reraise_after,
        args.phrasebook_tests,
    )
    return EXIT_OK


def cmd_add_user(args: argparse.Namespace, _settings: Settings) -> int:
    if args.role == "supervisor" and not args.team:
        raise BadInput("A supervisor needs a team: add --team NAME.")
    hub = _hub()
    store = hub.open_store(args.database or hub.default_database())
    team_id = store.team_id(args.team) if args.team else None
    password = hub.new_password()
    store.add_user(args.username, args.name or args.username, password, args.role, team_id)
    store.audit("hub command", "added a person", f"{args.username} ({args.role})")
    print(f"{args.username}: first password {password}")
    return EXIT_OK


def cmd_enrol_token(args: argparse.Namespace, _settings: Settings) -> int:
    hub = _hub()
    store = hub.open_store(args.database or hub.default_database())
    token = store.new_enrol_token(store.team_id(args.team), "hub command")
    store.audit("hub command", "made an enrolment token", args.team)
    print(token)
    return EXIT_OK
