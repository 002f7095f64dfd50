"""The shipped text model file: one that is old or damaged is refused with a message that
names the file and the fix, never half loaded."""

from __future__ import annotations

import numpy as np
import pytest

from deescalate.tension.errors import TextModelError
from deescalate.tension.text_model import MODEL_PATH, TextModel


def rewritten(tmp_path, change) -> TextModel:
    with np.load(MODEL_PATH) as data:
        arrays = dict(data)
    change(arrays)
    path = tmp_path / "text_model.npz"
    np.savez_compressed(path, **arrays)
    return TextModel(path)


def test_a_model_from_before_the_threat_network_is_refused_naming_the_fix(tmp_path):
    def drop_network(arrays):
        for key in ("threat_hidden", "threat_hidden_bias", "threat_out", "threat_out_bias"):
            del arrays[key]

    with pytest.raises(TextModelError) as caught:
        rewritten(tmp_path, drop_network)
    message = str(caught.value)
    assert "text_model.npz" in message and "threat_hidden" in message
    assert "make train-text" in message


@pytest.mark.parametrize(
    "damage",
    [
        lambda arrays: arrays.update(threat_out=arrays["threat_out"][:10]),
        lambda arrays: arrays.update(threat_hidden=arrays["threat_hidden"][0, 0]),
        lambda arrays: arrays.update(threat_hidden=arrays["threat_hidden"][:100]),
    ],
    ids=["short output", "a single number", "too few inputs"],
)
def test_a_threat_network_of_the_wrong_shape_is_called_damaged(tmp_path, damage):
    with pytest.raises(TextModelError, match="damaged; run `make train-text`"):
        rewritten(tmp_path, damage)


def test_the_shipped_model_reads_a_threat_above_ordinary_talk():
    model = TextModel()
    threat = model.score("i know where you live and i will hurt you").heads["threat"]
    errand = model.score("can you tell me when my parcel will arrive").heads["threat"]
    assert threat > model.sure["threat"] > errand
