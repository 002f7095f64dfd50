"""The call commands: `devices`, `listen`, `demo`, `replay`, `overlay`, and the app with no
command (the overlay with a screen; in a terminal, live or the demo call)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from deescalate import bootstrap
from deescalate.advice.phrasebook import Phrasebook, PhrasebookError
from deescalate.audio.file_source import AudioFileError, FileSource
from deescalate.call.analysis import CallAnalysis
from deescalate.call.spec import CallSetupError
from deescalate.cli.common import EXIT_BAD_INPUT, EXIT_OK, BadInput
from deescalate.config.settings import Settings
from deescalate.core.events import ErrorEvent, Event
from deescalate.core.resources import demo_call
from deescalate.speech.base import SpeechError
from deescalate.speech.engines import Engine
from deescalate.supervisor.printing import HumanPrinter, JsonPrinter, summary
from deescalate.supervisor.replay import CallRecord, play_transcript, recording_analysis
from deescalate.supervisor.transcripts import TranscriptError, is_transcript, read_transcript


def register(sub, add_engine_options) -> None:
    sub.add_parser("devices", help="list audio inputs, marking monitors of outputs").set_defaults(
        func=cmd_devices
    )
    listen = sub.add_parser("listen", help="live call: recognise both speakers")
    listen.add_argument("--agent", help="agent's microphone (name from `deescalate devices`)")
    listen.add_argument("--customer", help="call audio: a monitor/loopback input")
    add_engine_options(listen)
    listen.set_defaults(func=cmd_listen)
    demo = sub.add_parser("demo", help="replay the built-in demo call")
    demo.add_argument("--fast", action="store_true", help="as fast as possible, not real time")
    add_engine_options(demo)
    demo.set_defaults(func=cmd_demo)
    overlay = sub.add_parser("overlay", help="the agent's overlay window over a live call")
    overlay.add_argument("--demo", action="store_true", help="play the built-in demo call")
    overlay.add_argument("--agent", help="agent's microphone")
    overlay.add_argument("--customer", help="call audio: a monitor/loopback input")
    add_engine_options(overlay)
    overlay.set_defaults(func=cmd_overlay)
    replay = sub.add_parser(
        "replay", help="a recorded call (WAV/FLAC) or transcript (.txt/.jsonl): what would fire"
    )
    replay.add_argument("path", type=Path)
    replay.add_argument("--channels", help="agent,customer | customer,agent | customer")
    replay.add_argument("--realtime", action="store_true", help="pace the file in real time")
    replay.add_argument(
        "--explain", action="store_true", help="under each suggestion, the cues and words behind it"
    )
    add_engine_options(replay)
    replay.set_defaults(func=cmd_replay)


# --- the parts a command runs with --------------------------------------------------------


def _phrasebook(settings: Settings) -> Phrasebook:
    try:
        return bootstrap.phrasebook(settings)
    except PhrasebookError as exc:
        raise BadInput(str(exc)) from exc


def _engine(settings: Settings, book: Phrasebook) -> Engine:
    try:
        return bootstrap.engine(settings, book)
    except SpeechError as exc:
        raise BadInput(str(exc)) from exc


class _Output:
    """Where a command's events go: printed as they come; a readable replay or demo also
    keeps the whole call, for its summary at the end."""

    def __init__(self, args: argparse.Namespace, real_time: bool) -> None:
        self.errors: list[ErrorEvent] = []
        self.record = CallRecord() if args.command in ("replay", "demo") and not args.json else None
        explain = self.record if getattr(args, "explain", False) else None
        self._printer: Callable[[Event], None] = (
            JsonPrinter(wall_clock=real_time)
            if args.json
            else HumanPrinter(show_partials=args.partials, explain=explain)
        )

    def __call__(self, event: Event) -> None:
        if isinstance(event, ErrorEvent):
            self.errors.append(event)
        self._printer(event)

    def analysis(self, book: Phrasebook, coaching: bool, live: bool) -> CallAnalysis:
        if self.record is not None:
            return recording_analysis(book, self.record, self, coaching)
        return CallAnalysis(book, self, coaching, split_calls=live)

    def print_summary(self) -> None:
        if self.record is not None:
            print(summary(self.record), flush=True)


def _run(sources: list, args: argparse.Namespace, settings: Settings, live: bool) -> int:
    book = _phrasebook(settings)
    engine = _engine(settings, book)
    if not args.json:
        print(f"engine: {engine.description}", file=sys.stderr)
    real_time = live or getattr(args, "realtime", False)
    real_time = real_time or (args.command == "demo" and not args.fast)
    output = _Output(args, real_time)
    analysis = output.analysis(book, settings.coaching, live)
    bootstrap.terminal_call(sources, engine, analysis, live).run()
    output.print_summary()
    return EXIT_BAD_INPUT if output.errors and not live else EXIT_OK


# --- the commands ---------------------------------------------------------------------------


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


def _live_sources(settings: Settings) -> list:
    from deescalate.call.sources import live_sources

    try:
        return live_sources(settings.agent_device, settings.customer_device)
    except CallSetupError as exc:
        raise BadInput(str(exc)) from exc


def cmd_listen(args: argparse.Namespace, settings: Settings) -> int:
    sources = _live_sources(settings)
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
    call = demo_call()
    if not args.json:
        print(
            f"DEMO: not a real call. Playing the built-in demo call ({call.name}).",
            file=sys.stderr,
        )
    source = _file_source(call, None, realtime=not args.fast)
    return _run([source], args, settings, live=False)


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    if args.explain and args.json:
        raise BadInput("--explain adds reasons to the readable output: use it without --json.")
    if is_transcript(args.path):
        return _replay_transcript(args, settings)
    source = _file_source(args.path, args.channels, args.realtime)
    return _run([source], args, settings, live=False)


def _replay_transcript(args: argparse.Namespace, settings: Settings) -> int:
    try:
        events = read_transcript(args.path)
    except TranscriptError as exc:
        raise BadInput(str(exc)) from exc
    output = _Output(args, real_time=False)
    play_transcript(events, output.analysis(_phrasebook(settings), settings.coaching, False))
    output.print_summary()
    return EXIT_OK


def cmd_overlay(args: argparse.Namespace, settings: Settings) -> int:
    code = bootstrap.run_overlay(settings, mode="demo" if args.demo else "auto")
    # The window, the call and the records are closed and flushed by now. Leave without
    # the interpreter's exit-time joins (multiprocessing, helper threads), which could
    # keep a quitting app hanging on a loaded machine.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _has_display() -> bool:
    return sys.platform == "win32" or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    """No command: the overlay when there is a screen; in a terminal, listen live when there
    are devices, else play the demo call."""
    for name in ("json", "partials", "fast", "demo", "explain", "realtime"):
        setattr(args, name, getattr(args, name, False))
    if _has_display():
        return cmd_overlay(args, settings)
    if _live_sources(settings):
        args.command = "listen"
        return cmd_listen(args, settings)
    print("No audio device found: playing the built-in demo call instead.", file=sys.stderr)
    args.command = "demo"
    return cmd_demo(args, settings)
