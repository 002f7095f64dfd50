"""Command line: `deescalate [devices|listen|demo|replay]`."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import platformdirs

from app.advice.phrasebook import DEFAULT_PHRASEBOOK, Phrasebook, PhrasebookError, load_phrasebook
from app.analysis import CallAnalysis
from app.audio.file_source import AudioFileError, FileSource
from app.config import APP_NAME, ConfigError, Settings, load_settings
from app.demo import DEMO_CALL
from app.events import ErrorEvent, Event
from app.output import HumanPrinter, JsonPrinter
from app.speech.base import SpeechError
from app.speech.engines import ENGINES, Engine, choose_engine
from app.transcripts import TranscriptError, is_transcript, read_transcript

log = logging.getLogger("deescalate")

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(Exception):
    """Anything the user can fix: a file, a model, a device name, a setting."""


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
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
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
    _add_engine_options(replay)
    return parser


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    log_dir = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_dir / "deescalate.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        log.warning("not writing a log file in %s: %s", log_dir, exc)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root.addHandler(handler)


def _phrasebook(args: argparse.Namespace, settings: Settings) -> Phrasebook:
    books = args.phrasebook or [Path(p) for p in settings.phrasebook] or [DEFAULT_PHRASEBOOK]
    try:
        return load_phrasebook(books)
    except PhrasebookError as exc:
        raise BadInput(str(exc)) from exc


def _engine(args: argparse.Namespace, settings: Settings, phrasebook: Phrasebook) -> Engine:
    engine = args.engine or settings.engine
    try:
        return choose_engine(engine, args.model, settings.vosk_model, phrasebook.spot_phrases())
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
    printer: Callable[[Event], None] = (
        JsonPrinter(wall_clock=real_time)
        if args.json
        else HumanPrinter(show_partials=args.partials)
    )

    def on_event(event: Event) -> None:
        if isinstance(event, ErrorEvent):
            errors.append(event)
        printer(event)

    coaching = settings.coaching and not args.no_coaching
    return CallAnalysis(phrasebook, on_event, coaching, split_calls=live)


def _run(sources, args: argparse.Namespace, settings: Settings, live: bool) -> int:
    from app.pipeline import Pipeline

    phrasebook = _phrasebook(args, settings)
    engine = _engine(args, settings, phrasebook)
    if not args.json:
        print(f"engine: {engine.description}", file=sys.stderr)
    errors: list[ErrorEvent] = []
    analysis = _analysis(args, settings, phrasebook, errors, live)
    analysis.follow(Pipeline(sources, engine.make, live=live))
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
    return EXIT_OK


def cmd_devices(_args: argparse.Namespace, _settings: Settings) -> int:
    from app.audio.devices import list_inputs

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
    from app.audio.capture import DeviceSource
    from app.audio.devices import default_agent_input, default_customer_input, find_input
    from app.audio.feed import Speaker

    sources = []
    for speaker, wanted, fallback in (
        (Speaker.AGENT, getattr(args, "agent", None) or settings.agent_device, default_agent_input),
        (
            Speaker.CUSTOMER,
            getattr(args, "customer", None) or settings.customer_device,
            default_customer_input,
        ),
    ):
        device = find_input(wanted) if wanted else fallback()
        if wanted and device is None:
            raise BadInput(f"No audio input named {wanted!r}: see `deescalate devices`.")
        if device is not None:
            sources.append(DeviceSource(speaker, device))
    return sources


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
        print(f"Playing the built-in demo call ({DEMO_CALL.name}).", file=sys.stderr)
    source = _file_source(DEMO_CALL, None, realtime=not args.fast)
    return _run([source], args, settings, live=False)


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    if is_transcript(args.path):
        return _replay_transcript(args, settings)
    source = _file_source(args.path, args.channels, args.realtime)
    return _run([source], args, settings, live=False)


def cmd_overlay(args: argparse.Namespace, settings: Settings) -> int:
    from app.call import CallRunner
    from app.ui.app import run_overlay

    phrasebook = _phrasebook(args, settings)
    engine = _engine(args, settings, phrasebook)
    demo = args.demo or not _live_sources(args, settings)

    def make_call() -> CallRunner:
        if demo:
            sources, live = [_file_source(DEMO_CALL, None, realtime=True)], False
        else:
            sources, live = _live_sources(args, settings), True
        coaching = settings.coaching and not args.no_coaching
        return CallRunner(sources, engine, phrasebook, live, coaching=coaching)

    return run_overlay(make_call, phrasebook, engine.description, demo, settings)


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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        settings = load_settings()
        return COMMANDS[args.command](args, settings)
    except (BadInput, ConfigError) as exc:
        print(f"{APP_NAME}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
