"""Speech-to-text: a small recogniser interface (base), the Vosk and PocketSphinx engines,
and finding, checking and installing models."""
