"""Transcript files as calls: `.txt` lines `customer: ...` / `agent: ...` with optional
`[mm:ss]` stamps, or `.jsonl` objects with `speaker`, `text` and optional `start`/`end`.

Lines without times are laid end to end at a conversational pace, so cues still fade.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from deescalate.core.events import TranscriptEvent
from deescalate.core.facts import SPEAKERS

WORDS_PER_SECOND = 2.5
GAP_SECONDS = 0.6
TXT_LINE = re.compile(r"^\s*(?:\[(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)\]\s*)?(\w+)\s*:\s*(.*)$")


class TranscriptError(Exception):
    """A transcript that can't be read; names the file and line."""


def is_transcript(path: Path) -> bool:
    return path.suffix.lower() in (".txt", ".jsonl")


def read_transcript(path: Path) -> list[TranscriptEvent]:
    try:
        # utf-8-sig: Windows Notepad starts UTF-8 files with a byte-order mark.
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise TranscriptError(
            f"{path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}). "
            'Save it as UTF-8, e.g. Notepad\'s "Save as" → Encoding: UTF-8, or '
            f"`iconv -f WINDOWS-1252 -t UTF-8 {path.name}`."
        ) from exc
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot read the transcript ({exc.strerror}).") from exc
    parse = _jsonl_line if path.suffix.lower() == ".jsonl" else _txt_line
    events: list[TranscriptEvent] = []
    clock = 0.0
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            speaker, text, start, end = parse(line)
        except (ValueError, KeyError, TypeError) as exc:
            raise TranscriptError(f"{path}:{number}: {exc}") from exc
        if speaker not in SPEAKERS:
            raise TranscriptError(
                f"{path}:{number}: speaker must be customer or agent, not {speaker!r}."
            )
        start = clock + GAP_SECONDS if start is None else start
        end = start + len(text.split()) / WORDS_PER_SECOND if end is None else end
        clock = max(clock, end)
        events.append(TranscriptEvent(end, speaker, text, True, round(start, 2), round(end, 2)))
    if not events:
        raise TranscriptError(f"{path}: no lines of the form `customer: ...` or `agent: ...`.")
    return sorted(events, key=lambda e: e.t)


def _txt_line(line: str) -> tuple[str, str, float | None, float | None]:
    match = TXT_LINE.match(line)
    if not match:
        raise ValueError("expected `customer: text` or `[mm:ss] agent: text`.")
    hours, minutes, seconds, speaker, text = match.groups()
    start = None
    if minutes is not None:
        start = (int(hours) * 60 if hours else 0) + int(minutes) * 60 + float(seconds)
        if hours:  # [hh:mm:ss]
            start = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return speaker.lower(), text.strip(), start, None


def _jsonl_line(line: str) -> tuple[str, str, float | None, float | None]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg}).") from exc
    start, end = item.get("start"), item.get("end")
    return (
        str(item["speaker"]).lower(),
        str(item["text"]),
        None if start is None else float(start),
        None if end is None else float(end),
    )
