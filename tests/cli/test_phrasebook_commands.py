"""`deescalate phrasebook check` and `phrasebook test` on real files written here."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from deescalate.cli.main import main
from deescalate.demo.synth import Voice
from tests.support.phrasebooks import BASE


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def check(capsys, *paths: Path, as_json: bool = False) -> tuple[int, str]:
    code = main(["phrasebook", "check", *map(str, paths), *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture
def base(tmp_path) -> Path:
    return write(tmp_path, "base.yaml", BASE)


def test_clean_base_passes(capsys, base):
    code, out = check(capsys, base)
    assert code == 0
    assert out.strip().endswith(f"0 error(s), 0 warning(s) in {base}")


def test_typo_in_overlay_is_blamed_on_the_overlay_line(capsys, base, tmp_path):
    team = write(
        tmp_path,
        "team.yaml",
        """\
        cues:
          - id: insult
            weight: 500
        """,
    )
    code, out = check(capsys, base, team)
    assert code == 2
    assert f"{team}:3: error: cues[id=insult].weight" in out
    assert f"{base}:" not in out


def test_misspelt_when_reference_is_an_error_with_a_suggestion(capsys, base, tmp_path):
    team = write(
        tmp_path,
        "team.yaml",
        """\
        responses:
          - id: refund_now
            category: next_steps
            when: [money_angr]
            text: "I'll start the refund now."
        """,
    )
    code, out = check(capsys, base, team)
    assert code == 2
    assert f"{team}:4: error: responses[id=refund_now].when" in out
    assert "`money_angr` is not a cue or a level (did you mean `money_anger`?)" in out


def test_duplicate_id_in_one_file_names_both_lines(capsys, base, tmp_path):
    team = write(
        tmp_path,
        "team.yaml",
        """\
        cues:
          - {id: late_bill, phrases: [late fee]}
          - {id: other, phrases: [reminder]}
          - {id: late_bill, weight: 3}
        """,
    )
    code, out = check(capsys, base, team)
    assert code == 2
    assert f"{team}:4: error: cues[id=late_bill]: duplicate id: also on line 2" in out


def test_warnings_alone_exit_zero_and_are_listed(capsys, base, tmp_path):
    team = write(
        tmp_path,
        "team.yaml",
        """\
        cues:
          - {id: fee_rage, phrases: ["you overcharged me again"]}
        responses:
          - {id: coach_money, category: coaching, when: [money_anger], text: "Name the charge."}
          - {id: stay_polite, category: boundary, when: [insult], text: "Please, no names."}
          - {id: on_calm, category: calming, when: [calm], text: "Smile while you talk."}
          - {id: wordy, category: listening, when: [tense],
             text: "I completely understand how you feel and I will do everything I can today."}
          - {id: step_out, disabled: true}
        """,
    )
    code, out = check(capsys, base, team)
    assert code == 0, out
    lines = out.splitlines()

    def finding(fragment: str) -> str:
        found = [line for line in lines if fragment in line]
        assert len(found) == 1, (fragment, out)
        return found[0]

    shadow = finding("cues[id=fee_rage].phrases")
    assert f"{team}:2: warning" in shadow and "money_anger" in shadow
    assert "can never fire" in finding("responses[id=coach_money]")
    assert "needs `step:`" in finding("responses[id=stay_polite]")
    assert "calm" in finding("responses[id=on_calm]:")
    assert "14 words" in finding("responses[id=wordy].text")
    assert "no responses in `escalate`" in finding("`escalate`")
    assert lines[-1].endswith("0 error(s), 6 warning(s) in " + f"{base}, {team}")


def test_a_disabled_cue_is_warned_about_only_where_nothing_else_can_fire(capsys, base, tmp_path):
    team = write(tmp_path, "team.yaml", "cues:\n  - {id: money_anger, disabled: true}\n")
    code, out = check(capsys, base, team)
    assert code == 0, out
    # `hear_them` and `plan` also answer `tense`: disabling money_anger leaves them working.
    assert "hear_them" not in out and "plan" not in out
    team.write_text("cues:\n  - {id: insult, disabled: true}\n", encoding="utf-8")
    code, out = check(capsys, base, team)
    warned = [line for line in out.splitlines() if "responses[id=no_names].when" in line]
    assert len(warned) == 1 and "names only disabled cues (`insult`)" in warned[0], out


def test_disabling_a_misspelt_cue_is_an_error_with_a_suggestion(capsys, base, tmp_path):
    team = write(tmp_path, "team.yaml", "cues:\n  - {id: money_angr, disabled: true}\n")
    code, out = check(capsys, base, team)
    assert code != 0
    assert f"{team}:2: error: cues[0]: there is no `money_angr` to disable" in out
    assert "did you mean `money_anger`?" in out


def test_overlay_alone_is_told_to_pass_the_base_first(capsys, tmp_path):
    team = write(tmp_path, "team.yaml", "cues:\n  - {id: insult, weight: 5}\n")
    code, out = check(capsys, team)
    assert code == 2
    assert "looks like a team overlay" in out and "pass the base phrasebook first" in out
    replies = write(
        tmp_path,
        "replies.yaml",
        "responses:\n  - {id: ok_then, category: calming, when: [tense], text: Slow down.}\n",
    )
    code, out = check(capsys, replies)
    assert code == 2 and "it defines no cues): pass the base phrasebook first" in out
    standalone = write(
        tmp_path,
        "own.yaml",
        """\
        cues:
          - {id: fee_rage, phrases: [late fee]}
        responses:
          - {id: fee_plan, category: next_steps, when: [fee_rage, money_anger], text: Go on.}
        """,
    )
    code, out = check(capsys, standalone)
    assert code == 2 and "`money_anger` is not a cue or a level" in out
    assert "if this file is a team overlay, pass the base phrasebook first" in out


def test_broken_yaml_names_file_and_line(capsys, base, tmp_path):
    team = write(tmp_path, "team.yaml", "cues:\n  - {id: x, phrases: [a, b}\n")
    code, out = check(capsys, base, team)
    assert code == 2
    assert f"{team}:2: error: yaml: not valid YAML" in out


def test_json_output_for_ci(capsys, base, tmp_path):
    team = write(
        tmp_path,
        "team.yaml",
        "responses:\n  - {id: x_y, category: calming, when: [hevated], text: Breathe out.}\n",
    )
    code, out = check(capsys, base, team, as_json=True)
    report = json.loads(out)
    assert code == 2 and report["ok"] is False
    assert report["files"] == [str(base), str(team)]
    [error] = report["errors"]
    assert error["file"] == str(team) and error["line"] == 2
    assert "did you mean `heated`" in error["message"]


# --- phrasebook test -------------------------------------------------------------------

RUDE_CALL = """\
[00:01] customer: where is my money, you people overcharged me
[00:06] agent: let me check that for you
[00:12] customer: oh shut up you dimwit
[00:20] agent: I can see the charge here
"""


def expectations(tmp_path: Path, *expect: str, book: str = "base.yaml") -> Path:
    write(tmp_path, "rude.txt", RUDE_CALL)
    lines = "\n".join(f"      - {e}" for e in expect)
    text = f"phrasebook: [{book}]\ncalls:\n  - call: rude.txt\n    expect:\n{lines}\n"
    return write(tmp_path, "expect.yaml", text)


def test_expectations_pass_and_fail_like_unit_tests(capsys, base, tmp_path):
    spec = expectations(
        tmp_path,
        "boundary by 0:20",
        "boundary by 0:05",
        "never escalate",
        "cue money_anger by 0:06",
        "response plan",
        "heated",
    )
    code = main(["phrasebook", "test", str(spec)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("PASS  rude.txt: boundary by 0:20  (no_names at 00:1")
    assert out[1].startswith("FAIL  rude.txt: boundary by 0:05  (too late: no_names at")
    assert out[2].startswith("PASS  rude.txt: never escalate")
    assert out[3].startswith("PASS  rude.txt: cue money_anger by 0:06")
    assert out[4].startswith("FAIL  rude.txt: response plan  (never happened")
    assert out[5].startswith("FAIL  rude.txt: heated  (never happened; the peak was tense")
    assert f"[{spec}:6]" in out[1]
    assert out[-1] == "3 passed, 3 failed, 1 call(s)"


def test_unreadable_expectation_is_one_line_naming_the_line(capsys, base, tmp_path):
    spec = expectations(tmp_path, "boundary by 0:20", "boundery by 0:20")
    assert main(["phrasebook", "test", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{spec}:6" in err and "did you mean `boundary`" in err


def test_expectation_naming_a_missing_response_says_so(capsys, base, tmp_path):
    spec = expectations(tmp_path, "response plann")
    assert main(["phrasebook", "test", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "no response `plann` (did you mean `plan`?)" in err


def test_an_expected_cue_the_overlay_disabled_says_it_is_disabled(capsys, base, tmp_path):
    write(tmp_path, "team.yaml", "cues:\n  - {id: insult, disabled: true}\n")
    spec = expectations(tmp_path, "cue insult by 0:15", book="base.yaml, team.yaml")
    assert main(["phrasebook", "test", str(spec)]) == 1
    out = capsys.readouterr().out
    assert "never happened: it is disabled in this phrasebook" in out


def test_expectations_on_a_recorded_call(capsys, base, tmp_path, say, write_wav):
    audio = say("I want to speak to your supervisor right now", Voice("en-us", 140))
    write_wav("demand.wav", audio)
    spec = write(
        tmp_path,
        "expect.yaml",
        """\
        calls:
          - call: demand.wav
            expect: [cue supervisor_demand by 0:05, never escalate]
        """,
    )
    code = main(["phrasebook", "test", str(spec)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 passed, 0 failed" in out


def test_shipped_example_overlay_and_expectations_pass(capsys):
    examples = Path(__file__).resolve().parents[2] / "phrasebook" / "examples"
    default = examples.parent / "default.yaml"
    assert check(capsys, default, examples / "team-billing.yaml")[0] == 0
    assert main(["phrasebook", "test", str(examples / "expectations.yaml")]) == 0


def test_expectation_results_as_json(capsys, base, tmp_path):
    spec = expectations(tmp_path, "never escalate", "heated by 0:30")
    assert main(["phrasebook", "test", str(spec), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["passed"], report["failed"]) == (1, 1)
    failing = report["results"][1]
    assert failing["expectation"] == "heated by 0:30" and failing["line"] == 6
    assert failing["passed"] is False and failing["detail"].startswith("never happened")


def test_a_response_that_waits_for_a_tense_call_is_warned_about(capsys, base, tmp_path):
    team = write(
        tmp_path,
        "team.yaml",
        """\
        cues:
          - {id: refund_ask, weight: 10, phrases: [refund]}
        responses:
          - {id: open_bills, category: next_steps, when: [refund_ask], text: "Open the bills."}
        """,
    )
    call = write(
        tmp_path,
        "calm.txt",
        """\
        agent: thanks for calling, how can I help
        customer: hello, I would like a refund for last month please
        agent: sure, let me look
        """,
    )
    code = main(["replay", str(call), "--phrasebook", str(base), "--phrasebook", str(team)])
    replay = capsys.readouterr().out
    assert code == 0 and "refund_ask ×1" in replay and "suggestions: none" in replay
    code, out = check(capsys, base, team)
    assert code == 0
    assert f"{team}:4: warning: responses[id=open_bills]: fires only once the call is tense" in out
    assert "on a calm call `refund_ask` is heard and nothing is suggested" in out


def test_check_names_misspelt_keys_missing_fields_and_bases_in_plain_words(capsys, tmp_path):
    base = write(
        tmp_path,
        "base.yaml",
        """\
        cues:
          - id: insult
            wieght: 5
            phrases: [idiot]

        respones:
          - id: slow
            category: calming
        """,
    )
    code, out = check(capsys, base)
    assert code == 2
    assert (
        f"{base}:3: error: cues[id=insult].wieght: `wieght` is not a phrasebook field "
        "(did you mean `weight`?)" in out
    )
    assert (
        f"{base}:6: error: respones: `respones` is not a phrasebook field "
        "(did you mean `responses`?)" in out
    )
    assert "Extra inputs" not in out and "looks like a team overlay" not in out
    team = write(tmp_path, "team.yaml", "responses:\n  - id: a\n    when: [tense]\n")
    code, out = check(capsys, team)
    assert code == 2 and f"{team}:2: error: responses[id=a]: this looks like a team overlay" in out
    broken = write(tmp_path, "broken.yaml", "cues:\n  - id: x\n    phrases: [a, b\n  - id: y\n")
    code, out = check(capsys, broken)
    assert code == 2 and "[ ] list that began on line 3" in out
