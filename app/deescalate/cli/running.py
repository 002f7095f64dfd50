"""Running a call in the terminal (`listen`, `demo`, `replay`): the phrasebook and engine
from the bootstrap, the same call runtime the app's call process runs, and the printer.
Imported only when one of those commands runs (see `calls`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from deescalate import bootstrap
from deescalate.advice.phrasebook import Phrasebook, PhrasebookError
from deescalate.audio.file_source import AudioFileError, FileSource
from deescalate.call.analysis import CallAnalysis
from deescalate.cli.common import EXIT_BAD_INPUT, EXIT_OK, BadInput
from deescalate.config.settings import Settings
from deescalate.core.events import ErrorEvent, Event
from deescalate.speech.base import SpeechError
from deescalate.speech.engines import Engine
from deescalate.supervisor.printing import HumanPrinter, JsonPrinter, summary
from deescalate.supervisor.replay import CallRecord, play_transcript, recording_analysis
from deescalate.supervisor.transcripts import TranscriptError, read_transcript

log = logging.getLogger(__name__)


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


def run(sources: list, args: argparse.Namespace, settings: Settings, live: bool) -> int:
    book = _phrasebook(settings)
    engine = _engine(settings, book)
    log.info("speech engine: %s", engine.description)
    if not args.json:
        print(f"engine: {engine.description}", file=sys.stderr)
    real_time = live or getattr(args, "realtime", False)
    real_time = real_time or (args.command == "demo" and not args.fast)
    output = _Output(args, real_time)
    analysis = output.analysis(book, settings.coaching, live)
    bootstrap.terminal_call(sources, engine, analysis, live).run()
    output.print_summary()
    return EXIT_BAD_INPUT if output.errors and not live else EXIT_OK


def file_source(path: Path, channels: str | None, realtime: bool) -> FileSource:
    try:
        return FileSource(path, channels, realtime)
    except AudioFileError as exc:
        raise BadInput(str(exc)) from exc


def replay_transcript(args: argparse.Namespace, settings: Settings) -> int:
    try:
        events = read_transcript(args.path)
    except TranscriptError as exc:
        raise BadInput(str(exc)) from exc
    output = _Output(args, real_time=False)
    play_transcript(events, output.analysis(_phrasebook(settings), settings.coaching, False))
    output.print_summary()
    return EXIT_OK
