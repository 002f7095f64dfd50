"""`deescalate phrasebook check|test`: find what is wrong with a phrasebook before agents do."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from deescalate.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    BadInput,
    add_replay_options,
)
from deescalate.config.settings import Settings

if TYPE_CHECKING:  # the checks and replays load when a command runs, not at every start
    from deescalate.supervisor.expectations import Outcome


def register(sub, _add_engine_options) -> None:
    group = sub.add_parser("phrasebook", help="check and test phrasebook files")
    actions = group.add_subparsers(dest="phrasebook_command", required=True)
    check = actions.add_parser(
        "check", help="schema errors, unknown references, shadowing cues, unused responses"
    )
    check.add_argument(
        "files", nargs="*", type=Path, help="the base first, then team overlays in order"
    )
    check.add_argument("--json", action="store_true", help="findings as one JSON object")
    check.set_defaults(func=cmd_check)
    test = actions.add_parser("test", help="run expectations about sample calls")
    test.add_argument("file", type=Path, help="expectations file (YAML)")
    add_replay_options(test)
    test.add_argument("--json", action="store_true", help="results as one JSON object")
    test.set_defaults(func=cmd_test)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from deescalate.cli.replaying import phrasebook_paths
    from deescalate.supervisor.check import check_files

    paths = args.files or phrasebook_paths(args, settings)
    findings = check_files(paths, service_talk=True)
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    if args.json:
        print(
            json.dumps(
                {
                    "files": [str(p) for p in paths],
                    "ok": not errors,
                    "errors": [f.to_dict() for f in errors],
                    "warnings": [f.to_dict() for f in warnings],
                },
                indent=2,
            )
        )
    else:
        for finding in [*errors, *warnings]:
            print(finding)
        names = ", ".join(str(p) for p in paths)
        print(f"{len(errors)} error(s), {len(warnings)} warning(s) in {names}")
    return EXIT_BAD_INPUT if errors else EXIT_OK


def cmd_test(args: argparse.Namespace, settings: Settings) -> int:
    from deescalate.cli.replaying import Replayer, load_book, phrasebook_paths
    from deescalate.supervisor.expectations import (
        ExpectationError,
        judge,
        read_expectations,
        unknown_names,
    )
    from deescalate.supervisor.printing import clock

    try:
        spec = read_expectations(args.file)
    except ExpectationError as exc:
        raise BadInput(str(exc)) from exc
    book = load_book(phrasebook_paths(args, settings, spec.phrasebook))
    unknown = unknown_names(spec, book)
    if unknown:
        raise BadInput(" ".join(unknown))
    replay = Replayer(book, settings, args)
    disabled = frozenset(
        [c.id for c in book.cues if c.disabled] + [r.id for r in book.responses if r.disabled]
    )
    results = []
    for call in spec.calls:
        record = replay(call.call)
        for expectation in call.expectations:
            outcome = judge(expectation, record, disabled)
            results.append((call, outcome))
            if not args.json:
                print(_line(spec.path, call.call, outcome))
        for error in record.errors[:1]:
            print(f"      {call.call.name}: {error.message} at {clock(error.t)}", file=sys.stderr)
    failed = sum(not outcome.passed for _, outcome in results)
    if args.json:
        print(json.dumps(_report(spec.path, results), indent=2))
    else:
        print(f"{len(results) - failed} passed, {failed} failed, {len(spec.calls)} call(s)")
    return EXIT_FAILED if failed else EXIT_OK


def _line(spec: Path, call: Path, outcome: Outcome) -> str:
    e = outcome.expectation
    mark = "PASS" if outcome.passed else "FAIL"
    return f"{mark}  {call.name}: {e.text}  ({outcome.detail})  [{spec}:{e.line}]"


def _report(spec: Path, results: list) -> dict:
    items = [
        {
            "call": str(call.call),
            "file": str(spec),
            "line": outcome.expectation.line,
            "expectation": outcome.expectation.text,
            "passed": outcome.passed,
            "detail": outcome.detail,
        }
        for call, outcome in results
    ]
    failed = sum(not item["passed"] for item in items)
    return {"passed": len(items) - failed, "failed": failed, "results": items}
