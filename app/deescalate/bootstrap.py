"""The composition root: the one place that shows how the app is put together.

Every entry point (the overlay, `listen`, `demo`, `replay` and the supervisor's commands)
gets its parts here: settings are read once, logging is set up from them, and the records
store and its writer and reader, the alert notifier, the team hub's link, the phrasebook,
the speech engine and the call runner are built and handed to whoever runs. Nothing below
this module builds one of these on its own.

The overlay's own process needs none of the audio or speech code (calls run in a child
process), so what only the terminal commands use is imported when they use it.
"""

from __future__ import annotations

import difflib
import getpass
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deescalate.advice.phrasebook import Phrasebook, phrasebook_paths
from deescalate.alerts.notifier import AlertError, Notifier, StatusCallback
from deescalate.alerts.outbox import Outbox
from deescalate.call.process import ProcessCallRunner
from deescalate.config import paths
from deescalate.config.logs import setup_logging
from deescalate.config.policy import read_policy, report_problems
from deescalate.config.settings import ENV_PREFIX, Settings, load_settings, machine_config_path
from deescalate.hublink.client import HubClient
from deescalate.hublink.link import OUTBOX_FILE, Delivery, HubLink
from deescalate.records.redact import redact
from deescalate.records.store import RecordStore
from deescalate.records.writer import RecordReader, RecordWriter
from deescalate.session.phrasebooks import PhrasebookSource
from deescalate.session.problems import Problems
from deescalate.session.session import Session
from deescalate.speech.engines import Engine, choose_engine
from deescalate.speech.models import model_setting
from deescalate.supervisor.check import load_checked

if TYPE_CHECKING:  # the window's process never loads the call's runtime
    from deescalate.call.analysis import CallAnalysis
    from deescalate.call.runner import CallRunner

log = logging.getLogger(__name__)


OTHER_VARIABLES = ("DATA",)
"""`DEESCALATE_…` variables that are not settings (the benchmarks' data)."""


def configure(
    command_line: Mapping[str, Any] | None = None, verbose: bool = False, debug: bool = False
) -> Settings:
    """Settings from every layer, and logging set up where they say. Raises ConfigError."""
    setup_logging(verbose, debug)
    warn_unknown_variables(os.environ)
    loaded = load_settings(command_line=command_line)
    settings = loaded.settings
    if settings.log_dir:
        setup_logging(verbose, debug, Path(settings.log_dir))
    if loaded.policy is not None:
        report_problems(loaded.policy)
    for line in loaded.ignored:
        log.warning("%s", line)
    return settings


def warn_unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A `DEESCALATE_…` variable that names no setting is a typo the agent would never
    notice (it is ignored): one warning each, with the nearest setting. Returns them."""
    known = {ENV_PREFIX + key.upper() for key in Settings.model_fields if key != "locked"}
    known |= {ENV_PREFIX + name for name in OTHER_VARIABLES}
    unknown = sorted(n for n in environ if n.startswith(ENV_PREFIX) and n not in known)
    for name in unknown:
        near = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"did you mean {near[0]}? " if near else ""
        log.warning(
            "environment variable %s is not a setting and is ignored: %sthe settings are "
            "listed by `deescalate config show`.",
            name,
            hint,
        )
    return unknown


def describe_settings_problem(message: str) -> str:
    """A settings problem as the agent should read it: the policy file is IT's to fix."""
    if str(machine_config_path()) in message:
        return (
            f"{message}\nThis file is your organisation's Deescalate policy: contact IT, "
            "who can fix it (you can't)."
        )
    return message


def show_startup_problem(message: str) -> None:
    """Settings that stop the app before its overlay opens: in a window (an app started
    from the desktop has nobody reading its stderr), or a desktop notification."""
    from deescalate.ui.app import show_startup_problem as show

    show(message)


# --- the seat: the overlay's session -------------------------------------------------------


def build_session(
    settings: Settings,
    mode: str = "auto",
    records: Path | None = None,
    recording: str | None = None,
    realtime: bool = True,
    make_engine: Callable | None = None,
    make_sources: Callable | None = None,
    make_runner: Callable = ProcessCallRunner,
    alerts: bool = True,
    hub_folder: Path | None = None,
    hub_timing: Mapping[str, float] | None = None,
) -> Session:
    """The session the overlay runs: calls in child processes, records on their own
    threads, alerts through the outbox when a webhook is configured, reports to the team
    hub when one is set (its files in `hub_folder`, by default the user's data folder;
    `hub_timing`: the link's intervals, which tests shorten)."""
    problems = Problems()
    problems.report("policy", read_policy().notice())
    folder = hub_folder or paths.user_data_dir()
    link = make_hub_link(settings, problems.report, folder, **(hub_timing or {}))
    kept = link.phrasebook if link is not None else None
    store = RecordStore(records or paths.records_file())
    writer = RecordWriter(
        store,
        lambda message: problems.report("records", message),
        paths.pending_records_files(store.path),
    )
    session = Session(
        settings,
        writer=writer,
        reader=RecordReader(),
        problems=problems,
        phrasebooks=PhrasebookSource(
            settings.phrasebook,
            problems,
            load_checked,
            hub=(kept.path, kept.version) if kept is not None else None,
        ),
        mode=mode,
        make_runner=make_runner,
        make_engine=make_engine,
        make_sources=make_sources,
        recording=recording,
        realtime=realtime,
    )
    if alerts:
        notifier, problem = make_notifier(
            settings, session.alert_status, lambda m: problems.report("alert outbox", m)
        )
        session.use_notifier(notifier)
        problems.report("alerts", problem or None)
    if link is not None:
        session.use_hub(link)
        link.start(on_message=session.hub_message, on_phrasebook=session.hub_phrasebook)
    return session


def make_hub_link(
    settings: Settings,
    on_problem: Callable[[str, str | None], None],
    folder: Path,
    **timing: float,
) -> HubLink | None:
    """The link to the team hub the settings ask for, not started; None without a hub.
    `timing`: the link's intervals (tests shorten them)."""
    if not settings.hub_url:
        return None

    def make_outbox(deliver: Callable[[dict], Delivery]) -> Outbox:
        return Outbox(
            folder / OUTBOX_FILE,
            deliver,
            None,
            first_retry=2.0,
            max_retry=60.0,
            give_up_after=7 * 86400.0,
            on_problem=lambda message: on_problem("hub outbox", message),
            keep_days=1.0,
            name="hub report",
            shared_backoff=True,
            log_sent=logging.DEBUG,
        )

    try:
        return HubLink(
            HubClient(settings.hub_url),
            folder,
            settings.hub_enrol_token,
            settings.agent_name or getpass.getuser(),
            make_outbox,
            lambda path: load_checked([path]),
            on_problem,
            **timing,
        )
    except AlertError as exc:  # the outbox can't be written
        on_problem("hub", f"Team hub reports are off: {exc}")
        return None


def make_notifier(
    settings: Settings,
    on_status: StatusCallback,
    on_problem: Callable[[str | None], None] | None = None,
) -> tuple[Notifier | None, str]:
    """The supervisor-alert channel the settings ask for, or None and why not."""
    if not settings.alert_webhook_url:
        return None, ""
    from deescalate.alerts.webhook import WebhookNotifier

    outbox = Path(settings.alert_outbox) if settings.alert_outbox else paths.user_data_dir()
    try:
        notifier = WebhookNotifier(
            settings.alert_webhook_url,
            outbox,
            settings.alert_format,
            on_status,
            on_problem=on_problem,
            redact=redact,
            keep_days=settings.alert_keep_days,
        )
    except AlertError as exc:
        return None, f"Supervisor alerts are off: {exc}"
    return notifier, ""


def run_overlay(settings: Settings, mode: str) -> int:
    """The agent's overlay over a new session; returns the exit code."""
    from deescalate.ui.app import run_app

    return run_app(lambda: build_session(settings, mode))


# --- the terminal and the supervisor's tools ----------------------------------------------


def phrasebook(settings: Settings, override: list[Path] | None = None) -> Phrasebook:
    """The phrasebook a command runs with, checked as the app checks it: one `phrasebook
    check` rejects (a team overlay without its base, say) is refused, not run as something
    else. Raises PhrasebookError."""
    return load_checked(phrasebook_paths(override or settings.phrasebook))


def engine(settings: Settings, book: Phrasebook, model: str | None = None) -> Engine:
    """The speech engine a command runs with, loaded; `model` is a Vosk or Whisper folder
    that replaces the configured one. Raises SpeechError."""
    models = {"vosk_model": settings.vosk_model, "whisper_model": settings.whisper_model}
    if model:
        models[model_setting(model)] = model
    return choose_engine(
        settings.engine, models["vosk_model"], models["whisper_model"], book.spot_phrases()
    )


def terminal_call(sources: list, engine: Engine, analysis: CallAnalysis, live: bool) -> CallRunner:
    """A call in this process (`listen`, `demo`): the same runtime the call process runs,
    its events going to `analysis` (which prints them)."""
    from deescalate.call.runner import CallRunner

    return CallRunner(sources, engine, analysis.phrasebook, live, analysis=analysis)


def records_store(path: Path | None = None) -> RecordStore:
    return RecordStore(path or paths.records_file())
