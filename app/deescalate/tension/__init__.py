"""Tension detection: word cues in context, the words' trained model, conversation cues,
and their fusion with the voice into one score, a level and its reasons."""
