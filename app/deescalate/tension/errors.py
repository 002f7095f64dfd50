"""The text model's errors, apart from the model itself so that a command can report them
without loading numpy (the overlay's window process never does)."""


class TextModelError(Exception):
    """The weights file is missing or unreadable; the message says how to fix it."""


class MeaningError(Exception):
    """The sentence encoder is missing or broken; the message says how to fix it."""
