"""Cues by example: where to put the closeness bar.

    PYTHONPATH=app .venv/bin/python tests/bench/bench_examples.py [--data ../shared/data]

A few example cues written here, paraphrases of them written here, and ordinary service
talk: CLINC150's validation questions and MultiWOZ's user turns (read from ../shared/data
or $DEESCALATE_DATA, for measuring only; nothing of them is kept). For each bar it prints
the share of paraphrases that match their own cue (wanted high) and the share of service
lines that match any cue (wanted near zero), matched the way the detector matches (whole
utterance, sentences and clauses; negation as for phrases).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from deescalate.tension.cues import Cue
from deescalate.tension.examples import ExampleIndex
from deescalate.tension.text_model import shipped_model
from deescalate.tension.words import WordCues

ROOT = Path(__file__).resolve().parents[2]
BARS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)

CUES = {
    "wants_boss": [
        "put me through to your boss",
        "I want to speak to someone more senior",
        "get me your manager right now",
    ],
    "leaving": [
        "I'm cancelling my account and going to a competitor",
        "I will take my business elsewhere",
    ],
    "waited": [
        "I have been on hold for over an hour",
        "this is the third time I have called about this",
    ],
    "money_back": ["I want my money back today", "give me a full refund"],
    "complaint_body": ["I'm reporting you to the consumer protection agency"],
}
PARAPHRASES = {
    "wants_boss": [
        "can you put me through to your boss please",
        "just put me through to your boss",
        "i want someone more senior on the line",
        "get your manager on the phone right now",
        "let me speak to someone more senior than you",
        "i need your boss, not you",
    ],
    "leaving": [
        "i'm cancelling the account and going with a competitor",
        "we will take our business elsewhere then",
        "cancel my account, i'm off to your competitor",
        "honestly i'll just take my business somewhere else",
    ],
    "waited": [
        "i've been on hold for more than an hour",
        "this is the third time i've called about the same thing",
        "been sitting on hold over an hour now",
        "third time calling about this",
    ],
    "money_back": [
        "i just want my money back",
        "give me the full refund now",
        "i want a full refund today",
        "give me my money back",
    ],
    "complaint_body": [
        "i am reporting your company to consumer protection",
        "i'll be reporting you to the consumer agency",
    ],
}


def data_folder(given: str | None) -> Path:
    if given:
        return Path(given)
    if os.environ.get("DEESCALATE_DATA"):
        return Path(os.environ["DEESCALATE_DATA"])
    for folder in ROOT.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def service_talk(data: Path) -> dict[str, list[str]]:
    clinc = json.loads((data / "clinc150-dev" / "train_val.json").read_text())
    lines = (data / "multiwoz-val" / "utterances.jsonl").read_text().splitlines()
    turns = [json.loads(line) for line in lines if line.strip()]
    return {
        "clinc150 val": [text for text, _ in clinc["val"]],
        "multiwoz user": [t["text"] for t in turns if t["speaker"] == "user"],
    }


class Book:
    def __init__(self, bar: float) -> None:
        self.cues = [Cue(id=i, examples=e, closeness=bar) for i, e in CUES.items()]

    def active_cues(self) -> list[Cue]:
        return self.cues


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder holding clinc150-dev and multiwoz-val")
    args = parser.parse_args()
    data = data_folder(args.data)
    if not (data / "clinc150-dev").is_dir():
        print(f"{data}: no clinc150-dev here; pass --data FOLDER", file=sys.stderr)
        return 2
    talk = service_talk(data)
    model = shipped_model()
    index = ExampleIndex(Book(0.0).cues, model)
    print("closest example per paraphrase (any bar):")
    for cue_id, lines in PARAPHRASES.items():
        for line in lines:
            best = index.closest(line).get(cue_id)
            print(f"  {best.closeness if best else 0:.2f}  {cue_id:<15} {line}")
    header = "  ".join(f"{name} ({len(lines)})" for name, lines in talk.items())
    print(f"\nbar   paraphrases matched   service talk matched: {header}")
    for bar in BARS:
        words = WordCues(Book(bar), model)
        found = sum(
            any(m.cue.id == cue_id for m in words.match(line, "customer"))
            for cue_id, lines in PARAPHRASES.items()
            for line in lines
        )
        total = sum(len(lines) for lines in PARAPHRASES.values())
        shares = [
            sum(bool(words.match(line, "customer")) for line in lines) / len(lines)
            for lines in talk.values()
        ]
        service = "  ".join(f"{share:7.2%}" for share in shares)
        print(f"{bar:.2f}  {found:>3}/{total} ({found / total:4.0%})          {service}")
    words = WordCues(Book(0.5), model)
    print("\nservice lines matched at 0.5 (first 12):")
    shown = 0
    for lines in talk.values():
        for line in lines:
            for m in words.match(line, "customer"):
                if shown < 12:
                    print(f"  {m.closeness:.2f} {m.cue.id:<15} {line!r} ~ {m.example!r}")
                    shown += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
