"""Trains the words' tension model on GoEmotions and writes its weights (`make train-text`).

    .venv/bin/python -m app.tension.train_text [--data ../shared/data/goemotions-dev]

Needs the `train` extra (scikit-learn). Positives are comments labelled anger or annoyance,
negatives those labelled neutral only (adding thanks or joy to the negatives cost more dev
AUC than it bought in fewer calm false alarms). The
text goes through the same `features()` the product uses, which reads it the way a
recogniser writes it, so one model serves punctuated and recogniser-style text. Prints the
dev AUC (anger/annoyance vs neutral) in both styles.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from deescalate.tension.text_model import MODEL_PATH, TextModel, features

ANGRY = {2, 3}  # anger, annoyance
NEUTRAL = 27
NEGATIVES = {NEUTRAL}
MAX_FEATURES = 60000
REGULARISATION = 1.0


def read(path: Path) -> list[tuple[str, set[int]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text, labels, _ = line.split("\t")
        rows.append((text, {int(x) for x in labels.split(",")}))
    return rows


def recogniser_style(text: str) -> str:
    """Lower case, no punctuation: how a speech recogniser writes the same words."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def train(rows: list[tuple[str, set[int]]]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=features, min_df=2, max_features=MAX_FEATURES, use_idf=True, binary=True
    )
    rows = [(text, labels) for text, labels in rows if labels & ANGRY or labels <= NEGATIVES]
    x = vectorizer.fit_transform([text for text, _ in rows])
    y = np.array([bool(labels & ANGRY) for _, labels in rows])
    model = LogisticRegression(C=REGULARISATION, max_iter=2000, class_weight="balanced")
    model.fit(x, y)
    return vectorizer, model


def save(vectorizer, model, path: Path) -> None:
    vocabulary = vectorizer.get_feature_names_out()
    np.savez_compressed(
        path,
        vocabulary=np.frombuffer("\n".join(vocabulary).encode("utf-8"), dtype=np.uint8),
        weights=model.coef_[0].astype(np.float32),
        idf=vectorizer.idf_.astype(np.float32),
        bias=np.float64(model.intercept_[0]),
    )


def auc(positives: list[float], negatives: list[float]) -> float:
    pos, neg = np.asarray(positives)[:, None], np.asarray(negatives)[None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


def evaluate(model: TextModel, rows: list[tuple[str, set[int]]]) -> dict[str, float]:
    results = {}
    for style, convert in (("punctuated", lambda t: t), ("recogniser", recogniser_style)):
        angry = [model.score(convert(t)).probability for t, labels in rows if labels & ANGRY]
        neutral = [model.score(convert(t)).probability for t, labels in rows if labels == {NEUTRAL}]
        results[style] = round(auc(angry, neutral), 3)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[4] / "shared" / "data" / "goemotions-dev"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    vectorizer, model = train(read(args.data / "train.tsv"))
    save(vectorizer, model, args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB, {len(vectorizer.idf_)} features)")
    for style, value in evaluate(TextModel(args.out), read(args.data / "dev.tsv")).items():
        print(f"dev AUC anger/annoyance vs neutral, {style}: {value}")


if __name__ == "__main__":
    main()
