"""Look inside the model: its top-5 guesses under every character, and what its cells track.

The numpy engine reads a tune one character at a time; after each it gives
the probabilities of the next character and the state of every LSTM cell
(``tanh`` of the cell state, in [-1, 1], as the char-RNN write-up shows them).
To offer cells worth looking at, each cell's activation over the file's tunes
is correlated with things a musician knows: how far through the bar a
character is, whether it is in a header line, whether the tune is in its
second part, and how far through a group of beamed notes it is.
"""

import re

import numpy as np

from abcrnn.text.abc import TUNE_SEPARATOR, model_text
from abcrnn.text.tokens import PART_END, BarLine, Token, scan
from abcrnn.errors import AbcrnnError

TOP_GUESSES = 5
MOST_CHARACTERS = 3000  # per tune on the page: a longer one is cut here
_PART_END = re.compile(PART_END)  # where the second part starts
FEATURES = {
    "bar": "how far through the bar",
    "header": "inside a header line (T:, M:, K: ...)",
    "part": "in the second part of the tune",
    "group": "how far through a group of beamed notes",
}


def trace(engine, vocabulary, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Feed ``text``; per character, the next-character probabilities and every cell's activation."""
    ids = vocabulary.encode(text)
    state = engine.initial_state(1)
    probabilities, cells = [], []
    for character_id in ids:
        log_probs, state = engine.step(np.array([character_id]), state)
        probabilities.append(np.exp(log_probs)[0])
        cells.append(np.concatenate([np.tanh(c[0]) for _, c in state.lstm]))
    return np.array(probabilities), np.array(cells)


def musical_features(text: str) -> dict[str, np.ndarray]:
    """Per character of a tune, the values of each feature in ``FEATURES`` (0 to 1).

    >>> features = musical_features("X:1\\nK:D\\nAB c|d :|e")
    >>> features["header"].tolist()[:9], features["part"].tolist()[-3:]
    ([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 1.0])
    """
    values = {name: np.zeros(len(text)) for name in FEATURES}
    header_end = text.find("\nK:")
    header_end = text.find("\n", header_end + 1) if header_end >= 0 else -1
    music = header_end + 1
    values["header"][:music] = 1.0
    tokens = scan(text[music:])
    bars = [music + token.end for token in tokens if isinstance(token, BarLine) and token.symbol]
    for start, end in zip([music] + bars, bars + [len(text)]):
        if end > start:
            values["bar"][start:end] = np.arange(end - start) / (end - start)
    second = next((token for token in tokens if isinstance(token, BarLine) and _PART_END.fullmatch(token.symbol)), None)
    if second:
        values["part"][music + second.end :] = 1.0
    for group in _groups(tokens):  # notes between spaces and bar lines
        start, end = music + group[0].start, music + group[-1].end
        values["group"][start:end] = np.arange(end - start) / max(end - start - 1, 1)
    return values


def _groups(tokens: list[Token]) -> list[list[Token]]:
    """The runs of tokens between spaces and bar lines: groups of beamed notes, and what is written on them."""
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind in ("space", "bar"):
            groups.append([])
        else:
            groups[-1].append(token)
    return [group for group in groups if group]


def cells_that_track(cells: np.ndarray, features: dict[str, np.ndarray]) -> list[dict]:
    """For each feature, the cell whose activation correlates with it most, and how well (Pearson r)."""
    centred = cells - cells.mean(axis=0)
    spread = np.sqrt((centred**2).sum(axis=0)) + 1e-9
    found = []
    for name, values in features.items():
        deviation = values - values.mean()
        if not deviation.any():
            continue
        correlation = centred.T @ deviation / (spread * np.sqrt((deviation**2).sum()))
        best = int(np.argmax(np.abs(correlation)))
        found.append({"cell": best, "feature": name, "tracks": FEATURES[name], "r": round(float(correlation[best]), 3)})
    return found


def explain_data(bundle, tunes: list[str], neuron: int | None = None) -> dict:
    """The page's data: the first tune's characters, top-5 guesses and the activations of the offered cells."""
    engine, vocabulary = bundle.engine(), bundle.vocabulary
    cell_count = bundle.config.layers * bundle.config.units
    if neuron is not None and (isinstance(neuron, bool) or not isinstance(neuron, int) or not 0 <= neuron < cell_count):
        raise AbcrnnError(f"--neuron must be a cell number from 0 to {cell_count - 1}, got {neuron!r}")
    texts = [model_text(tune.strip("\n"), bundle.header_order) + TUNE_SEPARATOR for tune in tunes]
    unseen = sorted({character for text in texts for character in text} - set(vocabulary.characters))
    if unseen:
        raise AbcrnnError(f"the model has never seen {' '.join(map(repr, unseen))}; remove them from the file")
    traced = [trace(engine, vocabulary, text) for text in texts]
    if neuron is None:
        features = [musical_features(text) for text in texts]
        joined = {name: np.concatenate([feature[name] for feature in features]) for name in FEATURES}
        offered = cells_that_track(np.concatenate([cells for _, cells in traced]), joined)
    else:
        offered = [{"cell": neuron, "feature": None, "tracks": "chosen with --neuron", "r": None}]
    text, (probabilities, cells) = texts[0][:MOST_CHARACTERS], traced[0]
    top = np.argsort(-probabilities, axis=1)[:, :TOP_GUESSES]
    return {
        "characters": list(text),
        "guesses": [[[vocabulary.characters[i], round(float(row[i]), 3)] for i in order]
                    for row, order in zip(probabilities, top)][: len(text)],  # fmt: skip
        "cells": [{**item, "activations": np.round(cells[: len(text), item["cell"]], 3).tolist()} for item in offered],
        "tunes_read": len(tunes),
        "cell_count": cell_count,
    }


def render_explain(data: dict, title: str) -> str:
    """The explain page: its template with its style, script and ``data`` inlined."""
    from abcrnn.pages.page import fill_template

    return fill_template("explain", title, data)
