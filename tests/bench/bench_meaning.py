"""What the words mean, measured through the replay path: each text is a one-line call (or
a short call) played the way `deescalate replay --json` plays a transcript, and judged by
the score, level, prompts and escalations the agent would see.

    .venv/bin/python tests/bench/bench_meaning.py [--data ../shared/data] [--limit N]

- GoEmotions dev: anger/annoyance against neutral, AUC of the peak score (and of the text
  model's anger head alone), as written and as a recogniser writes it.
- ConvAbuse valid (annotator majority): abusive against clean turns, AUC of the peak
  score; share of abusive turns reaching tense, and of clean turns.
- Our checking sets (models/text/*_check.tsv, never trained on): every threat should
  escalate (kind threat); every request for someone senior, asked twice, should hand over,
  and no request for a team or a particular person, asked twice, should;
  abuse reaching tense or a boundary step; hard calm lines raising any alarm, and
  escalating as a threat when said after an angry line (plans and visits); threats and hard
  calm lines streamed as the live app hears them (a partial for each settled word, read
  for threats at once, then the final), escalating alone and after an angry line; callers fed
  up with the service (tense is right for them, a boundary step or escalation is not).
- CLINC150 val and MultiWOZ val: calm utterances reaching tense; MultiWOZ dialogues with
  any alarm (tense, boundary, escalate or hand-over).
- A sample of texts run through the real `deescalate replay --json` command, to show the
  in-process replay gives the same peak.
The data are read from ../shared/data for measuring only; nothing of them is kept.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))

from bench_detector import default_data, roc_auc, streamed  # noqa: E402

from deescalate.advice.phrasebook import load_phrasebook  # noqa: E402
from deescalate.core.events import TranscriptEvent  # noqa: E402
from deescalate.supervisor.replay import CallRecord, play_transcript, recording_analysis  # noqa: E402
from deescalate.supervisor.transcripts import GAP_SECONDS, WORDS_PER_SECOND  # noqa: E402
from deescalate.tension.text_model import shipped_model  # noqa: E402

COMMAND = "python tests/bench/bench_meaning.py"
ALARMS = ("boundary", "escalate", "handover")
FED_UP = "this is the fourth time I've called, it's a disgrace and I'm furious with you people"
"""An angry line before a threat: the call is tense when the threat comes."""
BOOK = load_phrasebook()


def call_of(lines: list[tuple[str, str]]) -> list[TranscriptEvent]:
    """Lines laid end to end as `deescalate replay` lays out a .txt transcript."""
    events, clock = [], 0.0
    for speaker, text in lines:
        start = clock + GAP_SECONDS
        end = start + len(text.split()) / WORDS_PER_SECOND
        clock = end
        events.append(TranscriptEvent(end, speaker, text, True, round(start, 2), round(end, 2)))
    return events


def replay(lines: list[tuple[str, str]], stream: bool = False) -> CallRecord:
    """The lines as a call; `stream`: each customer line as a streaming recogniser gives it
    (a partial for each word it settles, then the final), as the live app hears it."""
    events = call_of(lines)
    if stream:
        events = [
            part
            for event in events
            for part in (
                streamed(event.text, event.t)
                if event.speaker == "customer" and len(event.text.split()) > 1
                else [event]
            )
        ]
    record = CallRecord()
    play_transcript(events, recording_analysis(BOOK, record))
    return record


def outcome(record: CallRecord) -> dict:
    categories = {s.category for s in record.suggestions}
    return {
        "score": max((t.score for t in record.tensions), default=0.0),
        "tense": any(t.level != "calm" for t in record.tensions),
        "kinds": {e.kind for e in record.escalations},
        "alarm": bool(categories & set(ALARMS)) or bool(record.escalations),
        "boundary": "boundary" in categories,
    }


def one_line(text: str) -> dict:
    return outcome(replay([("customer", text)]))


def recogniser_style(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def goemotions(folder: Path, limit: int) -> dict:
    rows = [line.split("\t") for line in (folder / "dev.tsv").read_text().splitlines()]
    rows = rows[:limit] if limit else rows
    model = shipped_model()
    out = {}
    for style, convert in (("punctuated", str), ("recogniser", recogniser_style)):
        scores, heads = defaultdict(list), defaultdict(list)
        for text, labels, _ in rows:
            ids = {int(x) for x in labels.split(",")}
            group = "angry" if ids & {2, 3} else "neutral" if ids == {27} else None
            if group:
                scores[group].append(one_line(convert(text))["score"])
                heads[group].append(model.score(convert(text)).heads["anger"])
        out[f"goemotions_auc_score_{style}"] = round(roc_auc(scores["angry"], scores["neutral"]), 3)
        out[f"goemotions_auc_model_{style}"] = round(roc_auc(heads["angry"], heads["neutral"]), 3)
    out["goemotions_texts"] = len(scores["angry"]) + len(scores["neutral"])
    return out


def convabuse(path: Path, limit: int) -> dict:
    abusive, clean = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            votes = {"abuse": 0, "clean": 0}
            for n in range(1, 9):
                if row.get(f"Annotator{n}_is_abuse.1") == "1":
                    votes["clean"] += 1
                elif any(row.get(f"Annotator{n}_is_abuse.{v}") == "1" for v in ("-1", "-2", "-3")):
                    votes["abuse"] += 1
            text = row["user"].strip()
            if text and votes["abuse"] != votes["clean"]:
                (abusive if votes["abuse"] > votes["clean"] else clean).append(text)
    if limit:
        abusive, clean = abusive[:limit], clean[:limit]
    a, c = [one_line(t) for t in abusive], [one_line(t) for t in clean]
    return {
        "convabuse_valid_abusive_clean": f"{len(a)}/{len(c)}",
        "convabuse_auc_score": round(roc_auc([x["score"] for x in a], [x["score"] for x in c]), 3),
        "convabuse_abusive_reaching_tense": round(np.mean([x["tense"] for x in a]), 3),
        "convabuse_abusive_boundary_step": round(np.mean([x["boundary"] for x in a]), 3),
        "convabuse_clean_reaching_tense": round(np.mean([x["tense"] for x in c]), 3),
    }


def our_checks() -> dict:
    folder = ROOT / "models" / "text"
    sets: dict[str, list[str]] = defaultdict(list)
    for path in sorted(folder.glob("*_check.tsv")):
        for row in path.read_text(encoding="utf-8").splitlines():
            if row.strip():
                text, label = row.rsplit("\t", 1)
                sets[label.strip()].append(text)
    threats = [one_line(t) for t in sets["threat"]]
    angry_first = [outcome(replay([("customer", FED_UP), ("customer", t)])) for t in sets["threat"]]
    senior = [asked_twice(t) for t in sets["senior"]]
    departments = [asked_twice(t) for t in sets["department"]]
    abuse = [one_line(t) for t in sets["abuse"]]
    calm = [one_line(t) for t in sets["calm"]]
    calm_after_anger = [
        outcome(replay([("customer", FED_UP), ("customer", t)])) for t in sets["calm"]
    ]
    streamed_threats = {
        name: [outcome(replay([*before, ("customer", t)], stream=True)) for t in sets[label]]
        for label in ("threat", "calm")
        for name, before in ((f"{label}_alone", []), (f"{label}_angry", [("customer", FED_UP)]))
    }
    frustrated = [one_line(t) for t in sets["frustrated"]]
    return {
        "check_threats_escalating_alone_in_a_calm_call": share(
            threats, lambda x: "threat" in x["kinds"]
        ),
        "check_threats_escalating_after_an_angry_line": share(
            angry_first, lambda x: "threat" in x["kinds"]
        ),
        "check_senior_twice_handing_over": share(senior, lambda x: "supervisor" in x["kinds"]),
        "check_department_twice_handing_over": share(
            departments, lambda x: "supervisor" in x["kinds"]
        ),
        "check_abuse_tense_or_boundary": share(abuse, lambda x: x["tense"] or x["boundary"]),
        "check_hard_calm_with_any_alarm": share(calm, lambda x: x["tense"] or x["alarm"]),
        "check_hard_calm_escalating_after_an_angry_line": share(
            calm_after_anger, lambda x: "threat" in x["kinds"]
        ),
        "check_threats_streamed_escalating_alone / after an angry line": " ".join(
            share(streamed_threats[f"threat_{k}"], escalated) for k in ("alone", "angry")
        ),
        "check_hard_calm_streamed_escalating_alone / after an angry line": " ".join(
            share(streamed_threats[f"calm_{k}"], escalated) for k in ("alone", "angry")
        ),
        "check_frustrated_boundary_escalate_or_handover": share(frustrated, lambda x: x["alarm"]),
        "check_frustrated_reaching_tense": share(frustrated, lambda x: x["tense"]),
    }


def escalated(outcome: dict) -> bool:
    return "threat" in outcome["kinds"]


def asked_twice(text: str) -> dict:
    return outcome(replay([("customer", text), ("agent", "one moment"), ("customer", text)]))


def share(outcomes: list[dict], wanted) -> str:
    return f"{sum(bool(wanted(x)) for x in outcomes)}/{len(outcomes)}"


def calm_utterances(data: Path, limit: int) -> dict:
    clinc_file = data / "clinc150-dev" / "train_val.json"
    clinc = [t for t, _ in json.loads(clinc_file.read_text())["val"]]
    turns: dict[str, list] = defaultdict(list)
    for line in (data / "multiwoz-val" / "utterances.jsonl").read_text().splitlines():
        item = json.loads(line)
        turns[item["dialogue_id"]].append(item)
    dialogues = list(turns.values())[:limit] if limit else list(turns.values())
    clinc = clinc[: limit * 3] if limit else clinc
    clinc_out = [one_line(t) for t in clinc]
    woz_users = [one_line(t["text"]) for d in dialogues for t in d if t["speaker"] == "user"]
    woz_calls = []
    for d in dialogues:
        lines = [("customer" if t["speaker"] == "user" else "agent", t["text"])
                 for t in sorted(d, key=lambda t: t["turn"])]
        woz_calls.append(outcome(replay(lines)))
    return {
        "clinc_val_utterances_reaching_tense": round(np.mean([x["tense"] for x in clinc_out]), 4),
        "multiwoz_utterances_reaching_tense": round(np.mean([x["tense"] for x in woz_users]), 4),
        "multiwoz_dialogues": len(woz_calls),
        "multiwoz_dialogues_with_any_alarm": round(
            np.mean([x["tense"] or x["alarm"] for x in woz_calls]), 4
        ),
    }


def through_the_command(texts: list[str]) -> dict:
    """The same texts through `deescalate replay --json`: peaks must agree."""
    agree = 0
    with tempfile.TemporaryDirectory() as folder:
        for i, text in enumerate(texts):
            path = Path(folder) / f"call{i}.txt"
            path.write_text(f"customer: {text}\n", encoding="utf-8")
            done = subprocess.run(
                [sys.executable, "-m", "deescalate", "replay", str(path), "--json"],
                capture_output=True, text=True, check=True,
            )
            events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
            scores = [e.get("score", 0.0) for e in events if e.get("type") == "tension"]
            agree += abs(max(scores, default=0.0) - one_line(text)["score"]) < 0.05
    return {"replay_command_agrees": f"{agree}/{len(texts)}"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--limit", type=int, default=0, help="at most this many per set")
    args = parser.parse_args()
    results = our_checks()
    results |= calm_utterances(args.data, args.limit)
    results |= convabuse(args.data / "convabuse-dev" / "ConvAbuseEMNLPvalid.csv", args.limit)
    results |= goemotions(args.data / "goemotions-dev", args.limit)
    dev = (args.data / "goemotions-dev" / "dev.tsv").read_text().splitlines()
    sample = random.Random(0).sample([line.split("\t")[0] for line in dev], 8)
    results |= through_the_command(sample)
    print(f"({COMMAND})")
    for key, value in results.items():
        print(f"  {key:48} {value}")


if __name__ == "__main__":
    main()
