"""What the supervisor's commands share: the phrasebook and engine to replay calls with."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from deescalate.advice.phrasebook import (
    DEFAULT_PHRASEBOOK,
    Phrasebook,
    PhrasebookError,
    load_phrasebook,
)
from deescalate.audio.file_source import AudioFileError
from deescalate.cli.common import BadInput
from deescalate.speech.base import SpeechError
from deescalate.supervisor.replay import CallRecord, replay_call
from deescalate.supervisor.transcripts import TranscriptError


def add_replay_options(parser: argparse.ArgumentParser) -> None:
    """The options that change how calls are replayed (not how events are printed)."""
    from deescalate.speech.engines import ENGINES

    parser.add_argument("--engine", choices=ENGINES, help="speech engine for recordings")
    parser.add_argument("--model", help="Vosk model folder, for recordings")
    parser.add_argument(
        "--phrasebook", action="append", type=Path, help="phrasebook file (repeat for overlays)"
    )
    parser.add_argument("--no-coaching", action="store_true", help="no coaching for the agent")


def phrasebook_paths(
    args: argparse.Namespace, settings, fallback: Sequence[Path] = ()
) -> list[Path]:
    given = getattr(args, "phrasebook", None)
    configured = [Path(p) for p in getattr(settings, "phrasebook", ()) or ()]
    return list(given or fallback or configured or [DEFAULT_PHRASEBOOK])


def load_book(paths: Sequence[Path]) -> Phrasebook:
    try:
        return load_phrasebook(paths)
    except PhrasebookError as exc:
        raise BadInput(f"{exc} (see `deescalate phrasebook check`)") from exc


class Replayer:
    """Replays calls with one phrasebook; the speech engine is chosen only if a recording
    needs one, so transcripts never load a model."""

    def __init__(self, book: Phrasebook, args: argparse.Namespace, settings) -> None:
        self.book = book
        self._args, self._settings = args, settings
        self._engine = None
        self._coaching = getattr(settings, "coaching", True) and not getattr(
            args, "no_coaching", False
        )

    def __call__(self, path: Path) -> CallRecord:
        try:
            return replay_call(path, self.book, self._coaching, self._make_engine)
        except (TranscriptError, AudioFileError) as exc:
            raise BadInput(str(exc)) from exc

    def _make_engine(self):
        if self._engine is None:
            from deescalate.speech.engines import choose_engine

            name = getattr(self._args, "engine", None) or getattr(self._settings, "engine", "auto")
            try:
                self._engine = choose_engine(
                    name,
                    getattr(self._args, "model", None),
                    getattr(self._settings, "vosk_model", None),
                    self.book.spot_phrases(),
                )
            except SpeechError as exc:
                raise BadInput(str(exc)) from exc
        return self._engine
