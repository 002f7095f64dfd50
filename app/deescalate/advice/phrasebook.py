"""The phrasebook: what to listen for (cues) and what to suggest (responses), as YAML files.

A base file plus optional team overlays, applied in order: an item with a known `id`
changes only the fields it sets, `disabled: true` removes it, a new `id` adds it. A cue's
`phrases:` replaces its list; `add_phrases:` adds to it. Errors name the file, the line and
the field.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from deescalate.core.resources import default_phrasebook
from deescalate.tension.cues import ID_PATTERN, Cue

DEFAULT_PHRASEBOOK = default_phrasebook()


def phrasebook_paths(configured: Sequence[str | Path]) -> list[Path]:
    """The configured files (a base, then team overlays), or the default phrasebook."""
    return [Path(p) for p in configured] or [DEFAULT_PHRASEBOOK]


Category = Literal[
    "calming",
    "listening",
    "positive_language",
    "next_steps",
    "boundary",
    "escalate",
    "handover",
    "coaching",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
MAX_TEXT = 90
"""Characters: a suggestion must be readable at a glance."""


class PhrasebookError(Exception):
    """A phrasebook that can't be used; the message names file, line and field.

    `problems` has the same as dicts (`file`, `line`, `field`, `message`) for tools."""

    def __init__(self, message: str, problems: list[dict] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Response(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    category: Category
    text: str = Field(min_length=3, max_length=MAX_TEXT)
    when: list[str] = Field(default_factory=list)
    """Cue ids or levels (calm, tense, heated, unsafe) that make this response fit."""
    step: int | None = Field(default=None, ge=1, le=5)
    """For boundary scripts: which repetition of abuse this answers."""
    disabled: bool = False


class Phrasebook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    locale: str = "en-US"
    escalate_steps: list[str] = Field(default_factory=list, max_length=4)
    """The short safe-disengagement steps shown in escalate mode."""
    cues: list[Cue] = Field(default_factory=list)
    responses: list[Response] = Field(default_factory=list)

    def active_cues(self) -> list[Cue]:
        return [c for c in self.cues if not c.disabled]

    def active_responses(self) -> list[Response]:
        return [r for r in self.responses if not r.disabled]

    def spot_phrases(self) -> list[str]:
        phrases: dict[str, None] = {}
        for cue in self.active_cues():
            if cue.spot:
                phrases.update(dict.fromkeys(cue.word_sequences()))
        return list(phrases)


def _compose(path: Path) -> yaml.Node:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PhrasebookError(f"{path}: cannot read the phrasebook ({exc.strerror}).") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _yaml_problem(path, exc) from exc
    if node is None or not isinstance(node, yaml.MappingNode):
        raise PhrasebookError(f"{path}:1: expected a mapping with `cues:` and `responses:`.")
    return node


def _yaml_problem(path: Path, exc: yaml.YAMLError) -> PhrasebookError:
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark else str(path)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line
    return PhrasebookError(f"{where}: not valid YAML ({problem}).")


def _line(node: yaml.Node, loc: Sequence[str | int]) -> int:
    """1-based line of the YAML node at a pydantic error location (nearest existing parent);
    a field's own line is the line of its key."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == key), None)
            if pair is not None and key == loc[-1]:
                return pair[0].start_mark.line + 1
            child = pair[1] if pair else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        else:
            child = None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _merge(
    base: list[dict], overlay: list, origin: dict, path: Path, section: str, node: yaml.Node
) -> None:
    by_id = {item.get("id"): item for item in base}
    for index, item in enumerate(overlay):
        where = f"{path}:{_line(node, [section, index])}: {section}[{index}]"
        if not isinstance(item, dict) or "id" not in item:
            raise PhrasebookError(f"{where}: each item needs an `id`.")
        if item["id"] not in by_id and (
            "add_phrases" in item or (set(item) == {"id", "disabled"} and item["disabled"])
        ):  # changing something no earlier file has: most often a misspelt id
            close = difflib.get_close_matches(str(item["id"]), [str(i) for i in by_id], n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            action = "add phrases to" if "add_phrases" in item else "disable"
            raise PhrasebookError(f"{where}: there is no `{item['id']}` to {action}{hint}.")
        if section == "cues" and "add_phrases" in item:
            item = _with_added_phrases(item, by_id[item["id"]], where)
        if item["id"] in by_id:
            by_id[item["id"]].update(item)
        else:
            base.append(dict(item))
            by_id[item["id"]] = base[-1]
            origin[(section, item["id"], None)] = (path, index)
        origin[(section, item["id"])] = (path, index)
        for field in item:
            origin[(section, item["id"], field)] = (path, index)


def _with_added_phrases(item: dict, earlier: dict, where: str) -> dict:
    """`add_phrases:` adds to the cue's phrases where `phrases:` would replace them all."""
    added = item["add_phrases"]
    if not isinstance(added, list) or "phrases" in item:
        raise PhrasebookError(
            f"{where}: `add_phrases` must be a list, and not beside `phrases` (which replaces "
            "the list)."
        )
    for n, phrase in enumerate(added):
        if not isinstance(phrase, str):
            raise PhrasebookError(f"{where}: add_phrases[{n}]: {phrase!r} is not a phrase.")
    kept = list(earlier.get("phrases") or [])
    changed = {k: v for k, v in item.items() if k != "add_phrases"}
    return {**changed, "phrases": [*kept, *(p for p in added if p not in kept)]}


def load_phrasebook(paths: Iterable[Path] = (DEFAULT_PHRASEBOOK,)) -> Phrasebook:
    merged: dict = {"cues": [], "responses": []}
    origin: dict[tuple[str, str], tuple[Path, int]] = {}
    nodes: dict[Path, yaml.Node] = {}
    for path in paths:
        path = Path(path)
        nodes[path] = _compose(path)
        try:  # a tag such as !!python/object composes, but a phrasebook can't hold it
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise _yaml_problem(path, exc) from exc
        for key, value in data.items():
            if key in ("cues", "responses"):
                if not isinstance(value, list):
                    line = _line(nodes[path], [key])
                    raise PhrasebookError(f"{path}:{line}: `{key}` must be a list.")
                _merge(merged[key], value, origin, path, key, nodes[path])
            else:
                merged[key] = value
                origin[(key,)] = (path, 0)
    try:
        return Phrasebook.model_validate(merged)
    except ValidationError as exc:
        raise _describe(exc, merged, origin, nodes) from exc


def _describe(exc: ValidationError, merged: dict, origin: dict, nodes: dict) -> PhrasebookError:
    problems = []
    for error in exc.errors():
        problem = _problem(error, merged, origin, nodes)
        if problem not in problems:  # each bad item of a list gives the same one
            problems.append(problem)
    message = "; ".join(f"{p['file']}:{p['line']}: {p['field']}: {p['message']}" for p in problems)
    return PhrasebookError(message, problems)


def _problem(error: dict, merged: dict, origin: dict, nodes: dict) -> dict:
    """Blames the file that set the field in error (or that added the item, for a missing
    field), so a typo in a team overlay is reported against the overlay."""
    loc = list(error["loc"])
    if loc[2:3] == ["examples"] and error["type"] != "value_error":
        loc = loc[:3]  # the list as a whole is of the wrong shape
    field = ".".join(str(p) for p in loc)
    path, node_loc = next(iter(nodes)), loc
    if loc and (loc[0],) in origin:
        path = origin[(loc[0],)][0]
    if len(loc) >= 2 and loc[0] in ("cues", "responses") and isinstance(loc[1], int):
        item_id = merged[loc[0]][loc[1]].get("id")
        name = loc[2] if len(loc) > 2 and error["type"] != "missing" else None
        found = origin.get((loc[0], item_id, name)) or origin.get((loc[0], item_id))
        if found:
            path, index = found
            node_loc = [loc[0], index, *loc[2:]]
            field = f"{loc[0]}[id={item_id}]" + "".join(f".{p}" for p in loc[2:])
    line = _line(nodes[path], node_loc)
    return {"file": str(path), "line": line, "field": field, "message": _plain(error)}


EXAMPLES_SHAPE = (
    "`examples` must be a list of sentences in quotes, e.g. "
    'examples: ["put me through to your boss", "I want your manager"]'
)
CLOSENESS_RANGE = (
    "`closeness` must be a number from 0 to 1 (how close in wording a line must come to "
    "an example; leave it out for the default 0.5)"
)


def _plain(error: dict) -> str:
    """Pydantic's message in the phrasebook's own words, with the fix."""
    name = str(error["loc"][-1]) if error["loc"] else ""
    if error["loc"][2:3] == ("examples",) and error["type"] != "value_error":
        return EXAMPLES_SHAPE
    if error["loc"][2:3] == ("closeness",):
        return CLOSENESS_RANGE
    if error["type"] == "value_error":
        return error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        known = _known_fields(error["loc"])
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"known: {', '.join(known)}"
        return f"`{name}` is not a phrasebook field ({hint})"
    if error["type"] == "missing":
        return f"`{name}` is missing: add it"
    if error["type"] == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"`{error['input']}` is not one of {expected}: use one of them"
    return error["msg"]


def _known_fields(loc: Sequence[str | int]) -> list[str]:
    model: type[BaseModel] = Phrasebook
    if len(loc) > 2 and loc[0] == "responses":
        model = Response
    elif len(loc) > 2 and loc[0] == "cues":
        model = Cue
    return sorted(model.model_fields)
