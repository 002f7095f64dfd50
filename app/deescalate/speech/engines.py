"""Choosing an engine: `auto` takes Vosk when a model is configured or found, else PocketSphinx.

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
from deescalate.speech.models import check_model_folder, find_vosk_model

ENGINES = ("auto", "vosk", "sphinx", "none")


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
    """"vosk", "sphinx" or "none": never "auto"."""
    model: Path | None = None
    hotwords: tuple[str, ...] = ()


def resolve_engine(
    engine: str = "auto",
    model: str | None = None,
    config_model: str | None = None,
    hotwords: Sequence[str] = (),
) -> EngineChoice:
    """The engine to run, or SpeechError with the reason and the fix."""
    if engine not in ENGINES:
        raise SpeechError(f"Unknown engine {engine!r}: choose one of {', '.join(ENGINES)}.")
    if engine in ("none", "sphinx"):
        return EngineChoice(engine, None, tuple(hotwords))
    choice = find_vosk_model(model, config_model)
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
    if choice.name == "vosk" and choice.model is not None:
        return _vosk(choice.model, choice.hotwords)
    return _sphinx(choice.hotwords)


def choose_engine(
    engine: str = "auto",
    model: str | None = None,
    config_model: str | None = None,
    hotwords: Sequence[str] = (),
) -> Engine:
    """Resolves and loads in one step (the command line, tests)."""
    return load_engine(resolve_engine(engine, model, config_model, hotwords))


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
