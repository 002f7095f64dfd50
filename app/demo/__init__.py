"""The built-in demo call: a scripted two-speaker call, synthesised once and shipped as FLAC."""

from app.resources import demo_call

DEMO_CALL = demo_call()
