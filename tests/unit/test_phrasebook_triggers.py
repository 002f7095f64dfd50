import pytest

from app.advice.phrasebook import DEFAULT_PHRASEBOOK, PhrasebookError, spot_phrases


def test_default_phrasebook_gives_spotting_phrases_without_repeats():
    phrases = spot_phrases([DEFAULT_PHRASEBOOK])
    assert "supervisor" in phrases
    assert "already told you" not in phrases  # not marked for spotting
    assert len(phrases) == len(set(phrases))


def test_overlay_adds_phrases(tmp_path):
    overlay = tmp_path / "team.yaml"
    overlay.write_text("cues:\n  - id: refund\n    spot: true\n    phrases: [Refund]\n")
    assert spot_phrases([DEFAULT_PHRASEBOOK, overlay])[-1] == "refund"


def test_broken_yaml_names_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cues: [\n")
    with pytest.raises(PhrasebookError, match=r"bad\.yaml: not valid YAML"):
        spot_phrases([bad])
