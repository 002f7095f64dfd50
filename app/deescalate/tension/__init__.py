"""Tension detection: voice features, word cues, conversation cues, and their fusion."""
