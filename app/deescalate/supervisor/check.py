"""`phrasebook check`: everything wrong with a set of phrasebook files, blamed on the file and
line that has it. Errors stop the phrasebook from working as written; warnings are worth a
look (a cue that double counts, a response that can never fire, a phrase too long to read).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from deescalate.advice.cue_groups import (
    ABUSE,
    LISTENING_MOMENTS,
    SENIOR_REQUESTS,
    SOFT_CATEGORIES,
)
from deescalate.advice.phrasebook import (
    CATEGORIES,
    DEFAULT_PHRASEBOOK,
    Phrasebook,
    PhrasebookError,
    load_phrasebook,
)
from deescalate.core.facts import LEVELS
from deescalate.tension.cues import AGENT_DETECTOR_CUES, DETECTOR_CUES, SCORE_ONLY_CUES

GLANCE_WORDS = 12
"""A suggestion longer than this takes more than a glance to read mid-call."""
REQUIRED = {"cues": ("phrases", "examples"), "responses": ("category", "text")}
"""What an item must have when its file defines it (a cue: either of the two)."""
SERVICE_TALK = Path(__file__).with_name("service_talk.txt")
"""Ordinary lines of calm service calls, written for the check of examples."""
BROAD_SHARE = 0.01
"""An example that comes close to more than this share of ordinary service talk is too
broad: it would make calm calls look tense."""


@dataclass(frozen=True)
class Finding:
    severity: str
    """`error` or `warning`."""
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.field}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Place:
    file: str
    line: int


class SourceMap:
    """Where each item and field was last set, across the files in order (overlays win)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Place] = {}
        self.fields: dict[tuple[str, str, str], Place] = {}
        self.top: dict[str, Place] = {}

    def item(self, section: str, item_id: str) -> Place:
        return self.items.get((section, item_id), Place("?", 1))

    def field(self, section: str, item_id: str, name: str) -> Place:
        return self.fields.get((section, item_id, name)) or self.item(section, item_id)


def check_files(paths: Sequence[Path], service_talk: bool = False) -> list[Finding]:
    """With `service_talk`, also run every cue's examples against ordinary service talk
    (needs the text model: the command line asks for it, the app's own check does not)."""
    findings: list[Finding] = []
    sources = SourceMap()
    raw: dict[Path, dict] = {}
    for path in paths:
        node = _compose(path, findings)
        if node is None:
            continue
        try:  # a tag such as !!python/object composes, but a phrasebook can't hold it
            raw[path] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            findings.append(_yaml_finding(path, exc))
            continue
        _index(path, node, sources, findings)
    if len(raw) < len(paths):
        return findings
    overlay = _overlay_without_base(paths[0], raw[paths[0]], sources)
    if overlay:
        return [*findings, overlay]
    try:
        book = load_phrasebook(paths)
    except PhrasebookError as exc:
        return [*findings, *(_schema_finding(p) for p in exc.problems or [_unparsed(exc)])]
    findings += check_book(book, sources)
    if service_talk:
        findings += broad_examples(book, sources)
    unknown = [f for f in findings if "is not a cue or a level" in f.message]
    if len(paths) == 1 and unknown:
        message = (
            "if this file is a team overlay, pass the base phrasebook first, then this "
            f"file (the default base is {DEFAULT_PHRASEBOOK})"
        )
        findings.append(Finding("warning", str(paths[0]), 1, "file", message))
    return findings


def load_checked(paths: Sequence[Path]) -> Phrasebook:
    """The phrasebook, only if `check_files` finds no error in it: what the app puts in
    force, so an edit that `phrasebook check` rejects never goes live. Raises
    PhrasebookError naming each error."""
    paths = [Path(p) for p in paths]
    errors = [f for f in check_files(paths) if f.severity == "error"]
    if errors:
        problems = [
            {"file": f.file, "line": f.line, "field": f.field, "message": f.message} for f in errors
        ]
        raise PhrasebookError("; ".join(str(f) for f in errors), problems)
    return load_phrasebook(paths)


def check_book(book: Phrasebook, sources: SourceMap) -> list[Finding]:
    findings: list[Finding] = []
    findings += _when_references(book, sources)
    findings += _shadowing(book, sources)
    findings += _never_fire(book, sources)
    findings += _waits_for_tension(book, sources)
    findings += _empty_categories(book, sources)
    findings += _long_phrases(book, sources)
    return findings


# --- reading the files -----------------------------------------------------------------


def _compose(path: Path, findings: list[Finding]) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        findings.append(Finding("error", str(path), 1, "file", f"cannot read it ({reason})"))
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        findings.append(_yaml_finding(path, exc))
        return None
    if not isinstance(node, yaml.MappingNode):
        message = "expected a mapping with `cues:` and `responses:`"
        findings.append(Finding("error", str(path), 1, "file", message))
        return None
    return node


def _yaml_finding(path: Path, exc: yaml.YAMLError) -> Finding:
    """Where the parser gave up, in plain words, and where what it was reading began (an
    unclosed bracket or quote is usually there)."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark else 1
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    context, begun = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    where = ""
    if context and begun is not None and begun.line + 1 != line:
        what = context.removeprefix("while ").replace("flow sequence", "[ ] list")
        what = what.replace("flow mapping", "{ } mapping").replace("quoted scalar", "quote")
        where = f"; {what} that began on line {begun.line + 1}"
    message = (
        f"not valid YAML: {problem}{where}. Check the brackets, quotes and indentation "
        "there (values with a colon need quotes)"
    )
    return Finding("error", str(path), line, "yaml", message)


def _index(path: Path, node: yaml.MappingNode, sources: SourceMap, findings: list) -> None:
    """Records where items and fields are, and reports ids used twice in one file (the
    second silently changes the first)."""
    for key, value in node.value:
        sources.top[key.value] = Place(str(path), key.start_mark.line + 1)
        if key.value not in ("cues", "responses") or not isinstance(value, yaml.SequenceNode):
            continue
        seen: dict[str, int] = {}
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            fields = {k.value: (k, v) for k, v in item.value if isinstance(k, yaml.ScalarNode)}
            if "id" not in fields:
                continue
            item_id = str(fields["id"][1].value)
            line = item.start_mark.line + 1
            if item_id in seen:
                findings.append(
                    Finding(
                        "error",
                        str(path),
                        line,
                        f"{key.value}[id={item_id}]",
                        f"duplicate id: also on line {seen[item_id]} of this file; "
                        "rename one (an overlay changes an id from an earlier file)",
                    )
                )
            seen.setdefault(item_id, line)
            sources.items[(key.value, item_id)] = Place(str(path), line)
            for name, (name_node, _) in fields.items():
                place = Place(str(path), name_node.start_mark.line + 1)
                sources.fields[(key.value, item_id, name)] = place
                if name == "add_phrases":  # what they add is blamed here, not on the base
                    sources.fields[(key.value, item_id, "phrases")] = place


def _overlay_without_base(first: Path, data: dict, sources: SourceMap) -> Finding | None:
    """A first file that changes items without defining them, or that defines no cues at
    all, is a team overlay given without its base."""
    data = data if isinstance(data, dict) else {}
    cues = data.get("cues")
    if isinstance(cues, list) and cues and all(_defines("cues", c) for c in cues):
        return None  # a base: a field missing from one of its responses is a schema error
    field, why, line = "cues", "it defines no cues", 1
    for section in REQUIRED:
        items = data.get(section)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and "id" in item and not _defines(section, item):
                field, why = f"{section}[id={item['id']}]", "it changes items it does not define"
                line = sources.item(section, str(item["id"])).line
                break
    return Finding(
        "error",
        str(first),
        line,
        field,
        f"this looks like a team overlay ({why}): pass the base phrasebook first, then "
        f"this file (the default base is {DEFAULT_PHRASEBOOK})",
    )


def _defines(section: str, item: object) -> bool:
    """Whether an item has what its section needs to be defined here, not changed."""
    if not isinstance(item, dict):
        return False
    if section == "cues":
        return any(f in item for f in REQUIRED["cues"])
    return all(f in item for f in REQUIRED[section])


def _schema_finding(problem: dict) -> Finding:
    return Finding("error", problem["file"], problem["line"], problem["field"], problem["message"])


def _unparsed(exc: PhrasebookError) -> dict:
    match = re.match(r"^(.*?):(\d+): (?:(\w+\[[^\]]*\]): )?(.*)$", str(exc))
    if match:
        field = match[3] or ""
        return {"file": match[1], "line": int(match[2]), "field": field, "message": match[4]}
    return {"file": "?", "line": 1, "field": "", "message": str(exc)}


# --- checks on the merged phrasebook ---------------------------------------------------


def _cues(book: Phrasebook, speaker: str | None = None, active: bool = True) -> list:
    cues = book.active_cues() if active else list(book.cues)
    return [c for c in cues if speaker is None or c.speaker == speaker]


def _known_names(book: Phrasebook) -> set[str]:
    names = {c.id for c in book.cues} | set(LEVELS)
    return names | {*DETECTOR_CUES, *AGENT_DETECTOR_CUES, *SCORE_ONLY_CUES}


def _when_references(book: Phrasebook, sources: SourceMap) -> list[Finding]:
    active = {c.id for c in _cues(book)}
    disabled = {c.id for c in book.cues} - active
    known = _known_names(book)
    findings = []
    for response in book.active_responses():
        place = sources.field("responses", response.id, "when")
        field = f"responses[id={response.id}].when"
        off = [ref for ref in response.when if ref in disabled]
        if off and len(off) == len(response.when):
            names = ", ".join(f"`{ref}`" for ref in off)
            message = f"names only disabled cues ({names}), so it never fires"
            findings.append(Finding("warning", place.file, place.line, field, message))
        for ref in response.when:
            if ref in known:
                continue
            close = difflib.get_close_matches(ref, sorted(known), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            message = f"`{ref}` is not a cue or a level{hint}, so it never matches"
            findings.append(Finding("error", place.file, place.line, field, message))
    return findings


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p.lower()) for p in phrases)
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])")


def _shadowing(book: Phrasebook, sources: SourceMap) -> list[Finding]:
    """A phrase of one cue that another cue's phrase also matches counts twice, every time."""
    findings = []
    cues = _cues(book)
    for cue in cues:
        for other in cues:
            if other is cue or other.speaker != cue.speaker or not other.phrases:
                continue
            pattern = _phrase_pattern(other.phrases)
            for phrase in cue.phrases:
                found = pattern.search(phrase.lower())
                if not found:
                    continue
                same = found.group(0) == phrase.lower()
                if same and cues.index(other) < cues.index(cue):
                    continue  # reported once, on the first of the two
                place = sources.field("cues", cue.id, "phrases")
                what = (
                    f'"{phrase}" is also a phrase of cue `{other.id}`'
                    if same
                    else f'"{phrase}" also matches cue `{other.id}` ("{found.group(0)}")'
                )
                message = f"{what}: both count every time it is heard; keep it in one cue"
                findings.append(
                    Finding(
                        "warning", place.file, place.line, f"cues[id={cue.id}].phrases", message
                    )
                )
    return findings


def _reachable(book: Phrasebook) -> dict[str, set[str]]:
    """For each category, the `when:` names the advisor can ask it for (see advisor.py)."""
    customer = {c.id for c in _cues(book, "customer")} | set(DETECTOR_CUES)
    agent = {c.id for c in _cues(book, "agent")} | set(AGENT_DETECTOR_CUES)
    unsafe = {c.id for c in _cues(book, "customer") if c.unsafe}
    soft = (customer | {"tense", "heated", "unsafe"}) - ABUSE
    return {
        **dict.fromkeys(SOFT_CATEGORIES, soft),
        "escalate": unsafe | {"unsafe", "heated", "threat_words"} | (SENIOR_REQUESTS & customer),
        "coaching": agent,
        "handover": SENIOR_REQUESTS & customer,
    }


def _never_fire(book: Phrasebook, sources: SourceMap) -> list[Finding]:
    findings = []
    reachable = _reachable(book)
    known = _known_names(book)
    heard = {c.id for c in _cues(book, "customer")} | set(DETECTOR_CUES)
    has_abuse = bool(ABUSE & heard)  # the text model hears abuse even with no listed cue
    steps: dict[int, str] = {}
    for response in book.active_responses():
        category = response.category
        when = set(response.when)
        field = f"responses[id={response.id}]"
        reason = None
        if category == "boundary":
            step = response.step
            if not step:
                reason = "a boundary response needs `step:` (which repeat of abuse it answers)"
            elif step in steps:
                reason = f"step {step} is also `{steps[step]}`; each step needs its own number"
            elif not has_abuse:
                reason = "no active `insult`, `profanity` or `harassment` cue triggers boundaries"
            steps.setdefault(step or 0, response.id)
        elif when - known:
            continue  # an unknown name: reported as an error already
        elif category in reachable and not when & reachable[category]:
            reason = _unreachable_reason(category, when)
        if reason:
            place = sources.field("responses", response.id, "when")
            message = f"can never fire: {reason}"
            findings.append(Finding("warning", place.file, place.line, field, message))
    return findings


CALM_MOMENTS = {"listening": LISTENING_MOMENTS, "next_steps": SENIOR_REQUESTS}
"""The only soft suggestions made while a call is calm: listening at a listening moment,
and the answer to a first supervisor request (see advisor.py)."""


def _waits_for_tension(book: Phrasebook, sources: SourceMap) -> list[Finding]:
    """A calming, listening, positive-language or next-steps response whose `when:` names
    only cues is suggested only once the call is tense: on a calm call the cue is heard
    and nothing comes, which surprises whoever wrote it for that cue."""
    findings = []
    cues = {c.id: c for c in _cues(book, "customer")}
    for response in book.active_responses():
        when = set(response.when)
        named = sorted(when & set(cues))
        if response.category not in SOFT_CATEGORIES or not named or when & set(LEVELS):
            continue
        if when & CALM_MOMENTS.get(response.category, set()):
            continue
        names = " or ".join(f"`{n}`" for n in named)
        message = (
            f"fires only once the call is tense: on a calm call {names} is heard and nothing "
            f"is suggested. Raise the cue's `weight` (about 30 makes a calm call tense on its "
            "own) if hearing it alone should bring this response"
        )
        place = sources.field("responses", response.id, "when")
        findings.append(
            Finding("warning", place.file, place.line, f"responses[id={response.id}]", message)
        )
    return findings


def _unreachable_reason(category: str, when: set[str]) -> str:
    if not when:
        return "`when:` is empty"
    if category == "coaching":
        return "coaching answers only agent cues; `when:` names none that is active"
    if category == "escalate":
        return "escalate answers only unsafe cues, `unsafe`, `heated` or `supervisor_demand`"
    if category == "handover":
        return "handover answers only a repeated `supervisor_demand` from the customer"
    if when <= {"calm"}:
        return "nothing is suggested while the call is calm"
    return f"none of {', '.join(sorted(when))} is an active customer cue or a tense level"


def _empty_categories(book: Phrasebook, sources: SourceMap) -> list[Finding]:
    used = {r.category for r in book.active_responses()}
    place = sources.top.get("responses") or Place("?", 1)
    return [
        Finding("warning", place.file, place.line, "responses", f"no responses in `{c}`")
        for c in CATEGORIES
        if c not in used
    ]


def _long_phrases(book: Phrasebook, sources: SourceMap) -> list[Finding]:
    findings = []
    for response in book.active_responses():
        text = response.text
        if _words(text) > GLANCE_WORDS:
            place = sources.field("responses", response.id, "text")
            findings.append(_too_long(place, f"responses[id={response.id}].text", text))
    place = sources.top.get("escalate_steps") or Place("?", 1)
    for index, step in enumerate(book.escalate_steps):
        if _words(step) > GLANCE_WORDS:
            findings.append(_too_long(place, f"escalate_steps[{index}]", step))
    return findings


def _too_long(place: Place, field: str, text: str) -> Finding:
    message = (
        f"{_words(text)} words take more than a glance to read; keep it to {GLANCE_WORDS} or fewer"
    )
    return Finding("warning", place.file, place.line, field, message)


def _words(text: str) -> int:
    return len(re.findall(r"[\w']+", text))


def service_lines() -> list[str]:
    lines = SERVICE_TALK.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def broad_examples(book: Phrasebook, sources: SourceMap) -> list[Finding]:
    """An example close to much of ordinary service talk would match calm calls."""
    from deescalate.tension.examples import ExampleIndex
    from deescalate.tension.text_model import shipped_model

    cues = [c for c in book.active_cues() if c.examples]
    if not cues:
        return []
    lines = service_lines()
    index = ExampleIndex(cues, shipped_model())
    matched: dict[tuple[str, str], list[str]] = {}
    for line in lines:
        for hit in index.closest_each(line):
            matched.setdefault((hit.cue.id, hit.example), []).append(line)
    findings = []
    for cue in cues:
        for number, example in enumerate(cue.examples):
            close = matched.get((cue.id, example), [])
            share = len(close) / len(lines)
            if share <= BROAD_SHARE:
                continue
            place = sources.field("cues", cue.id, "examples")
            message = (
                f"matches {share:.0%} of ordinary service talk (e.g. '{close[0]}'); make it "
                "more specific or raise closeness"
            )
            field = f"cues[id={cue.id}].examples[{number}]"
            findings.append(Finding("warning", place.file, place.line, field, message))
    return findings
