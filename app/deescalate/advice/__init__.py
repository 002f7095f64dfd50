"""Phrasebook (what to listen for and what to suggest) and the advisor."""
