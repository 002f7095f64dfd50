"""Reading the phrasebook files. For now: the trigger phrases the speech engines should spot."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

DEFAULT_PHRASEBOOK = Path(__file__).resolve().parents[2] / "phrasebook" / "default.yaml"


class PhrasebookError(Exception):
    """A phrasebook file that can't be used; the message names the file and the problem."""


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PhrasebookError(f"{path}: cannot read the phrasebook ({exc.strerror}).") from exc
    except yaml.YAMLError as exc:
        raise PhrasebookError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PhrasebookError(f"{path}: expected a mapping with `cues:` at the top level.")
    return data


def spot_phrases(paths: Iterable[Path] = (DEFAULT_PHRASEBOOK,)) -> list[str]:
    """Trigger phrases worth giving to the keyword spotter, in file order, without repeats."""
    phrases: dict[str, None] = {}
    for path in paths:
        for cue in _read(path).get("cues") or []:
            if isinstance(cue, dict) and cue.get("spot"):
                phrases.update(dict.fromkeys(str(p).lower() for p in cue.get("phrases", [])))
    return list(phrases)
