"""Cues by example: a team overlay's `examples:`, heard in replays, explained, and checked
by `deescalate phrasebook check`, on real files written here."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK, load_phrasebook
from deescalate.cli.main import main
from deescalate.supervisor.replay import replay_call

OVERLAY = """\
cues:
  - id: leaving
    weight: 30
    examples: ["I am cancelling my account and moving to one of your competitors",
               "I will take my business elsewhere"]
responses:
  - id: keep_them
    category: calming
    when: [leaving]
    text: "Ask what would make them stay."
"""
CALL = """\
customer: hello, can you tell me when my next bill is due
agent: of course, one moment
customer: right, that is it, we will take our business somewhere else
agent: I understand
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def overlay(tmp_path) -> Path:
    return write(tmp_path, "team.yaml", OVERLAY)


def test_an_overlay_cue_by_example_hears_a_paraphrase_and_not_a_calm_line(tmp_path, overlay):
    call = write(tmp_path, "call.txt", CALL)
    record = replay_call(call, load_phrasebook([DEFAULT_PHRASEBOOK, overlay]))
    heard = [h for h in record.hits if h.cue == "leaving"]
    assert [h.words for h in heard] == ["we will take our business somewhere else"]
    assert heard[0].example == "I will take my business elsewhere"
    assert heard[0].points == 30


def test_without_the_overlay_the_paraphrase_is_no_cue(tmp_path):
    call = write(tmp_path, "call.txt", CALL)
    record = replay_call(call, load_phrasebook([DEFAULT_PHRASEBOOK]))
    assert not [h for h in record.hits if h.cue == "leaving"]


def test_a_denied_paraphrase_is_no_cue(tmp_path, overlay):
    call = write(tmp_path, "call.txt", "customer: I am not taking my business elsewhere\n")
    record = replay_call(call, load_phrasebook([DEFAULT_PHRASEBOOK, overlay]))
    assert not [h for h in record.hits if h.cue == "leaving"]


def test_the_agent_saying_the_example_is_no_customer_cue(tmp_path, overlay):
    call = write(tmp_path, "call.txt", "agent: some people take their business elsewhere\n")
    record = replay_call(call, load_phrasebook([DEFAULT_PHRASEBOOK, overlay]))
    assert not [h for h in record.hits if h.cue == "leaving"]


def test_explain_names_the_example_and_how_close(tmp_path, overlay, capsys):
    call = write(tmp_path, "call.txt", CALL)
    argv = ["replay", str(call), "--phrasebook", str(DEFAULT_PHRASEBOOK)]
    code = main([*argv, "--phrasebook", str(overlay), "--explain"])
    out = capsys.readouterr().out
    assert code == 0
    found = re.search(
        r'leaving "we will take our business somewhere else" '
        r"by example: 'I will take my business elsewhere' (\d\.\d\d) \(customer",
        out,
    )
    assert found, out
    assert 0.5 <= float(found[1]) < 1.0
    assert "Ask what would make them stay." in out


def check(capsys, *paths: Path) -> tuple[int, str]:
    code = main(["phrasebook", "check", *map(str, paths)])
    out, err = capsys.readouterr()
    return code, out + err


def test_check_warns_on_a_broad_example_and_not_on_a_specific_one(tmp_path, capsys):
    broad = write(
        tmp_path,
        "team.yaml",
        """\
        cues:
          - id: account_trouble
            weight: 10
            examples: ["i have a question about my account",
                       "I am cancelling my account and moving to one of your competitors"]
        """,
    )
    code, out = check(capsys, DEFAULT_PHRASEBOOK, broad)
    assert code == 0
    warned = [line for line in out.splitlines() if "account_trouble].examples" in line]
    assert len(warned) == 1, out
    found = re.search(
        r"team.yaml:\d+: warning: cues\[id=account_trouble\]\.examples\[0\]: matches (\d+)% of "
        r"ordinary service talk \(e\.g\. '([^']+)'\); make it more specific or raise closeness",
        warned[0],
    )
    assert found, warned[0]
    assert int(found[1]) >= 1
    assert "question about my" in found[2]


def test_raising_closeness_silences_the_warning(tmp_path, capsys):
    strict = write(
        tmp_path,
        "team.yaml",
        """\
        cues:
          - id: account_trouble
            closeness: 0.95
            examples: ["i have a question about my account"]
        """,
    )
    code, out = check(capsys, DEFAULT_PHRASEBOOK, strict)
    assert code == 0
    assert "ordinary service talk" not in out


@pytest.mark.parametrize(
    ("field", "value", "fix"),
    [
        ("examples", '"put me through to your boss"', "must be a list of sentences in quotes"),
        ("examples", "[1, 2]", "must be a list of sentences in quotes"),
        ("examples", "[{a: b}]", "must be a list of sentences in quotes"),
        ("closeness", "1.5", "must be a number from 0 to 1"),
        ("closeness", "-0.2", "must be a number from 0 to 1"),
        ("closeness", "close", "must be a number from 0 to 1"),
    ],
)
def test_a_bad_examples_or_closeness_value_is_one_clear_line(tmp_path, capsys, field, value, fix):
    bad = write(
        tmp_path,
        "team.yaml",
        f"""\
        cues:
          - id: leaving
            phrases: ["take my business elsewhere"]
            {field}: {value}
        """,
    )
    code, out = check(capsys, DEFAULT_PHRASEBOOK, bad)
    errors = [line for line in out.splitlines() if ": error: " in line]
    assert code == 2
    assert len(errors) == 1, out
    assert errors[0].startswith(f"{bad}:4: error: cues[id=leaving].{field}: ")
    assert fix in errors[0]
    assert "Traceback" not in out


def test_a_cue_with_neither_phrases_nor_examples_says_what_to_add(tmp_path, capsys):
    bad = write(tmp_path, "team.yaml", "cues:\n  - id: leaving\n    weight: 10\n")
    code, out = check(capsys, DEFAULT_PHRASEBOOK, bad)
    errors = [line for line in out.splitlines() if ": error: " in line]
    assert code == 2
    assert errors == [
        f"{bad}:2: error: cues[id=leaving].phrases: a cue needs `phrases:` or `examples:` "
        "(or both): add what the caller says"
    ]
