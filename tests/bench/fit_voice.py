"""Fits the voice side of the detector on RAVDESS (actors 1-12): the population prior and
the weights that turn a window's deviations from the caller's baseline into evidence.

    .venv/bin/python tests/bench/fit_voice.py [--data ../shared/data]   (needs the train extra)

- Prior: median and spread (1.4826 x MAD) of each feature over every actor's neutral and
  calm speech: ordinary voices, before anything is known of this caller.
- Weights: two logistic regressions on each clip's mean deviation (in spreads, limited to
  DEVIATION_LIMIT) from the same actor's neutral/calm baseline: angry against neutral/calm
  (arousal: loudness, its swing, pitch, vocal effort, c0, flux) and angry against happy
  (anger rather than joy: mel-cepstrum c0-c6 and harmonics-to-noise ratio). The detector
  combines them as arousal x anger^ANGER_SHARE.
- Prints the leave-one-actor-out AUCs of that combination on clip means (prior and weights
  refitted without the actor each time), then the constants fitted on all twelve actors to
  paste into app/deescalate/tension/detector.py. bench_detector.py runs the same
  leave-one-actor-out fits through the detector itself, as a call would.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from bench_detector import clip_features, default_data, roc_auc  # noqa: E402

from deescalate.core.events import VoiceEvent  # noqa: E402
from deescalate.tension import detector  # noqa: E402

NAMES = list(detector.PRIOR)
AROUSAL_FEATURES = ["loudness", "swing", "alpha", "centroid", "hnr", "c0", "flux", "pitch"]
ANGER_FEATURES = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "hnr"]
CALM, HAPPY, ANGRY = ("01", "02"), "03", "05"


@dataclass(frozen=True)
class Clip:
    actor: str
    emotion: str
    name: str
    windows: list[VoiceEvent]
    """Every half-second window of the clip, spoken or not."""

    @property
    def spoken(self) -> list[VoiceEvent]:
        """The windows the detector judges the voice of (as TensionDetector._voice does)."""
        return [w for w in self.windows if w.voiced >= 0.3 and w.pitch_hz > 0]


def load(folder: Path) -> list[Clip]:
    clips = []
    for path in sorted(folder.glob("*.wav")):
        parts = path.stem.split("-")
        clips.append(Clip(parts[6], parts[2], path.stem, clip_features(path)))
    return clips


def fit_prior(clips: list[Clip]) -> dict[str, tuple[float, float]]:
    values = defaultdict(list)
    for clip in clips:
        if clip.emotion in CALM:
            for w in clip.spoken:
                for name, value in detector.window_features(w).items():
                    values[name].append(value)
    out = {}
    for name in NAMES:
        v = np.array(values[name])
        median = float(np.median(v))
        spread = 1.4826 * float(np.median(np.abs(v - median)))
        out[name] = (round(median, 3), round(spread, 3))
    out["loudness"] = detector.PRIOR["loudness"]  # RAVDESS levels say nothing of a headset's
    return out


@contextmanager
def voice_constants(constants: dict) -> Iterator[None]:
    """The detector with these voice constants (PRIOR, weights, biases) for a while."""
    saved = {name: getattr(detector, name) for name in constants}
    saved["MIN_SPREAD"] = detector.MIN_SPREAD
    for name, value in constants.items():
        setattr(detector, name, value)
    if "PRIOR" in constants:
        detector.MIN_SPREAD = {n: max(0.05, s / 4) for n, (_, s) in constants["PRIOR"].items()}
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(detector, name, value)


def calm_baseline(clip: Clip, clips: list[Clip]) -> detector.Baseline:
    """The actor's baseline from their other neutral and calm clips."""
    baseline = detector.Baseline()
    for other in clips:
        if other.actor == clip.actor and other.emotion in CALM and other is not clip:
            for w in other.spoken:
                baseline.learn(w)
    return baseline


def mean_deviations(clips: list[Clip]) -> np.ndarray:
    """Per clip with spoken windows, its mean deviation from its actor's baseline."""
    rows = []
    for clip in clips:
        baseline = calm_baseline(clip, clips)
        devs = [baseline.deviations(w) for w in clip.spoken]
        rows.append([float(np.mean([d[n] for d in devs])) for n in NAMES])
    return np.array(rows)


def _logistic(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(class_weight="balanced", max_iter=5000).fit(x, y)


def fit_constants(clips: list[Clip]) -> dict:
    """PRIOR and both regressions, fitted on these clips only."""
    clips = [c for c in clips if c.spoken]
    prior = fit_prior(clips)
    with voice_constants({"PRIOR": prior}):
        x = mean_deviations(clips)
    emotions = np.array([c.emotion for c in clips])
    angry = emotions == ANGRY
    constants: dict = {"PRIOR": prior}
    for name, features, negatives in (
        ("AROUSAL", AROUSAL_FEATURES, CALM),
        ("ANGER", ANGER_FEATURES, (HAPPY,)),
    ):
        rows = angry | np.isin(emotions, negatives)
        cols = [NAMES.index(n) for n in features]
        model = _logistic(x[rows][:, cols], angry[rows])
        weights = dict(zip(features, (round(float(w), 3) for w in model.coef_[0]), strict=True))
        constants[f"{name}_WEIGHTS"] = weights
        constants[f"{name}_BIAS"] = round(float(model.intercept_[0]), 3)
    return constants


def clip_scores(clips: list[Clip], constants: dict) -> np.ndarray:
    """Log of arousal x anger^ANGER_SHARE on each clip's mean deviation (clips with
    spoken windows only)."""
    with voice_constants({"PRIOR": constants["PRIOR"]}):
        x = mean_deviations(clips)
    scores = []
    for row in x:
        d = dict(zip(NAMES, row, strict=True))
        a, b = (
            constants[f"{model}_BIAS"]
            + sum(w * d[n] for n, w in constants[f"{model}_WEIGHTS"].items())
            for model in ("AROUSAL", "ANGER")
        )
        scores.append(-np.logaddexp(0, -a) - detector.ANGER_SHARE * np.logaddexp(0, -b))
    return np.array(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data())
    args = parser.parse_args()
    clips = [c for c in load(args.data / "ravdess-dev") if c.spoken]
    actors = sorted({c.actor for c in clips})
    scores: dict[str, list[float]] = defaultdict(list)
    for actor in actors:
        held = [c for c in clips if c.actor == actor]
        constants = fit_constants([c for c in clips if c.actor != actor])
        held_scores = clip_scores(held, constants)
        for clip, score in zip(held, held_scores, strict=True):
            scores[clip.emotion].append(float(score))
    calm = scores["01"] + scores["02"]
    print("leave-one-actor-out AUC on clip means (prior and weights refitted without the actor)")
    print("  angry vs neutral/calm:", round(roc_auc(scores[ANGRY], calm), 3))
    print("  angry vs happy:", round(roc_auc(scores[ANGRY], scores[HAPPY]), 3))
    print("fitted on all twelve actors, to paste into detector.py:")
    for name, value in fit_constants(clips).items():
        print(f"{name} = {value}")


if __name__ == "__main__":
    main()
