"""Generated bad input (hypothesis) for the supervisor's commands: a broken phrasebook or
transcript gives a clear line naming the file and exit 2, never a traceback."""

from __future__ import annotations

import os
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deescalate.cli.main import main

YAML_BITS = st.sampled_from(
    [
        "cues:",
        "responses:",
        "  - id: x",
        "    phrases: [a",
        "    weight: -3",
        "  - {id: 1}",
        "when: [tense]",
        "  text: ''",
        "- - -",
        ": :",
        "[",
        "{",
        "'",
        "\t",
        "id: y",
        "locale: 5",
        "escalate_steps: 3",
        "    category: nope",
        "&a *a",
        "!!python/object:os.system",
    ]
)
TEXT = st.text(string.printable + "éü€\u2028", max_size=80)
LINES = st.lists(st.one_of(YAML_BITS, TEXT), max_size=8).map("\n".join)
RUN = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=bool(os.environ.get("CI")),  # CI repeats one set; a run here explores anew
)


@RUN
@given(text=LINES)
def test_any_broken_phrasebook_is_one_clear_line_per_problem_and_exit_2_or_0(
    capsys, tmp_path_factory, text
):
    path = tmp_path_factory.mktemp("book") / "team.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["phrasebook", "check", str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in out + err
    if code == 2:
        assert f"{path}:" in out and "error" in out


@RUN
@given(
    text=st.lists(
        st.one_of(TEXT, st.sampled_from(["customer: hi", "agent: ok", "[99:99]"])), max_size=6
    ).map("\n".join)
)
def test_any_transcript_replays_or_is_refused_in_one_line(capsys, tmp_path_factory, text):
    path = tmp_path_factory.mktemp("call") / "call.txt"
    path.write_text(text, encoding="utf-8")
    code = main(["replay", str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.count("\n") == 1 and str(path) in err


@RUN
@given(text=LINES)
def test_any_broken_phrasebook_given_to_replay_is_refused_in_one_line(
    capsys, tmp_path_factory, text
):
    folder = tmp_path_factory.mktemp("replay")
    (folder / "call.txt").write_text("customer: hello\n")
    (folder / "team.yaml").write_text(text, encoding="utf-8")
    code = main(["replay", str(folder / "call.txt"), "--phrasebook", str(folder / "team.yaml")])
    _, err = capsys.readouterr()
    assert code in (0, 2)
    if code == 2:
        assert err.count("\n") == 1 and "team.yaml" in err
