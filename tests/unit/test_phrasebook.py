import pytest

from deescalate.advice.phrasebook import (
    CATEGORIES,
    DEFAULT_PHRASEBOOK,
    MAX_TEXT,
    PhrasebookError,
    load_phrasebook,
)
from deescalate.tension.cues import AGENT_DETECTOR_CUES, DETECTOR_CUES


def test_default_phrasebook_covers_every_category_with_glanceable_text():
    book = load_phrasebook()
    assert {r.category for r in book.active_responses()} == set(CATEGORIES)
    assert all(len(r.text) <= MAX_TEXT for r in book.responses)
    steps = sorted(r.step for r in book.responses if r.category == "boundary")
    assert steps == [1, 2, 3]
    cue_ids = {c.id for c in book.cues}
    levels = {"calm", "tense", "heated", "unsafe"}
    for response in book.responses:
        known = cue_ids | set(DETECTOR_CUES) | set(AGENT_DETECTOR_CUES) | levels
        assert set(response.when) <= known, response.id


def test_overlay_overrides_disables_and_adds_by_id(tmp_path):
    overlay = tmp_path / "team.yaml"
    overlay.write_text(
        "cues:\n"
        "  - {id: profanity, disabled: true}\n"
        "  - {id: refund_demand, weight: 10, phrases: [refund]}\n"
        "responses:\n"
        "  - {id: calm_slow_down, text: Breathe. Slow down.}\n"
    )
    book = load_phrasebook([DEFAULT_PHRASEBOOK, overlay])
    active = {c.id for c in book.active_cues()}
    assert "profanity" not in active and "refund_demand" in active
    slow = next(r for r in book.responses if r.id == "calm_slow_down")
    assert slow.text == "Breathe. Slow down." and slow.category == "calming"


def test_add_phrases_in_an_overlay_keeps_the_base_phrases(tmp_path):
    overlay = tmp_path / "team.yaml"
    overlay.write_text("cues:\n  - {id: harassment, add_phrases: ['(kiss|date) me sweetheart']}\n")
    base = load_phrasebook()
    book = load_phrasebook([DEFAULT_PHRASEBOOK, overlay])
    before = next(c for c in base.cues if c.id == "harassment").phrases
    after = next(c for c in book.cues if c.id == "harassment").phrases
    assert after == [*before, "(kiss|date) me sweetheart"]
    overlay.write_text("cues:\n  - {id: harassment, phrases: [a], add_phrases: [b]}\n")
    with pytest.raises(PhrasebookError, match=r"team\.yaml:2: .*not beside `phrases`"):
        load_phrasebook([DEFAULT_PHRASEBOOK, overlay])
    # A misspelt id would otherwise make a new, weaker cue of its own without a word.
    overlay.write_text("cues:\n  - {id: harasment, add_phrases: [kiss me]}\n")
    with pytest.raises(PhrasebookError, match=r"no `harasment` to add phrases to .*`harassment`"):
        load_phrasebook([DEFAULT_PHRASEBOOK, overlay])


def test_schema_errors_name_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cues:\n  - id: x\n    phrases: []\n    weight: 500\n")
    with pytest.raises(PhrasebookError) as err:
        load_phrasebook([bad])
    message = str(err.value)
    assert "bad.yaml:3: cues[id=x].phrases" in message
    assert "bad.yaml:4: cues[id=x].weight" in message


def test_unknown_field_and_missing_id_are_reported(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "responses:\n  - id: a\n    category: calming\n    text: hello there\n    colour: red\n"
    )
    with pytest.raises(PhrasebookError, match=r"bad\.yaml:5: .*colour"):
        load_phrasebook([bad])
    bad.write_text("cues:\n  - phrases: [x]\n")
    with pytest.raises(PhrasebookError, match="needs an `id`"):
        load_phrasebook([bad])


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [
        ("send me (nude (pics|photos)|nudes)", "brackets inside brackets"),
        ("wait) for (ages", "unbalanced brackets"),
        ("(waiting|waited", "unbalanced brackets"),
    ],
)
def test_a_phrase_whose_brackets_cannot_be_read_is_refused(tmp_path, phrase, problem):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f'cues:\n  - id: x\n    phrases: ["{phrase}"]\n')
    with pytest.raises(PhrasebookError, match=rf"bad\.yaml:3: .*{problem}"):
        load_phrasebook([bad])


def test_yaml_syntax_error_has_a_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cues:\n  - id: a\n    phrases: [x\n")
    with pytest.raises(PhrasebookError, match=r"bad\.yaml:\d+: not valid YAML"):
        load_phrasebook([bad])


def test_spot_phrases_come_from_cues_marked_for_spotting_without_repeats():
    phrases = load_phrasebook().spot_phrases()
    assert "talk to your supervisor" in phrases  # a phrase's choices, spelt out
    assert "supervisor" not in phrases  # the word alone is no request
    assert "already told you" not in phrases  # not marked for spotting
    assert len(phrases) == len(set(phrases))
