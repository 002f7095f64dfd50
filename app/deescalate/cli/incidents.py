"""`deescalate incidents list|show ID|export` and `deescalate summary`: the incident
records and what the call records say, for the supervisor."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path

from deescalate.cli.common import EXIT_OK, BadInput
from deescalate.config.settings import Settings
from deescalate.records.store import RecordError, RecordStore, UnknownIncident, default_path

EXPORT_FIELDS = (
    "id",
    "date",
    "time",
    "call_id",
    "reason",
    "behaviours",
    "actions",
    "customer_ref",
    "outcome",
    "notes",
    "completed",
    "updated",
    "demo",
)


def register(sub, _add_engine_options) -> None:
    incidents = sub.add_parser("incidents", help="incident records: list, show, export")
    actions = incidents.add_subparsers(dest="incidents_command", required=True)
    listing = actions.add_parser("list", help="one line per incident record")
    show = actions.add_parser("show", help="one incident record in full")
    show.add_argument("id", type=int, help="the record's id (from `incidents list`)")
    export = actions.add_parser("export", help="every incident record as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", type=Path, help="file to write (default: the terminal)")
    summary = sub.add_parser(
        "summary", help="cues, escalations by hour, and which suggestions work"
    )
    summary.add_argument("--plot", type=Path, help="also write the numbers as an SVG plot")
    for parser, handler in (
        (listing, cmd_list),
        (show, cmd_show),
        (export, cmd_export),
        (summary, cmd_summary),
    ):
        parser.add_argument(
            "--records", type=Path, help=f"records file (default: {default_path()})"
        )
        parser.set_defaults(func=handler)


def open_records(args: argparse.Namespace) -> RecordStore:
    path = args.records or default_path()
    if not path.is_file():
        raise BadInput(
            f"No records at {path}: the app writes them there after its first call; "
            "pass --records FILE for another file."
        )
    return RecordStore(path)


def _read(action):
    try:
        return action()
    except RecordError as exc:
        raise BadInput(str(exc)) from exc


def flat(incident: dict) -> dict:
    """One incident as the columns of the export."""
    at = datetime.fromtimestamp(incident["at"])
    updated = incident.get("updated_at") or incident["at"]
    return {
        "id": incident["id"],
        "date": at.strftime("%Y-%m-%d"),
        "time": at.strftime("%H:%M:%S"),
        "call_id": incident["call_id"],
        "reason": incident["reason"],
        "behaviours": "; ".join(incident["behaviours"]),
        "actions": "; ".join(incident["actions"]),
        "customer_ref": incident["customer_ref"],
        "outcome": incident["outcome"],
        "notes": incident["notes"],
        "completed": incident["completed"],
        "updated": datetime.fromtimestamp(updated).isoformat(timespec="seconds"),
        "demo": incident["demo"],
    }


def cmd_list(args: argparse.Namespace, _settings: Settings) -> int:
    incidents = _read(open_records(args).incidents)
    if not incidents:
        print("No incident records.")
        return EXIT_OK
    print(f"{'id':>4}  {'date':<10} {'time':<8}  {'state':<10}  reason")
    for incident in incidents:
        row = flat(incident)
        state = "completed" if incident["completed"] else "to finish"
        demo = " (demo call)" if incident["demo"] else ""
        print(f"{row['id']:>4}  {row['date']} {row['time']}  {state:<10}  {row['reason']}{demo}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace, _settings: Settings) -> int:
    store = open_records(args)
    try:
        incident = _read(lambda: store.get_incident(args.id))
    except UnknownIncident as exc:
        raise BadInput(str(exc)) from exc
    row = flat(incident)
    row["completed"] = "yes" if incident["completed"] else "no: the agent has not finished it"
    row["demo"] = "yes: a practice call, not a real one" if incident["demo"] else "no"
    for key in EXPORT_FIELDS:
        print(f"{key.replace('_', ' '):<14} {row[key] if row[key] not in (None, '') else '-'}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, _settings: Settings) -> int:
    rows = [flat(i) for i in _read(open_records(args).incidents)]
    if args.format == "json":
        text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    _write(args.out, text)
    print(f"{len(rows)} incident records written to {args.out}")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace, _settings: Settings) -> int:
    from deescalate.supervisor.summary import plot, summarise, table

    store = open_records(args)
    summary = _read(lambda: summarise(store.calls(), store.all_call_events()))
    print(table(summary))
    if args.plot is not None:
        _write(args.plot, plot(summary))
        print(f"\nplot written to {args.plot}")
    return EXIT_OK


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(
            f"Cannot write {path}: {exc.strerror}. Choose a folder you can write to."
        ) from exc
