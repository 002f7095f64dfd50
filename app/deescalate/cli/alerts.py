"""`deescalate alerts test`: send one test alert to the supervisor webhook and say how it went."""

from __future__ import annotations

import argparse
import getpass
from datetime import datetime

from deescalate.alerts.notifier import FORMATS, Alert, AlertError
from deescalate.alerts.webhook import check_url, payload, post
from deescalate.cli.common import EXIT_FAILED, EXIT_OK, BadInput
from deescalate.config.settings import Settings


def register(sub, _add_engine_options) -> None:
    alerts = sub.add_parser("alerts", help="supervisor alerts")
    actions = alerts.add_subparsers(dest="alerts_command", required=True)
    test = actions.add_parser("test", help="send one test alert and report the outcome")
    test.add_argument("--url", help="webhook URL (default: the alert_webhook_url setting)")
    test.add_argument(
        "--format", choices=FORMATS, help="teams, slack or json (default: the setting, or teams)"
    )
    test.add_argument(
        "--agent",
        help="agent name in the test alert (default: the agent_name setting, or this user)",
    )
    test.set_defaults(func=cmd_alerts_test)


def cmd_alerts_test(args: argparse.Namespace, settings: Settings) -> int:
    url = args.url or settings.alert_webhook_url or ""
    if not url:
        raise BadInput("No webhook URL: pass --url https://... or set alert_webhook_url.")
    fmt = args.format or settings.alert_format
    try:
        url = check_url(url)
        body = payload(_test_alert(args.agent or settings.agent_name), fmt)
    except AlertError as exc:
        raise BadInput(str(exc)) from exc
    result = post(url, body)
    if result.ok:
        print(f"sent: test alert ({fmt}) {result.detail}")
        return EXIT_OK
    print(
        f"not sent: test alert ({fmt}) {result.detail}. A test is sent once and never queued: "
        "run it again once the receiver answers."
    )
    return EXIT_FAILED


def _test_alert(agent: str | None) -> Alert:
    return Alert(
        agent=agent or getpass.getuser(),
        time=datetime.now().astimezone().isoformat(timespec="seconds"),
        level="test",
        reasons=("a test of the supervisors' alert channel: no action needed",),
        test=True,
    )
