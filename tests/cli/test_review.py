"""`deescalate review`: static HTML reports from real transcripts, opened in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deescalate.cli.main import main
from tests.conftest import ARTIFACTS

THREAT_CALL = """\
[00:02] customer: my order never arrived and nobody answers the emails
[00:09] agent: I'm sorry, let me look into that
[00:15] customer: this is unacceptable, you are all useless
[00:24] agent: I can see the order here
[00:31] customer: listen to me carefully, I will find you
[00:38] agent: I'm going to pause the call for a moment
"""
CALM_CALL = """\
[00:01] customer: hi, I'd like to update my postal address
[00:05] agent: sure, what is the new address?
[00:09] customer: twelve park lane, thanks a lot
"""
TEAM = """\
cues:
  - {id: insult, disabled: true}
"""


@pytest.fixture
def calls(tmp_path) -> Path:
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "threat.txt").write_text(THREAT_CALL)
    (folder / "address.txt").write_text(CALM_CALL)
    (folder / "notes.md").write_text("not a call")
    return folder


def review(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["review", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_per_call_and_index_from_disk_only(capsys, calls, tmp_path):
    out_dir = tmp_path / "report"
    code, out, _ = review(capsys, str(calls), "--out", str(out_dir))
    assert code == 0
    assert out.strip() == f"2 call(s) reviewed: {out_dir / 'index.html'}"
    index = (out_dir / "index.html").read_text()
    pages = re.findall(r'href="([^"]+\.html)"', index)
    assert sorted(pages) == ["001-address.html", "002-threat.html"]
    assert index.index("threat.txt") < index.index("address.txt")  # worst call first
    threat = (out_dir / "002-threat.html").read_text()
    assert "<svg" in threat and "ESCALATE" in threat
    assert re.search(
        r'<mark class="unsafe" title="threat_violence \+100">I will find you</mark>',
        threat,
        re.IGNORECASE,
    )
    assert '<mark title="insult +25">useless</mark>' in threat
    for html in (index, threat):
        # Nothing fetched from anywhere: no scripts, no external links, styles, fonts or images.
        assert "<script" not in html and "src=" not in html and "url(" not in html
        assert not re.search(r'href="(?!\d{3}-|index\.html)', html)


def test_compare_shows_what_fires_differently(capsys, calls, tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text(TEAM)
    default = Path(__file__).resolve().parents[2] / "phrasebook" / "default.yaml"
    out_dir = tmp_path / "report"
    code, _, _ = review(
        capsys,
        str(calls / "threat.txt"),
        "--compare",
        str(default),
        str(team),
        "--out",
        str(out_dir),
    )
    assert code == 0
    page = (out_dir / "001-threat.html").read_text()
    changes = re.search(r'<ul class="diff">(.*?)</ul>', page, re.S)
    assert changes, page
    assert "no longer suggested" in changes[1] or "peak" in changes[1]
    assert "B (dashed line) = default.yaml + team.yaml" in page


def test_a_broken_call_is_listed_and_the_rest_still_reviewed(capsys, calls, tmp_path):
    (calls / "broken.txt").write_text("customer: hello\nthe caller said something\n")
    out_dir = tmp_path / "report"
    code, out, err = review(capsys, str(calls), "--out", str(out_dir))
    assert code == 2
    assert "2 call(s) reviewed" in out
    assert "not reviewed:" in err and "broken.txt:2" in err
    assert "broken.txt:2" in (out_dir / "index.html").read_text()


def test_unwritable_output_folder_is_one_line(capsys, calls, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = review(capsys, str(calls), "--out", str(blocker / "report"))
    assert code == 2
    assert err.count("\n") == 1 and "choose another --out" in err


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_report_renders_in_headless_chromium(capsys, calls, tmp_path):
    from PySide6.QtGui import QColor, QImage

    out_dir = tmp_path / "report"
    review(capsys, str(calls), "--out", str(out_dir))
    shot = ARTIFACTS / "review_threat_call.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1100,900",
            f"--screenshot={shot}",
            (out_dir / "002-threat.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = QImage(str(shot))
    assert image.width() == 1100 and image.height() == 900

    def pixels_near(hex_colour: str) -> int:
        want = QColor(hex_colour)
        count = 0
        for y in range(0, image.height(), 2):
            for x in range(0, image.width(), 2):
                c = image.pixelColor(x, y)
                close = abs(c.red() - want.red()) + abs(c.green() - want.green())
                if close + abs(c.blue() - want.blue()) < 30:
                    count += 1
        return count

    # The level strip shows tense (orange) and unsafe (pink); the escalation is red.
    assert pixels_near("#E69F00") > 200
    assert pixels_near("#CC79A7") > 200
    assert pixels_near("#CC0000") > 20


def test_recorded_call_is_reviewed_through_speech_recognition(capsys, tmp_path, say, write_wav):
    from deescalate.demo.synth import Voice

    wav = write_wav(
        "demand.wav", say("I want to talk to your supervisor", Voice("en-us+klatt", 150))
    )
    out_dir = tmp_path / "report"
    code, _, _ = review(capsys, str(wav), "--out", str(out_dir))
    assert code == 0
    page = (out_dir / "001-demand.html").read_text()
    assert re.search(
        r'<mark title="supervisor_demand \+15">talk to your supervisor</mark>', page
    ), page


def test_what_a_caller_says_reaches_the_pages_only_as_text(capsys, tmp_path):
    """Words from a call (here, markup a recogniser could never produce but a typed
    transcript can hold) are shown as text: nothing in them becomes part of the page."""
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / 'bad"<name>.txt').write_text(
        "customer: <script>alert('x')</script> you idiot\n"
        'customer: "><img src=x onerror=alert(1)> this is ridiculous\n'
        "agent: I hear you & I'm sorry\n"
    )
    team = tmp_path / "team<b>.yaml"
    team.write_text(TEAM)
    out_dir = tmp_path / "report"
    default = Path(__file__).resolve().parents[2] / "phrasebook" / "default.yaml"
    code, _, _ = review(
        capsys, str(calls), "--compare", str(default), str(team), "--out", str(out_dir)
    )
    assert code == 0
    for page in out_dir.glob("*.html"):
        html = page.read_text()
        assert "<script" not in html and "<img" not in html and "<b>" not in html, page.name
    page = next(p for p in out_dir.glob("*.html") if p.name != "index.html").read_text()
    assert "&lt;script&gt;alert(" in page and "&lt;img src=x" in page
    assert "I hear you &amp; I&#39;m sorry" in page


REFUND_CALL = """\
[00:01] customer: I want a refund, I was charged twice this month
[00:08] agent: let me look at the bills
[00:14] customer: just give me the refund, this is ridiculous, a total joke
"""
REFUND_TEAM = """\
cues:
  - {id: refund_demand, weight: 40, phrases: [refund, "charged twice"]}
"""


def test_compare_shows_the_new_phrasebooks_cues_highlights_and_peak(capsys, tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "refund.txt").write_text(REFUND_CALL)
    team = tmp_path / "team.yaml"
    team.write_text(REFUND_TEAM)
    default = Path(__file__).resolve().parents[2] / "phrasebook" / "default.yaml"
    out_dir = tmp_path / "report"
    args = [str(calls), "--compare", str(default), str(team), "--out", str(out_dir)]
    code, _, _ = review(capsys, *args)
    assert code == 0
    page = (out_dir / "001-refund.html").read_text()
    b_table = page[page.index("Cues heard with default.yaml + team.yaml (B)") :]
    b_table = b_table[: b_table.index("</table>")]
    assert "<td>refund_demand</td><td>2</td>" in b_table
    a_table = page[page.index("Cues heard with default.yaml (A)") :]
    assert "refund_demand" not in a_table[: a_table.index("</table>")]
    assert page.count('<mark class="only-b" title="B: refund_demand +40">refund</mark>') == 2
    index = (out_dir / "index.html").read_text()
    assert "<th>peak A</th><th>peak B</th>" in index
    peaks = re.findall(r'<span class="badge (\w+)">', index)
    assert peaks == ["tense", "heated"], index  # A: the default alone; B: with the new cue


def test_every_match_of_a_cue_in_a_line_is_highlighted(capsys, tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "names.txt").write_text(
        "customer: you idiot, you absolute idiot, honestly what an idiot\n"
    )
    out_dir = tmp_path / "report"
    code, _, _ = review(capsys, str(calls), "--out", str(out_dir))
    assert code == 0
    page = (out_dir / "001-names.html").read_text()
    assert page.count('<mark title="insult +25">idiot</mark>') == 3, page


def test_a_supervisor_request_is_drawn_unlike_a_threat(capsys, calls, tmp_path):
    (calls / "manager.txt").write_text(
        "[00:01] customer: can I speak to your manager please\n"
        "[00:06] agent: I can help you with that myself\n"
        "[00:12] customer: no, I want to speak to your manager now\n"
    )
    out_dir = tmp_path / "report"
    code, _, _ = review(capsys, str(calls), "--out", str(out_dir))
    assert code == 0
    manager = (out_dir / "002-manager.html").read_text()
    threat = (out_dir / "003-threat.html").read_text()
    assert "HAND OVER (supervisor request)" in manager and "ESCALATE" not in manager
    assert 'class="escmark supervisor"' in manager and 'class="escmark threat"' not in manager
    assert "ESCALATE (threat)" in threat and 'class="escmark threat"' in threat
    assert "HAND OVER" not in threat
