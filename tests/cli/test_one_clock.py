"""Replay, review and expectations give a line, and a cue heard in it, the same time: when
the line starts, as the transcript's own `[mm:ss]` stamps say."""

from __future__ import annotations

import re

from deescalate.cli.main import main

CALL = """\
[00:02] customer: hello, I'm calling about my internet connection
[00:06] agent: sure, let me pull up your account
[00:12] customer: this is ridiculous, it has been down for days
[00:20] agent: I'm sorry, let me check
"""


def test_a_line_and_its_cue_have_the_same_time_in_replay_review_and_expectations(capsys, tmp_path):
    call = tmp_path / "outage.txt"
    call.write_text(CALL)
    assert main(["replay", str(call)]) == 0
    replay = capsys.readouterr().out
    assert "[00:12.0] customer this is ridiculous" in replay
    frustration = next(line for line in replay.splitlines() if "frustration ×" in line)
    assert "at 00:12.0" in frustration

    out = tmp_path / "report"
    assert main(["review", str(call), "--out", str(out)]) == 0
    page = (out / "001-outage.html").read_text()
    assert re.search(r'<td class="t">00:12\.0</td><td class="who">customer</td>', page)
    assert re.search(r"<td>frustration</td><td>1</td><td class=\"t\">00:12\.0</td>", page)

    spec = tmp_path / "expect.yaml"
    spec.write_text(
        "calls:\n  - call: outage.txt\n"
        "    expect: [cue frustration by 0:12, cue frustration by 0:11]\n"
    )
    capsys.readouterr()
    assert main(["phrasebook", "test", str(spec)]) == 1
    results = capsys.readouterr().out.splitlines()
    assert results[0].startswith("PASS") and "at 00:12.0" in results[0]
    assert results[1].startswith("FAIL") and "too late" in results[1] and "00:12.0" in results[1]
