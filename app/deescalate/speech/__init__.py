"""Speech-to-text: a small recogniser interface with Vosk and PocketSphinx engines."""

from deescalate.speech.base import Recognition, Recognizer, SpeechError, Word

__all__ = ["Recognition", "Recognizer", "SpeechError", "Word"]
