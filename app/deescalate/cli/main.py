"""Deescalate: a de-escalation assistant for call-center agents. With no command it opens
the overlay (live, or the demo call when there is no audio device); the commands below
list devices, listen in a terminal, replay recordings and transcripts, and hold the
supervisor and IT tools."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from deescalate.advice.phrasebook import (
    DEFAULT_PHRASEBOOK,
    Phrasebook,
    PhrasebookError,
    load_phrasebook,
)
from deescalate.audio.file_source import AudioFileError, FileSource
from deescalate.call.analysis import CallAnalysis
from deescalate.cli import alerts as alert_commands
from deescalate.cli import config as config_commands
from deescalate.cli import incidents as incident_commands
from deescalate.cli import models as models_commands
from deescalate.cli import phrasebook as phrasebook_commands
from deescalate.cli import review as review_commands
from deescalate.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BadInput,
)
from deescalate.config.logs import setup_logging
from deescalate.config.settings import ConfigError, Settings, load_settings
from deescalate.core.events import ErrorEvent, Event
from deescalate.core.facts import APP_NAME, app_version
from deescalate.demo import DEMO_CALL
from deescalate.speech.base import SpeechError
from deescalate.speech.engines import ENGINES, Engine, choose_engine
from deescalate.supervisor.printing import HumanPrinter, JsonPrinter, summary
from deescalate.supervisor.replay import CallRecord, recording_analysis
from deescalate.supervisor.transcripts import TranscriptError, is_transcript, read_transcript

log = logging.getLogger("deescalate")

COMMAND_GROUPS: list = [
    config_commands,
    models_commands,
    alert_commands,
    phrasebook_commands,
    review_commands,
    incident_commands,
]
"""Modules of app/commands/, each with `register(subparsers, add_engine_options)` that adds
its subcommands and sets `func(args, settings) -> int` on them."""


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINES, help="speech engine (default: auto)")
    parser.add_argument("--model", help="Vosk model folder")
    parser.add_argument(
        "--phrasebook", action="append", type=Path, help="phrasebook file (repeat for overlays)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON event per line")
    parser.add_argument("--partials", action="store_true", help="also print partial words")
    parser.add_argument("--no-coaching", action="store_true", help="no coaching for the agent")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=APP_NAME, description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument(
        "--debug", action="store_true", help="log everything, to stderr and the log file"
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("devices", help="list audio inputs, marking monitors of outputs")
    listen = sub.add_parser("listen", help="live call: recognise both speakers")
    listen.add_argument("--agent", help="agent's microphone (name from `deescalate devices`)")
    listen.add_argument("--customer", help="call audio: a monitor/loopback input")
    _add_engine_options(listen)
    demo = sub.add_parser("demo", help="replay the built-in demo call")
    demo.add_argument("--fast", action="store_true", help="as fast as possible, not real time")
    _add_engine_options(demo)
    overlay = sub.add_parser("overlay", help="the agent's overlay window over a live call")
    overlay.add_argument("--demo", action="store_true", help="play the built-in demo call")
    overlay.add_argument("--agent", help="agent's microphone")
    overlay.add_argument("--customer", help="call audio: a monitor/loopback input")
    _add_engine_options(overlay)
    replay = sub.add_parser(
        "replay", help="a recorded call (WAV/FLAC) or transcript (.txt/.jsonl): what would fire"
    )
    replay.add_argument("path", type=Path)
    replay.add_argument("--channels", help="agent,customer | customer,agent | customer")
    replay.add_argument("--realtime", action="store_true", help="pace the file in real time")
    replay.add_argument(
        "--explain", action="store_true", help="under each suggestion, the cues and words behind it"
    )
    _add_engine_options(replay)
    for module in COMMAND_GROUPS:
        module.register(sub, _add_engine_options)
    return parser


def _phrasebook(args: argparse.Namespace, settings: Settings) -> Phrasebook:
    books = [Path(p) for p in settings.phrasebook] or [DEFAULT_PHRASEBOOK]
    try:
        return load_phrasebook(books)
    except PhrasebookError as exc:
        raise BadInput(str(exc)) from exc


def _engine(args: argparse.Namespace, settings: Settings, phrasebook: Phrasebook) -> Engine:
    try:
        return choose_engine(settings.engine, None, settings.vosk_model, phrasebook.spot_phrases())
    except SpeechError as exc:
        raise BadInput(str(exc)) from exc


def _analysis(
    args: argparse.Namespace,
    settings: Settings,
    phrasebook: Phrasebook,
    errors: list,
    live: bool = False,
) -> CallAnalysis:
    real_time = args.command == "listen" or getattr(args, "realtime", False)
    real_time = real_time or (args.command == "demo" and not args.fast)
    # A readable replay or demo keeps the whole call, for its summary at the end.
    record = CallRecord() if args.command in ("replay", "demo") and not args.json else None
    explain = record if getattr(args, "explain", False) else None
    printer: Callable[[Event], None] = (
        JsonPrinter(wall_clock=real_time)
        if args.json
        else HumanPrinter(show_partials=args.partials, explain=explain)
    )

    def on_event(event: Event) -> None:
        if isinstance(event, ErrorEvent):
            errors.append(event)
        printer(event)

    coaching = settings.coaching
    if record is not None:
        analysis = recording_analysis(phrasebook, record, on_event, coaching)
        analysis.record = record  # type: ignore[attr-defined]
        return analysis
    return CallAnalysis(phrasebook, on_event, coaching, split_calls=live)


def _print_summary(analysis: CallAnalysis) -> None:
    record = getattr(analysis, "record", None)
    if record is not None:
        print(summary(record), flush=True)


def _run(sources, args: argparse.Namespace, settings: Settings, live: bool) -> int:
    from deescalate.call.pipeline import Pipeline

    phrasebook = _phrasebook(args, settings)
    engine = _engine(args, settings, phrasebook)
    if not args.json:
        print(f"engine: {engine.description}", file=sys.stderr)
    errors: list[ErrorEvent] = []
    analysis = _analysis(args, settings, phrasebook, errors, live)
    analysis.follow(Pipeline(sources, engine.make, live=live))
    _print_summary(analysis)
    return EXIT_BAD_INPUT if errors and not live else EXIT_OK


def _replay_transcript(args: argparse.Namespace, settings: Settings) -> int:
    try:
        events = read_transcript(args.path)
    except TranscriptError as exc:
        raise BadInput(str(exc)) from exc
    analysis = _analysis(args, settings, _phrasebook(args, settings), [])
    for event in events:
        analysis(event)
    analysis.finish(events[-1].t)
    _print_summary(analysis)
    return EXIT_OK


def cmd_devices(_args: argparse.Namespace, _settings: Settings) -> int:
    from deescalate.audio.devices import list_inputs

    inputs = list_inputs()
    if not inputs:
        print("No audio inputs found (no sound card, or no PulseAudio/PipeWire server running).")
        return EXIT_OK
    for dev in inputs:
        marks = []
        if dev.is_default:
            marks.append("default")
        if dev.is_monitor:
            marks.append(f"monitor of {dev.monitor_of}: use for --customer")
        suffix = f"  ({'; '.join(marks)})" if marks else ""
        print(f"{dev.label}  {dev.channels} ch, {dev.default_rate} Hz{suffix}")
    return EXIT_OK


def _live_sources(args: argparse.Namespace, settings: Settings) -> list:
    from deescalate.call.process import CallSetupError, CallSpec, live_sources

    spec = CallSpec(
        mode="live", agent_device=settings.agent_device, customer_device=settings.customer_device
    )
    try:
        return live_sources(spec)
    except CallSetupError as exc:
        raise BadInput(str(exc)) from exc


def cmd_listen(args: argparse.Namespace, settings: Settings) -> int:
    sources = _live_sources(args, settings)
    if not sources:
        raise BadInput(
            "No audio input found. Plug in a headset or start PulseAudio/PipeWire, "
            "or try `deescalate demo`."
        )
    return _run(sources, args, settings, live=True)


def _file_source(path: Path, channels: str | None, realtime: bool) -> FileSource:
    try:
        return FileSource(path, channels, realtime)
    except AudioFileError as exc:
        raise BadInput(str(exc)) from exc


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    if not args.json:
        print(
            f"DEMO: not a real call. Playing the built-in demo call ({DEMO_CALL.name}).",
            file=sys.stderr,
        )
    source = _file_source(DEMO_CALL, None, realtime=not args.fast)
    return _run([source], args, settings, live=False)


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    if args.explain and args.json:
        raise BadInput("--explain adds reasons to the readable output: use it without --json.")
    if is_transcript(args.path):
        return _replay_transcript(args, settings)
    source = _file_source(args.path, args.channels, args.realtime)
    return _run([source], args, settings, live=False)


def cmd_overlay(args: argparse.Namespace, settings: Settings) -> int:
    from deescalate.ui.app import run_overlay

    code = run_overlay(settings, mode="demo" if args.demo else "auto")
    # The window, the call and the records are closed and flushed by now. Leave without
    # the interpreter's exit-time joins (multiprocessing, helper threads), which could
    # keep a quitting app hanging on a loaded machine.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _has_display() -> bool:
    import os

    return sys.platform == "win32" or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    """No command: the overlay when there is a screen; in a terminal, listen live when there
    are devices, else play the demo call."""
    for name in (
        "engine",
        "model",
        "phrasebook",
        "json",
        "partials",
        "fast",
        "no_coaching",
        "demo",
    ):
        setattr(args, name, getattr(args, name, None))
    if _has_display():
        return cmd_overlay(args, settings)
    if _live_sources(args, settings):
        return cmd_listen(args, settings)
    print("No audio device found: playing the built-in demo call instead.", file=sys.stderr)
    return cmd_demo(args, settings)


COMMANDS = {
    None: cmd_start,
    "devices": cmd_devices,
    "listen": cmd_listen,
    "demo": cmd_demo,
    "replay": cmd_replay,
    "overlay": cmd_overlay,
}


def command_line_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The command line as the top settings layer (options not given are left out)."""
    return {
        "engine": getattr(args, "engine", None),
        "vosk_model": getattr(args, "model", None),
        "phrasebook": [str(p) for p in args.phrasebook]
        if getattr(args, "phrasebook", None)
        else None,
        "coaching": False if getattr(args, "no_coaching", False) else None,
        "agent_device": getattr(args, "agent", None),
        "customer_device": getattr(args, "customer", None),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose, args.debug)
    log.info("%s %s: %s", APP_NAME, app_version(), args.command or "start")
    log.debug("arguments: %s", vars(args))
    try:
        settings = load_settings(command_line=command_line_settings(args)).settings
        if settings.log_dir:
            setup_logging(args.verbose, args.debug, Path(settings.log_dir))
        handler = getattr(args, "func", None) or COMMANDS[args.command]
        return handler(args, settings)
    except (BadInput, ConfigError) as exc:
        print(f"{APP_NAME}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`deescalate ... | head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
