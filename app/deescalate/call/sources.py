"""The audio sources a call spec names: the agent's microphone and the call audio, or a
recording (the demo call) when there is no device and the spec allows it."""

from __future__ import annotations

import sys
from pathlib import Path

from deescalate.audio.capture import DeviceSource
from deescalate.audio.devices import default_agent_input, default_customer_input, find_input
from deescalate.audio.file_source import FileSource
from deescalate.call.spec import CallSetupError, CallSpec
from deescalate.core.facts import Speaker
from deescalate.core.resources import demo_call


def live_sources(agent_device: str | None, customer_device: str | None) -> list:
    """The agent's microphone and the call audio (named, or the defaults)."""
    if sys.platform == "win32":  # PortAudio can't record an output there: WASAPI loopback
        return [
            *_portaudio_sources(agent_device, None, agent_only=True),
            _windows_call_audio(customer_device),
        ]
    return _portaudio_sources(agent_device, customer_device)


def _windows_call_audio(customer_device: str | None):
    from deescalate.audio.loopback import LoopbackSource, LoopbackUnavailable, default_loopback_id

    try:
        device_id = customer_device or default_loopback_id()
    except LoopbackUnavailable as exc:
        raise CallSetupError(f"Cannot record the call audio: {exc}.") from exc
    return LoopbackSource(Speaker.CUSTOMER, device_id)


def _portaudio_sources(
    agent_device: str | None, customer_device: str | None, agent_only: bool = False
) -> list:
    sources = []
    for speaker, wanted, fallback in (
        (Speaker.AGENT, agent_device, default_agent_input),
        (Speaker.CUSTOMER, customer_device, default_customer_input),
    ):
        if agent_only and speaker == Speaker.CUSTOMER:
            continue
        device = find_input(wanted) if wanted else fallback()
        if wanted and device is None:
            raise CallSetupError(
                f"No audio input named {wanted!r}: choose another in Settings or see "
                "`deescalate devices`."
            )
        if device is not None:
            sources.append(DeviceSource(speaker, device))
    return sources


def call_sources(spec: CallSpec) -> tuple[list, bool, str]:
    """(sources, live, why the demo plays: "" when it was asked for or the call is live)."""
    if spec.mode != "demo":
        sources = live_sources(spec.agent_device, spec.customer_device)
        if sources:
            return sources, True, ""
        if spec.mode == "live" or not spec.demo_allowed:
            raise CallSetupError(
                "No audio input found: plug in a headset, or start PulseAudio/PipeWire, "
                "then start the call again from the menu."
            )
    recording = Path(spec.recording) if spec.recording else demo_call()
    reason = "" if spec.mode == "demo" else "no audio input found"
    return [FileSource(recording, realtime=spec.realtime)], False, reason
