"""What the supervisor's commands share: the phrasebook and engine to replay calls with."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from deescalate import bootstrap
from deescalate.advice.phrasebook import Phrasebook, PhrasebookError
from deescalate.advice.phrasebook import phrasebook_paths as configured_or_default
from deescalate.audio.file_source import AudioFileError
from deescalate.cli.common import BadInput
from deescalate.config.settings import Settings
from deescalate.speech.base import SpeechError
from deescalate.speech.engines import Engine
from deescalate.supervisor.check import load_checked
from deescalate.supervisor.replay import CallRecord, replay_call
from deescalate.supervisor.transcripts import TranscriptError


def phrasebook_paths(
    args: argparse.Namespace, settings: Settings, fallback: Sequence[Path] = ()
) -> list[Path]:
    """The files to replay with: --phrasebook, else `fallback` (an expectations file's
    own), else the configured ones, else the default phrasebook."""
    given: list[Path] = getattr(args, "phrasebook", None) or []
    return list(given or fallback) or configured_or_default(settings.phrasebook)


def load_book(paths: Sequence[Path]) -> Phrasebook:
    """The phrasebook as the app would put it in force: one `phrasebook check` rejects (a
    team overlay given without its base, say) is refused, not replayed as something else."""
    try:
        return load_checked(paths)
    except PhrasebookError as exc:
        raise BadInput(f"{exc} (see `deescalate phrasebook check`)") from exc


class Replayer:
    """Replays calls with one phrasebook; the speech engine is loaded only if a recording
    needs one, so transcripts never load a model. The command's own --engine, --model and
    --no-coaching are what a supervisor testing a phrasebook asked for, and win."""

    def __init__(self, book: Phrasebook, settings: Settings, args: argparse.Namespace) -> None:
        self.book = book
        self._settings = settings.with_values(engine=args.engine or settings.engine)
        self._model: str | None = args.model
        self._coaching = settings.coaching and not args.no_coaching
        self._engine: Engine | None = None

    def __call__(self, path: Path) -> CallRecord:
        try:
            return replay_call(path, self.book, self._coaching, self._make_engine)
        except (TranscriptError, AudioFileError) as exc:
            raise BadInput(str(exc)) from exc

    def _make_engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = bootstrap.engine(self._settings, self.book, self._model)
            except SpeechError as exc:
                raise BadInput(str(exc)) from exc
        return self._engine
