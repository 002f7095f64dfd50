"""Speech-to-text: a small recogniser interface (base), the engines (streaming Whisper on
CTranslate2, Vosk, PocketSphinx), and finding, checking and installing models."""
