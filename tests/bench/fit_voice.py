"""Fits the voice side of the detector on RAVDESS (actors 1-12): the population prior and
the weights that turn a window's deviations from the caller's baseline into evidence.

    .venv/bin/python tests/bench/fit_voice.py [--data ../shared/data]   (needs the train extra)

- Prior: median and spread (1.4826 x MAD) of each feature over every actor's neutral and
  calm speech: ordinary voices, before anything is known of this caller.
- Weights: two logistic regressions on each clip's mean deviation (in spreads) from the same
  actor's neutral/calm baseline: angry against neutral/calm (arousal: loudness, its swing,
  c0, flux) and angry against happy (anger rather than joy: mel-cepstrum c0-c6). The
  detector combines them as arousal x anger^ANGER_SHARE. AUCs are leave-one-actor-out.
Paste the printed PRIOR and weights into app/tension/detector.py.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from bench_detector import clip_features, default_data, roc_auc  # noqa: E402

from deescalate.tension.detector import (  # noqa: E402
    ANGER_SHARE,
    ANGER_WEIGHTS,
    AROUSAL_WEIGHTS,
    PRIOR,
    Baseline,
    window_features,
)

NAMES = list(PRIOR)


def load(folder: Path) -> list[tuple[str, str, list]]:
    clips = []
    for path in sorted(folder.glob("*.wav")):
        parts = path.stem.split("-")
        windows = [w for w in clip_features(path) if w.voiced >= 0.3 and w.pitch_hz > 0]
        if windows:
            clips.append((parts[6], parts[2], windows))
    return clips


def prior(clips) -> dict[str, tuple[float, float]]:
    values = defaultdict(list)
    for _, emotion, windows in clips:
        if emotion in ("01", "02"):
            for w in windows:
                for name, value in window_features(w).items():
                    values[name].append(value)
    out = {}
    for name in NAMES:
        v = np.array(values[name])
        median = float(np.median(v))
        spread = 1.4826 * float(np.median(np.abs(v - median)))
        out[name] = (round(median, 3), round(spread, 3))
    out["loudness"] = PRIOR["loudness"]  # RAVDESS levels say nothing of a headset's
    return out


def deviations(clips) -> np.ndarray:
    rows = []
    for index, (actor, _, windows) in enumerate(clips):
        baseline = Baseline()
        for other, (other_actor, emotion, other_windows) in enumerate(clips):
            if other_actor == actor and emotion in ("01", "02") and other != index:
                for w in other_windows:
                    baseline.learn(w)
        devs = [baseline.deviations(w) for w in windows]
        rows.append([float(np.mean([d[n] for d in devs])) for n in NAMES])
    return np.array(rows)


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data())
    args = parser.parse_args()
    clips = load(args.data / "ravdess-dev")
    print("PRIOR =", prior(clips))
    x = deviations(clips)
    emotions = np.array([emotion for _, emotion, _ in clips])
    actors = np.array([actor for actor, _, _ in clips])
    angry = emotions == "05"
    calm_or_angry = np.isin(emotions, ["01", "02", "05"])
    happy_or_angry = np.isin(emotions, ["03", "05"])
    arousal_cols = [NAMES.index(n) for n in AROUSAL_WEIGHTS]
    anger_cols = [NAMES.index(n) for n in ANGER_WEIGHTS]

    def fit(rows: np.ndarray, cols: list[int]):
        model = LogisticRegression(class_weight="balanced", max_iter=2000)
        return model.fit(x[rows][:, cols], angry[rows])

    def combined(arousal, anger, rows: np.ndarray) -> np.ndarray:
        a = arousal.decision_function(x[rows][:, arousal_cols])
        b = anger.decision_function(x[rows][:, anger_cols])
        return -np.logaddexp(0, -a) - ANGER_SHARE * np.logaddexp(0, -b)  # log of the product

    scores = np.zeros(len(clips))
    for actor in sorted(set(actors)):
        held = actors == actor
        arousal = fit(~held & calm_or_angry, arousal_cols)
        anger = fit(~held & happy_or_angry, anger_cols)
        scores[held] = combined(arousal, anger, held)
    calm = scores[np.isin(emotions, ["01", "02"])]
    happy = scores[emotions == "03"]
    print("leave-one-actor-out AUC angry vs neutral/calm:", round(roc_auc(scores[angry], calm), 3))
    print("leave-one-actor-out AUC angry vs happy:", round(roc_auc(scores[angry], happy), 3))
    for name, cols, rows in (
        ("AROUSAL", arousal_cols, calm_or_angry),
        ("ANGER", anger_cols, happy_or_angry),
    ):
        model = fit(rows, cols)
        weights = {NAMES[c]: round(float(w), 3) for c, w in zip(cols, model.coef_[0], strict=True)}
        print(f"{name}_WEIGHTS =", weights)
        print(f"{name}_BIAS =", round(float(model.intercept_[0]), 3))


if __name__ == "__main__":
    main()
