"""The built-in demo call: a scripted two-speaker call, synthesised once and shipped as FLAC."""

from pathlib import Path

DEMO_CALL = Path(__file__).with_name("demo_call.flac")
