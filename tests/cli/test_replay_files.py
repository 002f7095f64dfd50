"""`deescalate replay` and `demo` on real files through the real default engine."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soxr

from deescalate.cli.main import EXIT_BAD_INPUT, EXIT_OK, main
from deescalate.demo.synth import Voice

SUPERVISOR = "please get me your supervisor right now"


def replay(capsys, *args: str) -> tuple[int, list[dict], str]:
    code = main(["replay", *args, "--json"])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line], err


def finals(events: list[dict], speaker: str | None = None) -> str:
    return " ".join(
        e["text"]
        for e in events
        if e["type"] == "transcript" and e["final"] and speaker in (None, e["speaker"])
    )


@pytest.mark.parametrize("rate", [8000, 48000])
def test_mono_file_at_other_rates_is_the_customer(capsys, say, write_wav, rate):
    audio = soxr.resample(say(SUPERVISOR, Voice("en-us", 140)), 16000, rate)
    code, events, _ = replay(capsys, str(write_wav(f"call_{rate}.wav", audio, rate)))
    assert code == EXIT_OK
    assert {e["speaker"] for e in events if e["type"] == "transcript"} == {"customer"}
    duration = audio.size / rate
    assert all(e["end"] <= duration for e in events if e["type"] == "transcript")
    if rate == 48000:
        assert "get me your" in finals(events).lower() and "right now" in finals(events)
    else:
        # Narrowband (telephone) audio has nothing above 4 kHz; the built-in wideband
        # model still gives words on the right clock but misses most of them.
        assert finals(events)


def test_stereo_file_maps_left_to_agent_and_can_be_swapped(capsys, say, write_wav):
    line = say(SUPERVISOR, Voice("en-us", 140))
    stereo = np.stack([np.zeros_like(line), line], axis=1)
    path = str(write_wav("call.wav", stereo))
    _, events, _ = replay(capsys, path)
    assert "right now" in finals(events, "customer") and not finals(events, "agent")
    _, swapped, _ = replay(capsys, path, "--channels", "customer,agent")
    assert "right now" in finals(swapped, "agent") and not finals(swapped, "customer")


def test_events_have_type_and_nondecreasing_call_time(capsys, say, write_wav):
    _, events, _ = replay(capsys, str(write_wav("c.wav", say(SUPERVISOR, Voice("en-us", 140)))))
    times = [e["t"] for e in events]
    assert times == sorted(times)
    for e in events:
        if e["type"] == "transcript":
            assert {"speaker", "text", "final", "start", "end"} <= set(e)
            assert e["start"] <= e["end"] <= e["t"] + 1e-6


def test_replay_is_deterministic(capsys, say, write_wav):
    line = say(SUPERVISOR, Voice("en-us", 140))
    path = str(write_wav("d.wav", np.stack([line, line[::-1].copy()], axis=1)))
    assert replay(capsys, path)[1] == replay(capsys, path)[1]


def test_truncated_wav_keeps_what_was_read_and_reports_it(capsys, say, write_wav):
    path = write_wav("t.wav", say(SUPERVISOR, Voice("en-us", 140)), subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    code, events, _ = replay(capsys, str(path))
    errors = [e for e in events if e["type"] == "error"]
    transcripts = [e for e in events if e["type"] == "transcript"]
    # libsndfile reads a short data chunk up to where it ends; either way the words
    # before the cut are kept and nothing crashes.
    assert transcripts
    assert code == (EXIT_BAD_INPUT if errors else EXIT_OK)


def test_garbage_file_is_bad_input_with_one_clear_line(capsys, tmp_path):
    bad = tmp_path / "call.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    code = main(["replay", str(bad)])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_BAD_INPUT
    assert err.startswith("deescalate: ") and "call.wav" in err and "not a readable" in err
    assert len(err.splitlines()) == 1


def test_missing_file_and_bad_model_are_bad_input(capsys, tmp_path, say, write_wav):
    assert main(["replay", str(tmp_path / "nope.wav")]) == EXIT_BAD_INPUT
    assert "no such file" in capsys.readouterr().err
    wav = str(write_wav("ok.wav", say("hello", Voice())))
    assert main(["replay", wav, "--engine", "vosk", "--model", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "Incomplete Vosk model" in capsys.readouterr().err


def test_a_team_overlay_without_its_base_is_refused_not_replayed(capsys, tmp_path):
    call = tmp_path / "call.txt"
    call.write_text("customer: what are you wearing\n", encoding="utf-8")
    team = tmp_path / "team.yaml"
    team.write_text("cues:\n  - {id: harassment, disabled: true}\n", encoding="utf-8")
    assert main(["replay", str(call), "--phrasebook", str(team)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "team.yaml" in err and "pass the base phrasebook first" in err


def test_demo_call_gives_both_speakers_and_its_trigger_words(capsys):
    assert main(["demo", "--fast", "--json"]) == EXIT_OK
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert finals(events, "agent") and finals(events, "customer")
    heard = (
        finals(events, "customer")
        + " "
        + " ".join(e["text"] for e in events if e["type"] == "transcript" and e["spotted"])
    )
    assert "supervisor" in heard or "ridiculous" in heard


def test_realtime_replay_adds_wall_clock_seconds(capsys, say, write_wav):
    path = str(write_wav("rt.wav", say("hello there", Voice("en-us", 160), pad=0.3)))
    code, events, _ = replay(capsys, path, "--realtime")
    assert code == EXIT_OK
    last = events[-1]
    assert "wall" in last and last["wall"] >= last["t"] - 0.5
    _, fast, _ = replay(capsys, path)
    assert all("wall" not in e for e in fast)


def test_output_cut_short_by_a_reader_ends_quietly(tmp_path):
    import subprocess
    import sys

    transcript = tmp_path / "call.txt"
    transcript.write_text("\n".join(f"customer: line {i} this is ridiculous" for i in range(400)))
    shell = f"{sys.executable} -m deescalate replay {transcript} | head -n 2"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    assert len(done.stdout.splitlines()) == 2
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
