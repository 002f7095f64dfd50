"""What a call needs to start, checked before it starts: plain values that cross to the
call's process. The phrasebook and the engine were validated by whoever built the spec,
so the call's process never reads a settings or phrasebook file itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from deescalate.advice.phrasebook import Phrasebook
from deescalate.speech.engines import EngineChoice


class CallSetupError(Exception):
    """The call can't start (no device, no model); the message names the fix."""


@dataclass(frozen=True)
class CallSpec:
    mode: Literal["live", "demo", "auto"]
    """auto: live when an audio input is found, else the demo call if `demo_allowed`."""
    phrasebook: Phrasebook
    engine: EngineChoice
    coaching: bool = True
    agent_device: str | None = None
    customer_device: str | None = None
    demo_allowed: bool = True
    recording: str | None = None
    """A recording played instead of the built-in demo call (demo mode)."""
    realtime: bool = True
    make_engine: Callable[[CallSpec, Any], Any] | None = None
    """A module-level function (spec, phrasebook) -> Engine replacing the usual one (tests)."""
    make_sources: Callable[[CallSpec], tuple[list, bool, str]] | None = None
    """A module-level function spec -> (sources, live, demo reason) replacing the usual
    devices or recording (tests and benchmarks)."""
