"""Plain `deescalate replay` ends with a summary a supervisor can read; `--explain` says why."""

from __future__ import annotations

import json

from deescalate.cli.main import main
from deescalate.demo.synth import Voice

CALL = """\
[00:02] customer: oh great, the app logged me out again
[00:08] agent: let me have a look
[00:30] customer: you are a useless clown and I am fed up
[00:36] agent: I understand
"""


def replay(capsys, tmp_path, *options: str) -> tuple[int, str]:
    path = tmp_path / "call.txt"
    path.write_text(CALL)
    code = main(["replay", str(path), *options])
    return code, capsys.readouterr().out


def section(out: str) -> list[str]:
    return out[out.index("\nSummary\n") :].splitlines()


def test_summary_has_peak_suggestions_cues_and_a_legend(capsys, tmp_path):
    code, out = replay(capsys, tmp_path)
    assert code == 0
    lines = section(out)
    peak = next(line for line in lines if line.startswith("  peak: "))
    assert peak.startswith("  peak: TENSE") or peak.startswith("  peak: HEATED")
    assert " at 00:3" in peak  # the insult came at about half a minute
    boundary = next(line for line in lines if "[boundary]" in line)
    assert boundary.lstrip().startswith("00:3") and "(why: abusive language" in boundary
    sarcasm = next(line for line in lines if line.lstrip().startswith("sarcasm"))
    assert "did not move the level" in sarcasm and '"oh great"' in sarcasm
    insult = next(line for line in lines if line.lstrip().startswith("insult"))
    assert "moved the level" in insult and "did not" not in insult
    assert "  escalations: none" in lines
    assert lines[-1].startswith("Legend: ==") and "!! escalate" in lines[-1]


def test_explain_shows_the_cues_and_words_behind_each_suggestion(capsys, tmp_path):
    _, out = replay(capsys, tmp_path, "--explain")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if ">> [boundary]" in line)
    heard, score = lines[at + 1], lines[at + 2]
    assert heard.strip().startswith("heard: insult") and '"useless"' in heard
    assert "frustration" in heard  # "fed up", in the same breath
    assert score.strip().startswith("score: ") and "insult" in score


def test_json_stream_has_no_summary(capsys, tmp_path):
    code, out = replay(capsys, tmp_path, "--json")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert {"transcript", "tension", "suggestion"} <= {e["type"] for e in events}


def test_recorded_call_gets_a_summary_too(capsys, say, write_wav):
    line = say("I want to talk to your supervisor", Voice("en-us+klatt", 150))
    code = main(["replay", str(write_wav("call.wav", line))])
    out = capsys.readouterr().out
    assert code == 0
    lines = section(out)
    assert any(entry.lstrip().startswith("supervisor_demand") for entry in lines), out


def test_explain_with_json_is_refused_in_one_line(capsys, tmp_path):
    path = tmp_path / "call.txt"
    path.write_text(CALL)
    assert main(["replay", str(path), "--json", "--explain"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "without --json" in err


def test_a_threat_escalates_at_once_after_its_words_and_is_shown_moving_the_level(tmp_path, capsys):
    call = tmp_path / "threat.txt"
    call.write_text(
        "[00:01] customer: my parcel is two weeks late\n"
        "[00:06] agent: I am sorry, let me check the tracking\n"
        "[00:09] customer: if it does not come I will hurt you\n"
    )
    assert main(["replay", str(call), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    said = next(i for i, e in enumerate(events) if "hurt you" in e.get("text", ""))
    escalate = next(i for i, e in enumerate(events) if e["type"] == "escalate")
    assert said < escalate, "the escalation came out before the words that caused it"
    assert events[escalate]["t"] == events[said]["t"], "the threat waited for the next tick"
    assert main(["replay", str(call)]) == 0
    summary = capsys.readouterr().out.split("Summary", 1)[1]
    assert "threat_violence ×1" in summary
    line = next(x for x in summary.splitlines() if "threat_violence" in x)
    assert "moved the level" in line and "did not" not in line


def test_the_summary_credits_the_cue_whose_points_took_the_call_to_tense(capsys, tmp_path):
    """The angry words of the second line (the text model's points) were needed for the
    change; "nobody" (6 points) came with the change but the call would have turned tense
    without it."""
    path = tmp_path / "repeat.txt"
    path.write_text(
        "[00:01] customer: I have already told you, this is the third time I've called\n"
        "[00:07] agent: let me check that for you\n"
        "[00:10] customer: nobody there is any good, this is terrible, awful and bad service\n"
        "[00:16] agent: I understand\n"
    )
    assert main(["replay", str(path)]) == 0
    lines = section(capsys.readouterr().out)
    levels = next(line for line in lines if line.startswith("  levels: "))
    assert levels.startswith("  levels: calm → tense at 00:1")
    rise = levels.split(" at ")[-1]
    angry = next(line for line in lines if line.lstrip().startswith("negative_words"))
    assert f"moved the level (to tense at {rise})" in angry and "awful" in angry
    absolute = next(line for line in lines if line.lstrip().startswith("absolute"))
    assert "did not move the level" in absolute
