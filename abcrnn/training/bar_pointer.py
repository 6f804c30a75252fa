"""Fit a bundle's bar pointer (``model.pointer``) on the bundle's own training tunes, the network fixed.

The network reads every training tune once (numpy, no TensorFlow); at each bar the part before
could give again, the pointer learns how likely that bar is to come back whole. The bundle's
``weights.npz`` gains the pointer's weights and ``bundle.json`` records what it did to the
validation split's bits per character. ``abcrnn train --bar-pointer`` runs this after training.
"""

import math

from abcrnn.errors import AbcrnnError
from abcrnn.model.bundle import load_bundle, rewrite_weights
from abcrnn.model.engine import Engine, mean_log_loss
from abcrnn.model.pointer import BarPointer, bar_log_likelihood, decision_points, fit
from abcrnn.text.abc import TUNE_SEPARATOR
from abcrnn.training.data import trained_split


def fit_bar_pointer(bundle_path: str, corpus: str, report=lambda line: None) -> dict:
    """Fit the bar pointer of the bundle at ``bundle_path`` on the training split of ``corpus`` (the corpus it was
    trained on) and write it into the bundle; return what ``bundle.json`` records of it."""
    bundle = load_bundle(bundle_path)
    if not bundle.config.copy:
        raise AbcrnnError(f"--bar-pointer: {bundle.path} has no copy gate, whose part source the pointer follows; "
                          "train it with --copy")  # fmt: skip
    train, validation = trained_split(bundle, corpus, "--bar-pointer", "the pointer")
    arrays = bundle.weights(pointer=False)
    network = Engine.from_weights(arrays, bundle.vocabulary.characters)
    encode = lambda texts: [bundle.vocabulary.encode(text + TUNE_SEPARATOR) for text in texts]
    report(f"bar pointer: reading the {len(train)} training tunes of {corpus} with the network")
    points = decision_points(network, encode(train))
    if not len(points[1]):
        raise AbcrnnError(f"--bar-pointer: no tune of {corpus} has a second part for the pointer to learn from")
    weights, bias = fit(points)
    pointer = BarPointer(weights, bias, bundle.vocabulary.characters)
    held_out = encode(validation)
    characters = sum(len(ids) - 1 for ids in held_out)
    without = mean_log_loss(network, held_out) / math.log(2)
    with_pointer = without - bar_log_likelihood(weights, bias, decision_points(network, held_out)) / characters / \
        math.log(2)  # fmt: skip
    record = {
        "training_bars": len(points[1]),
        "bars_coming_back_whole": round(float(points[1].mean()), 4),
        "validation_bits_per_char_without": round(without, 5),
        "validation_bits_per_char": round(with_pointer, 5),
    }
    rewrite_weights(bundle.path, arrays | pointer.arrays(), bundle.metadata | {"bar_pointer": record})
    report(f"bar pointer: validation {without:.4f} bits per character without it, {with_pointer:.4f} with it "
           f"({record['training_bars']} bars of the training tunes, {100 * record['bars_coming_back_whole']:.1f}% "
           f"coming back whole); written into {bundle.path}")  # fmt: skip
    return record

