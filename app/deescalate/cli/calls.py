"""The call commands: `devices`, `listen`, `demo`, `replay`, `overlay`, and the app with no
command (the overlay with a screen; in a terminal, live or the demo call).

Only what every start needs is imported here: the app's window process (and each process
it spawns, which imports the main module again) starts from this module, and needs none of
the audio, speech or detection code. `running` holds what the terminal commands need.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from deescalate import bootstrap
from deescalate.call.spec import CallSetupError
from deescalate.cli.common import EXIT_OK, BadInput
from deescalate.config.settings import Settings
from deescalate.core.resources import demo_call
from deescalate.supervisor.transcripts import is_transcript


def register(sub, add_engine_options) -> None:
    sub.add_parser("devices", help="list audio inputs, marking monitors of outputs").set_defaults(
        func=cmd_devices
    )
    listen = sub.add_parser("listen", help="live call: recognise both speakers")
    listen.add_argument("--agent", help="agent's microphone (name from `deescalate devices`)")
    listen.add_argument("--customer", help="call audio: a monitor/loopback input")
    add_engine_options(listen)
    listen.set_defaults(func=cmd_listen)
    demo = sub.add_parser("demo", help="replay the built-in demo call")
    demo.add_argument("--fast", action="store_true", help="as fast as possible, not real time")
    add_engine_options(demo)
    demo.set_defaults(func=cmd_demo)
    overlay = sub.add_parser("overlay", help="the agent's overlay window over a live call")
    overlay.add_argument("--demo", action="store_true", help="play the built-in demo call")
    overlay.add_argument("--agent", help="agent's microphone")
    overlay.add_argument("--customer", help="call audio: a monitor/loopback input")
    add_engine_options(overlay)
    overlay.set_defaults(func=cmd_overlay)
    replay = sub.add_parser(
        "replay", help="a recorded call (WAV/FLAC) or transcript (.txt/.jsonl): what would fire"
    )
    replay.add_argument("path", type=Path)
    replay.add_argument("--channels", help="agent,customer | customer,agent | customer")
    replay.add_argument("--realtime", action="store_true", help="pace the file in real time")
    replay.add_argument(
        "--explain", action="store_true", help="under each suggestion, the cues and words behind it"
    )
    add_engine_options(replay)
    replay.set_defaults(func=cmd_replay)


# --- the commands ---------------------------------------------------------------------------


def cmd_devices(_args: argparse.Namespace, _settings: Settings) -> int:
    from deescalate.audio.devices import list_inputs

    inputs = list_inputs()
    if not inputs:
        print("No audio inputs found (no sound card, or no PulseAudio/PipeWire server running).")
        return EXIT_OK
    for dev in inputs:
        marks = []
        if dev.is_default:
            marks.append("default")
        if dev.is_monitor:
            marks.append(f"monitor of {dev.monitor_of}: use for --customer")
        suffix = f"  ({'; '.join(marks)})" if marks else ""
        print(f"{dev.label}  {dev.channels} ch, {dev.default_rate} Hz{suffix}")
    return EXIT_OK


def _live_sources(settings: Settings) -> list:
    from deescalate.call.sources import live_sources

    try:
        return live_sources(settings.agent_device, settings.customer_device)
    except CallSetupError as exc:
        raise BadInput(str(exc)) from exc


def cmd_listen(args: argparse.Namespace, settings: Settings) -> int:
    sources = _live_sources(settings)
    if not sources:
        raise BadInput(
            "No audio input found. Plug in a headset or start PulseAudio/PipeWire, "
            "or try `deescalate demo`."
        )
    from deescalate.cli import running

    return running.run(sources, args, settings, live=True)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    call = demo_call()
    if not args.json:
        print(
            f"DEMO: not a real call. Playing the built-in demo call ({call.name}).",
            file=sys.stderr,
        )
    from deescalate.cli import running

    source = running.file_source(call, None, realtime=not args.fast)
    return running.run([source], args, settings, live=False)


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    if args.explain and args.json:
        raise BadInput("--explain adds reasons to the readable output: use it without --json.")
    from deescalate.cli import running

    if is_transcript(args.path):
        return running.replay_transcript(args, settings)
    source = running.file_source(args.path, args.channels, args.realtime)
    return running.run([source], args, settings, live=False)


def cmd_overlay(args: argparse.Namespace, settings: Settings) -> int:
    code = bootstrap.run_overlay(settings, mode="demo" if args.demo else "auto")
    # The window, the call and the records are closed and flushed by now. Leave without
    # the interpreter's exit-time joins (multiprocessing, helper threads), which could
    # keep a quitting app hanging on a loaded machine.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _has_display() -> bool:
    return sys.platform == "win32" or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    """No command: the overlay when there is a screen; in a terminal, listen live when there
    are devices, else play the demo call."""
    for name in ("json", "partials", "fast", "demo", "explain", "realtime"):
        setattr(args, name, getattr(args, name, False))
    if _has_display():
        return cmd_overlay(args, settings)
    if _live_sources(settings):
        args.command = "listen"
        return cmd_listen(args, settings)
    print("No audio device found: playing the built-in demo call instead.", file=sys.stderr)
    args.command = "demo"
    return cmd_demo(args, settings)
