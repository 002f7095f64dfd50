"""`phrasebook test`: a supervisor's expectations about sample calls, run like unit tests.

An expectations file (YAML) lists calls (transcripts or recordings, paths relative to the
file) and what should or should not happen in each:

    phrasebook: [../phrasebook/default.yaml, team.yaml]   # optional
    calls:
      - call: calls/rude_caller.txt
        expect:
          - boundary by 0:20          # a boundary suggestion within the first 20 s
          - never escalate
          - heated                    # the level reaches heated (or worse) at some point
          - cue insult by 0:10        # the insult cue is heard
          - response listen_validate  # this exact response is suggested

What can be expected: `escalate`, a category (`calming`, `boundary`, ...), a level
(`tense`, `heated`, `unsafe`: reached or exceeded), `cue ID`, `response ID`; optionally
`by M:SS` and `never` in front.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from deescalate.advice.phrasebook import CATEGORIES, Phrasebook
from deescalate.core.facts import RANK
from deescalate.supervisor.printing import clock
from deescalate.supervisor.replay import CallRecord

EXPECTATION = re.compile(r"^(never\s+)?(.+?)(?:\s+by\s+(\S+))?$", re.IGNORECASE)
LEVEL_TARGETS = ("tense", "heated", "unsafe")


class ExpectationError(Exception):
    """An expectations file that can't be used; names the file, line and fix."""


@dataclass(frozen=True)
class Expectation:
    text: str
    line: int
    never: bool
    kind: str
    """`escalate`, `category`, `level`, `cue` or `response`."""
    name: str
    by: float | None


@dataclass(frozen=True)
class CallExpectations:
    call: Path
    line: int
    expectations: tuple[Expectation, ...]


@dataclass(frozen=True)
class ExpectationsFile:
    path: Path
    phrasebook: tuple[Path, ...]
    calls: tuple[CallExpectations, ...]


@dataclass(frozen=True)
class Outcome:
    expectation: Expectation
    passed: bool
    detail: str


def read_expectations(path: Path) -> ExpectationsFile:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except OSError as exc:
        raise ExpectationError(f"{path}: cannot read it ({exc.strerror}).") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ExpectationError(
            f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})."
        ) from exc
    top = _mapping(node, path, "the file", "`calls:` (and optionally `phrasebook:`)")
    calls_node = top.get("calls")
    if not isinstance(calls_node, yaml.SequenceNode) or not calls_node.value:
        raise ExpectationError(f"{path}:1: expected `calls:`, a list of `- call: PATH`.")
    book = top.get("phrasebook")
    books = _strings(book, path) if book is not None else []
    return ExpectationsFile(
        path,
        tuple(path.parent / b for b in books),
        tuple(_call(item, path) for item in calls_node.value),
    )


def _mapping(node, path: Path, what: str, needs: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        raise ExpectationError(f"{path}:{line}: {what} must be a mapping with {needs}.")
    return {k.value: v for k, v in node.value}


def _strings(node: yaml.Node, path: Path) -> list[str]:
    if isinstance(node, yaml.ScalarNode):
        return [str(node.value)]
    if isinstance(node, yaml.SequenceNode) and all(
        isinstance(n, yaml.ScalarNode) for n in node.value
    ):
        return [str(n.value) for n in node.value]
    raise ExpectationError(
        f"{path}:{node.start_mark.line + 1}: expected a text or a list of texts."
    )


def _call(node: yaml.Node, path: Path) -> CallExpectations:
    item = _mapping(node, path, "each call", "`call:` and `expect:`")
    line = node.start_mark.line + 1
    if "call" not in item or "expect" not in item:
        raise ExpectationError(f"{path}:{line}: each call needs `call: PATH` and `expect:`.")
    call = path.parent / _strings(item["call"], path)[0]
    expect = item["expect"]
    nodes = expect.value if isinstance(expect, yaml.SequenceNode) else [expect]
    texts = [(str(n.value), n.start_mark.line + 1) for n in nodes if isinstance(n, yaml.ScalarNode)]
    if len(texts) != len(nodes) or not texts:
        raise ExpectationError(f"{path}:{line}: `expect:` must be a list of texts.")
    return CallExpectations(call, line, tuple(_parse(t, n, path) for t, n in texts))


def _parse(text: str, line: int, path: Path) -> Expectation:
    match = EXPECTATION.match(text.strip())
    if not match:
        raise ExpectationError(f"{path}:{line}: cannot read expectation {text!r}.")
    never, target, by = match.groups()
    kind, name = _target(target.strip().lower(), text, line, path)
    return Expectation(text, line, bool(never), kind, name, _seconds(by, line, path))


def _target(target: str, text: str, line: int, path: Path) -> tuple[str, str]:
    words = target.split()
    if target in ("escalate", "escalation", "escalates"):
        return "escalate", "escalate"
    if target in CATEGORIES:
        return "category", target
    if words[-1] in LEVEL_TARGETS and words[:-1] in ([], ["level"]):
        return "level", words[-1]
    if len(words) == 2 and words[0] in ("cue", "response", "suggest", "suggestion"):
        return ("cue" if words[0] == "cue" else "response"), words[1]
    known = [*CATEGORIES, *LEVEL_TARGETS, "escalate", "cue ID", "response ID"]
    close = difflib.get_close_matches(target, known, n=1)
    hint = f"did you mean `{close[0]}`? " if close else ""
    raise ExpectationError(
        f"{path}:{line}: {text!r}: {hint}expect `escalate`, a category, a level "
        "(tense/heated/unsafe), `cue ID` or `response ID`, optionally with `by M:SS` or `never`."
    )


def _seconds(by: str | None, line: int, path: Path) -> float | None:
    if by is None:
        return None
    match = re.fullmatch(r"(?:(\d+):)?(\d+(?:\.\d+)?)s?", by)
    if not match:
        raise ExpectationError(f"{path}:{line}: {by!r} is not a time: write it as M:SS or 20s.")
    return int(match[1] or 0) * 60 + float(match[2])


def unknown_names(expectations: ExpectationsFile, book: Phrasebook) -> list[str]:
    """Cue and response ids the expectations name that the phrasebook doesn't have."""
    cues = {c.id for c in book.cues} | {"negative_words", "repeated_complaint", "overtalk"}
    responses = {r.id for r in book.responses}
    problems = []
    for call in expectations.calls:
        for e in call.expectations:
            ids = cues if e.kind == "cue" else responses if e.kind == "response" else None
            if ids is not None and e.name not in ids:
                close = difflib.get_close_matches(e.name, sorted(ids), n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                problems.append(
                    f"{expectations.path}:{e.line}: the phrasebook has no {e.kind} "
                    f"`{e.name}`{hint}."
                )
    return problems


def judge(
    expectation: Expectation, record: CallRecord, disabled: frozenset[str] = frozenset()
) -> Outcome:
    """Whether the call met the expectation; `disabled` names the phrasebook's disabled cues
    and responses, so that one never heard says why."""
    moments = _moments(expectation, record)
    limit = expectation.by
    inside = [(t, what) for t, what in moments if limit is None or t <= limit + 1e-9]
    if expectation.never:
        if not inside:
            return Outcome(expectation, True, "did not happen")
        t, what = inside[0]
        return Outcome(expectation, False, f"{what} at {clock(t)}")
    if inside:
        t, what = inside[0]
        return Outcome(expectation, True, f"{what} at {clock(t)}")
    if moments:
        t, what = moments[0]
        return Outcome(expectation, False, f"too late: {what} at {clock(t)}")
    if expectation.kind in ("cue", "response") and expectation.name in disabled:
        return Outcome(expectation, False, "never happened: it is disabled in this phrasebook")
    return Outcome(expectation, False, f"never happened{_instead(expectation, record)}")


def _moments(e: Expectation, record: CallRecord) -> list[tuple[float, str]]:
    if e.kind == "escalate":
        return [(x.t, f"escalate ({x.reason})") for x in record.escalations]
    if e.kind == "category":
        return [(s.t, s.id) for s in record.suggestions if s.category == e.name]
    if e.kind == "response":
        return [(s.t, s.id) for s in record.suggestions if s.id == e.name]
    if e.kind == "cue":
        return [
            (record.heard_at(h), f'{h.cue} "{h.words}"')
            for h in record.distinct_hits
            if h.cue == e.name
        ]
    first = next(
        (t for t in record.tensions if RANK[t.level] >= RANK[e.name]),
        None,
    )
    return [(first.t, f"{first.level} ({first.score:g})")] if first else []


def _instead(e: Expectation, record: CallRecord) -> str:
    if e.kind in ("category", "response", "escalate"):
        shown = ", ".join(f"{s.id} at {clock(s.t)}" for s in record.suggestions[:4])
        return f"; suggested instead: {shown}" if shown else "; nothing was suggested"
    if e.kind == "level":
        peak = record.peak()
        return f"; the peak was {peak.level} ({peak.score:g}) at {clock(peak.t)}" if peak else ""
    return ""
