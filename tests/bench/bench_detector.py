"""Detector benchmark: cost, and how well it separates anger from calm on real data.

    .venv/bin/python tests/bench/bench_detector.py [--data ../shared/data]

- Cost: the tension detector and advisor per second of two-speaker call, against real time
  (customer lines streamed as partials that settle a word at a time, then finals);
  voice features per second of audio (they run on each speaker's recognition thread);
  replay throughput of a synthesised call with `--engine none` (audio path only).
- RAVDESS (real actors 1-12): voice only. Each clip is played to the detector as the end of
  a call whose start was the same actor's other neutral and calm clips (the baseline learns
  them); a clip's score is its mean raised-voice points (what the agent sees). ROC AUC of
  angry vs neutral/calm and angry vs happy, overall and per actor: with the shipped voice
  constants (fitted on these same actors), and leave-one-actor-out (prior and weights
  refitted without the actor, the honest figure; needs the train extra). Also how many
  calm clips get any voice points, and how many leave calm on the voice alone.
- GoEmotions dev texts: words only. A text's score is the points its cues and the text
  model (or, before it, VADER sentiment) add; also the text model's probability alone. ROC
  AUC of anger/annoyance vs neutral, as written (punctuated) and as a recogniser writes it
  (lower case, no punctuation).
- MultiWOZ val: 999 calm booking dialogues replayed as transcripts (customer = user),
  through the detector and advisor. Share of dialogues that ever reach tense or get a
  boundary or escalate prompt (calm false alarms), and prompts per dialogue.
The data are read from ../shared/data (or $DEESCALATE_DATA) for measuring only; nothing of
them is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from deescalate.advice.advisor import Advisor  # noqa: E402
from deescalate.advice.phrasebook import load_phrasebook  # noqa: E402
from deescalate.audio.voice import VoiceTracker  # noqa: E402
from deescalate.core.events import (  # noqa: E402
    EscalateEvent,
    SuggestionEvent,
    TranscriptEvent,
    VoiceEvent,
    Word,
)
from deescalate.tension.detector import TensionDetector  # noqa: E402
from deescalate.tension.words import WordCues  # noqa: E402

COMMAND = "python tests/bench/bench_detector.py"


def roc_auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    pos, neg = np.asarray(positives)[:, None], np.asarray(negatives)[None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh")


def streamed(said: str, end: float) -> list[TranscriptEvent]:
    """An utterance as a streaming recogniser gives it: partials every 0.4 s settling one
    more word each, then the final."""
    texts = said.split()
    step = 2.0 / len(texts)
    words = tuple(
        Word(w, round(end - 2 + k * step, 2), round(end - 2 + (k + 1) * step, 2), 0.9)
        for k, w in enumerate(texts)
    )
    partials = [
        TranscriptEvent(
            words[k].end, "customer", " ".join(texts[: k + 2]), False, end - 2, words[k].end,
            words=words[: k + 2], stable=k + 1,
        )
        for k in range(len(words) - 1)
    ]  # fmt: skip
    return [*partials, TranscriptEvent(end, "customer", said, True, end - 2, end, words=words)]


def detector_cost(seconds: int = 600) -> dict:
    rng = np.random.default_rng(0)
    book = load_phrasebook()
    detector, advisor = TensionDetector(book), Advisor(book)
    lines = [
        "this is ridiculous I already told you",
        "okay thank you",
        "you are useless",
        "I want to talk to your supervisor",
        "let me check that for you",
    ]
    events = []
    for i in range(seconds * 2):
        t = (i + 1) * 0.5
        for speaker in ("agent", "customer"):
            events.append(
                VoiceEvent(
                    t,
                    speaker,
                    float(rng.normal(-25, 4)),
                    float(rng.normal(180, 20)),
                    float(abs(rng.normal(2, 1))),
                    float(rng.uniform(0, 1)),
                )
            )
        if i % 6 == 0:
            # Each line different from its first word: the sentence encoder remembers texts
            # it has read, and a live call's partials (each a line's first words) rarely repeat.
            said = f"{ORDINALS[i % len(ORDINALS)]} {i} {lines[i % len(lines)]}"
            events += streamed(said, t)
    events.sort(key=lambda e: e.t)
    start = time.perf_counter()
    for event in events:
        for assessment in detector.feed(event):
            advisor.update(assessment)
    took = time.perf_counter() - start
    audio = rng.standard_normal(16000 * 60).astype(np.float32) * 0.1
    tracker = VoiceTracker("customer")
    start = time.perf_counter()
    for i in range(0, audio.size, 1600):
        tracker.process(audio[i : i + 1600])
    voice_took = time.perf_counter() - start
    words = detector.words
    utterance = "I have been waiting two weeks for my refund and nobody has bothered to call me"
    text_took = float("nan")
    if hasattr(words, "text_score"):
        start = time.perf_counter()
        for i in range(1000):
            words.text_score(f"{utterance} {i}")
        text_took = (time.perf_counter() - start) / 1000 * 1000
    return {
        "text_model_ms_per_16_word_utterance": round(text_took, 3),
        "detector_x_realtime": round(seconds / took),
        "voice_features_x_realtime_per_speaker": round(60 / voice_took),
    }


def clip_features(path: Path) -> list[VoiceEvent]:
    audio, rate = sf.read(path, dtype="float32")
    assert rate == 16000
    return VoiceTracker("customer").process(audio)


def call_points(clip, clips, book) -> tuple[float, bool]:
    """The clip as the end of a call: a fresh detector hears the actor's other neutral and
    calm clips first (its baseline learns them, as in the calm start of a call), then the
    clip. Its mean raised-voice points over the clip (what the agent sees), and whether the
    voice alone took the call out of calm."""
    from fit_voice import CALM

    detector = TensionDetector(book)
    calm = [c for c in clips if c.actor == clip.actor and c.emotion in CALM and c is not clip]
    offset, points, tense = 0.0, [], False
    for part in [*calm, clip]:
        heard = []
        for window in part.windows:
            heard += detector.feed(replace(window, t=offset + window.t))
        offset += part.windows[-1].t if part.windows else 0.0
        if part is clip:
            heard += detector.advance(offset + 0.01)
            for assessment in heard:
                voice = [r.points for r in assessment.reasons if r.cue == "raised_voice"]
                points.append(sum(voice))
                tense = tense or assessment.level != "calm"
    return float(np.mean(points)) if points else 0.0, tense


def voice_aucs(prefix: str, clips, scores: dict[str, float]) -> dict:
    from fit_voice import ANGRY, CALM, HAPPY

    def auc(actor: str | None, negatives: tuple[str, ...]) -> float:
        mine = [c for c in clips if actor is None or c.actor == actor]
        angry = [scores[c.name] for c in mine if c.emotion == ANGRY]
        return roc_auc(angry, [scores[c.name] for c in mine if c.emotion in negatives])

    actors = sorted({c.actor for c in clips})
    return {
        f"{prefix}_auc_angry_vs_neutral_calm": round(auc(None, CALM), 3),
        f"{prefix}_auc_angry_vs_happy": round(auc(None, (HAPPY,)), 3),
        f"{prefix}_auc_happy_vs_neutral_calm": round(
            roc_auc(
                [scores[c.name] for c in clips if c.emotion == HAPPY],
                [scores[c.name] for c in clips if c.emotion in CALM],
            ),
            3,
        ),
        f"{prefix}_per_actor_angry_vs_neutral_calm": " ".join(
            f"{a}:{auc(a, CALM):.2f}" for a in actors
        ),
        f"{prefix}_per_actor_angry_vs_happy": " ".join(
            f"{a}:{auc(a, (HAPPY,)):.2f}" for a in actors
        ),
    }


def ravdess(folder: Path) -> dict:
    """Each clip through the detector as the end of a call (call_points). First with the
    shipped voice constants (fitted on these same twelve actors: optimistic), then leave one
    actor out: prior and weights refitted without the actor (fit_voice.fit_constants), put
    in the detector, and only that actor's clips scored."""
    from fit_voice import CALM, fit_constants, load, voice_constants

    clips, book = load(folder), load_phrasebook()
    shipped = {c.name: call_points(c, clips, book) for c in clips}
    calm = [shipped[c.name] for c in clips if c.emotion in CALM]
    results = {
        "ravdess_clips": len(clips),
        "ravdess_calm_clips_with_voice_points": round(np.mean([p > 0 for p, _ in calm]), 3),
        "ravdess_calm_clips_max_mean_voice_points": round(max(p for p, _ in calm), 1),
        "ravdess_calm_clips_leaving_calm": sum(tense for _, tense in calm),
    }
    results |= voice_aucs("ravdess_fitted_on_all", clips, {k: p for k, (p, _) in shipped.items()})
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print(
            "scikit-learn missing (pip install -e '.[train]'): no leave-one-actor-out",
            file=sys.stderr,
        )
        return results
    held_out = {}
    for actor in sorted({c.actor for c in clips}):
        with voice_constants(fit_constants([c for c in clips if c.actor != actor])):
            for clip in clips:
                if clip.actor == actor:
                    held_out[clip.name] = call_points(clip, clips, book)[0]
    return results | voice_aucs("ravdess_loao", clips, held_out)


def recogniser_style(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def goemotions(folder: Path) -> dict:
    cues = WordCues(load_phrasebook())
    model = getattr(cues, "text_score", None)
    results: dict = {}
    for style, convert in (("punctuated", str), ("recogniser", recogniser_style)):
        angry, neutral, angry_model, neutral_model = [], [], [], []
        for line in (folder / "dev.tsv").read_text(encoding="utf-8").splitlines():
            text, labels, _ = line.split("\t")
            text = convert(text)
            ids = {int(x) for x in labels.split(",")}
            points = sum(m.cue.weight for m in cues.match(text, "customer"))
            points += cues.negativity(text)
            probability = model(text).probability if model else 0.0
            if ids & {2, 3}:
                angry.append(points)
                angry_model.append(probability)
            elif ids == {27}:
                neutral.append(points)
                neutral_model.append(probability)
        results["goemotions_texts"] = len(angry) + len(neutral)
        results[f"goemotions_auc_words_points_{style}"] = round(roc_auc(angry, neutral), 3)
        if model:
            auc = roc_auc(angry_model, neutral_model)
            results[f"goemotions_auc_text_model_{style}"] = round(auc, 3)
    return results


def multiwoz(folder: Path) -> dict:
    dialogues: dict[str, list[dict]] = defaultdict(list)
    for line in (folder / "utterances.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        dialogues[item["dialogue_id"]].append(item)
    book = load_phrasebook()
    alarmed, tense, prompts = 0, 0, 0
    for turns in dialogues.values():
        detector, advisor = TensionDetector(book), Advisor(book)
        events, clock = [], 0.0
        for turn in sorted(turns, key=lambda u: u["turn"]):
            speaker = "customer" if turn["speaker"] == "user" else "agent"
            start = clock + 0.6  # laid end to end as `deescalate replay` lays out a .txt
            clock = start + len(turn["text"].split()) / 2.5
            events.append(TranscriptEvent(clock, speaker, turn["text"], True, start, clock))
        out = []
        for event in events:
            for assessment in detector.feed(event):
                out.append(assessment.level)
                out += advisor.update(assessment)
        for assessment in detector.advance(clock + 0.5):
            out.append(assessment.level)
            out += advisor.update(assessment)
        suggestions = [e for e in out if isinstance(e, SuggestionEvent)]
        prompts += len(suggestions)
        reached = any(
            level in ("tense", "heated", "unsafe") for level in out if isinstance(level, str)
        )
        tense += reached
        alarm = any(isinstance(e, EscalateEvent) for e in out) or any(
            s.category in ("boundary", "escalate", "handover") for s in suggestions
        )
        alarmed += reached or alarm
    n = len(dialogues)
    return {
        "multiwoz_dialogues": n,
        "multiwoz_share_reaching_tense": round(tense / n, 4),
        "multiwoz_share_false_alarm_tense_boundary_escalate": round(alarmed / n, 4),
        "multiwoz_prompts_per_dialogue": round(prompts / n, 3),
    }


def default_data() -> Path:
    """$DEESCALATE_DATA, else the nearest `shared/data` above this checkout."""
    if os.environ.get("DEESCALATE_DATA"):
        return Path(os.environ["DEESCALATE_DATA"])
    for folder in ROOT.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=default_data())
    args = parser.parse_args()
    results = detector_cost()
    if (args.data / "ravdess-dev").is_dir():
        results |= ravdess(args.data / "ravdess-dev")
    else:
        print(f"no RAVDESS data in {args.data}; skipped", file=sys.stderr)
    if (args.data / "goemotions-dev").is_dir():
        results |= goemotions(args.data / "goemotions-dev")
    if (args.data / "multiwoz-val").is_dir():
        results |= multiwoz(args.data / "multiwoz-val")
    print(f"({COMMAND})")
    for key, value in results.items():
        print(f"  {key:52} {value}")


if __name__ == "__main__":
    main()
