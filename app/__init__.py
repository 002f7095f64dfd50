"""Deescalate: a real-time de-escalation assistant for call-center agents."""

__version__ = "0.1.0"
