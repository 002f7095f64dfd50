"""Detector benchmark: cost, and how well it separates anger from calm on real data.

    .venv/bin/python tests/bench/bench_detector.py [--data ../shared/data]

- Cost: the tension detector and advisor per second of two-speaker call, against real time;
  voice features per second of audio (they run on each speaker's recognition thread);
  replay throughput of a synthesised call with `--engine none` (audio path only).
- RAVDESS (real actors 1-12): voice only. Each actor's baseline is learnt from their own
  neutral and calm clips (leaving out the clip being scored); a clip's score is the
  detector's raised-voice points. ROC AUC of angry vs neutral/calm, and angry vs happy.
- GoEmotions dev texts: words only. A text's score is the points its cues and negative
  sentiment add. ROC AUC of anger/annoyance vs neutral.
The data are read from ../shared/data for measuring only; nothing of them is kept.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.advice.advisor import Advisor  # noqa: E402
from app.advice.phrasebook import load_phrasebook  # noqa: E402
from app.events import TranscriptEvent, VoiceEvent  # noqa: E402
from app.tension.detector import Baseline, TensionDetector  # noqa: E402
from app.tension.voice import VoiceTracker  # noqa: E402
from app.tension.words import WordCues  # noqa: E402

COMMAND = "python tests/bench/bench_detector.py"


def roc_auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    pos, neg = np.asarray(positives)[:, None], np.asarray(negatives)[None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


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
            events.append(TranscriptEvent(t, "customer", lines[i % len(lines)], True, t - 2, t))
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
    return {
        "detector_x_realtime": round(seconds / took),
        "voice_features_x_realtime_per_speaker": round(60 / voice_took),
    }


def clip_features(path: Path) -> list[VoiceEvent]:
    audio, rate = sf.read(path, dtype="float32")
    assert rate == 16000
    return VoiceTracker("customer").process(audio)


def ravdess(folder: Path) -> dict:
    clips: dict[str, dict[str, list[list[VoiceEvent]]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(folder.glob("*.wav")):
        parts = path.stem.split("-")
        emotion, actor = parts[2], parts[6]
        clips[actor][emotion].append(clip_features(path))
    scores: dict[str, list[float]] = defaultdict(list)
    for by_emotion in clips.values():
        calm_clips = by_emotion["01"] + by_emotion["02"]
        for emotion, group in by_emotion.items():
            for clip in group:
                reference = [c for c in calm_clips if c is not clip]
                baseline = Baseline()
                for frames in reference:
                    for frame in frames:
                        if frame.voiced >= 0.3 and frame.pitch_hz > 0:
                            baseline.learn(frame)
                voiced = [f for f in clip if f.voiced >= 0.3 and f.pitch_hz > 0]
                points = [baseline.arousal(f) for f in voiced] or [0.0]
                scores[emotion].append(float(np.mean(points)))
    calm = scores["01"] + scores["02"]
    return {
        "ravdess_clips": sum(len(v) for v in scores.values()),
        "ravdess_auc_angry_vs_neutral_calm": round(roc_auc(scores["05"], calm), 3),
        "ravdess_auc_angry_vs_happy": round(roc_auc(scores["05"], scores["03"]), 3),
        "ravdess_auc_happy_vs_neutral_calm": round(roc_auc(scores["03"], calm), 3),
    }


def goemotions(folder: Path) -> dict:
    cues = WordCues(load_phrasebook())
    angry, neutral = [], []
    for line in (folder / "dev.tsv").read_text(encoding="utf-8").splitlines():
        text, labels, _ = line.split("\t")
        ids = {int(x) for x in labels.split(",")}
        score = sum(m.cue.weight for m in cues.match(text, "customer")) + cues.negativity(text)
        if ids & {2, 3}:
            angry.append(score)
        elif ids == {27}:
            neutral.append(score)
    return {
        "goemotions_texts": len(angry) + len(neutral),
        "goemotions_auc_anger_annoyance_vs_neutral": round(roc_auc(angry, neutral), 3),
        "goemotions_share_of_angry_texts_with_any_points": round(
            float(np.mean(np.array(angry) > 0)), 2
        ),
        "goemotions_share_of_neutral_texts_with_any_points": round(
            float(np.mean(np.array(neutral) > 0)), 2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    results = detector_cost()
    if (args.data / "ravdess-dev").is_dir():
        results |= ravdess(args.data / "ravdess-dev")
    else:
        print(f"no RAVDESS data in {args.data}; skipped", file=sys.stderr)
    if (args.data / "goemotions-dev").is_dir():
        results |= goemotions(args.data / "goemotions-dev")
    print(f"({COMMAND})")
    for key, value in results.items():
        print(f"  {key:52} {value}")


if __name__ == "__main__":
    main()
