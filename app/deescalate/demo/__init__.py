"""The built-in demo call: a scripted two-speaker call, synthesised once and shipped as FLAC."""

from deescalate.core.resources import demo_call

DEMO_CALL = demo_call()
