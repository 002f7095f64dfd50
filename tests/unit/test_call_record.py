"""A replay's record counts each piece of evidence once, and every separate one."""

from __future__ import annotations

from deescalate.advice.phrasebook import load_phrasebook
from deescalate.core.events import TranscriptEvent, Word
from deescalate.supervisor.replay import CallRecord, recording_analysis


def test_a_guess_confirmed_by_the_final_is_one_hit_and_two_vents_are_two():
    record = CallRecord()
    analysis = recording_analysis(load_phrasebook(), record)
    heard = (Word("kill", 2.6, 2.8, 1.0), Word("you", 2.8, 3.0, 1.0))
    analysis(TranscriptEvent(3.0, "customer", "kill you", True, 2.5, 3.0, True, heard))
    words = tuple(
        Word(w, 2.0 + 0.25 * i, 2.25 + 0.25 * i, 0.95)
        for i, w in enumerate(["i", "will", "kill", "you"])
    )
    analysis(TranscriptEvent(3.2, "customer", "i will kill you", True, 2.0, 3.2, words=words))
    long_turn = " ".join(["and another thing nobody ever rang me back"] * 4)
    for start in (10.0, 60.0):
        analysis(TranscriptEvent(start + 25, "customer", long_turn, True, start, start + 25))
    analysis.finish(90.0)

    cues = [h.cue for h in record.distinct_hits]
    assert cues.count("threat_violence") == 1
    assert cues.count("long_venting") == 2
    assert [e.kind for e in record.escalations] == ["threat"]
