"""Choosing an engine: `auto` takes Vosk when a model is configured or found, else PocketSphinx."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from deescalate.speech.base import NullRecognizer, Recognizer, SpeechError
from deescalate.speech.models import check_model_folder, find_vosk_model

ENGINES = ("auto", "vosk", "sphinx", "none")


@dataclass(frozen=True)
class Engine:
    name: str
    description: str
    """What the status line shows, e.g. "vosk (vosk-model-en-us-0.22)"."""
    make: Callable[[], Recognizer]
    """A new recogniser for one speaker; the loaded model is shared."""


def choose_engine(
    engine: str = "auto",
    model: str | None = None,
    config_model: str | None = None,
    hotwords: Sequence[str] = (),
) -> Engine:
    """The engine to run, or SpeechError with the reason and the fix."""
    if engine not in ENGINES:
        raise SpeechError(f"Unknown engine {engine!r}: choose one of {', '.join(ENGINES)}.")
    if engine == "none":
        return Engine("none", "no speech recognition (voice only)", NullRecognizer)
    choice = find_vosk_model(model, config_model) if engine in ("auto", "vosk") else None
    if choice is None and engine == "vosk":
        raise SpeechError(
            "No Vosk model found. Install one with `deescalate models install PATH_OR_ZIP`, "
            "or name its folder with --model or $DEESCALATE_VOSK_MODEL, or use --engine sphinx."
        )
    if choice is not None:
        return _vosk(choice, hotwords)
    return _sphinx(hotwords)


def _vosk(choice, hotwords: Sequence[str]) -> Engine:
    from deescalate.speech.vosk_engine import VoskRecognizer, load_model

    folder = check_model_folder(choice)
    model = load_model(folder)
    return Engine(
        "vosk",
        f"vosk ({folder.name})",
        lambda: VoskRecognizer(model, folder, hotwords),
    )


def _sphinx(hotwords: Sequence[str]) -> Engine:
    from deescalate.speech.sphinx_engine import SphinxRecognizer

    return Engine(
        "sphinx", "pocketsphinx (built-in US English)", lambda: SphinxRecognizer(hotwords)
    )
