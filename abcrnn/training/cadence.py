"""Fit a bundle's cadence bias (``model.cadence``) on the bundle's own training tunes, the network fixed.

The network reads every training tune once (numpy, no TensorFlow); at each character the
context says where the tune stands and the key its tonic, and the bias learns how far each
degree's share there should move. The bundle's ``weights.npz`` gains the table and
``bundle.json`` records what it did to the validation split's bits per character. A bar pointer
fitted before is dropped with its record, as it was fitted on the network without the bias:
``abcrnn train --cadence --bar-pointer`` fits the bias, then the pointer on top of it.

``abcrnn train --cadence-match N`` (``match_cadence``) then matches the table to the model's own
tunes at a part's closing bars, N rounds of sampling (``cadence.matched``), and records the
whole model's validation bits per character after it; a fit by likelihood replaces the match.
"""

import math

import numpy as np

from abcrnn.errors import AbcrnnError
from abcrnn.model import cadence
from abcrnn.model.bundle import load_bundle, rewrite_weights
from abcrnn.model.context import contexts_and_metres
from abcrnn.model.engine import Engine, mean_log_loss
from abcrnn.text.abc import TUNE_SEPARATOR
from abcrnn.training.data import trained_split


def fit_cadence(bundle_path: str, corpus: str, report=lambda line: None) -> dict:
    """Fit the cadence bias of the bundle at ``bundle_path`` on the training split of ``corpus`` (the corpus it was
    trained on) and write it into the bundle; return what ``bundle.json`` records of it."""
    bundle = load_bundle(bundle_path)
    train, validation = trained_split(bundle, corpus, "--cadence", "the cadence bias")
    arrays = bundle.weights(pointer=False, cadence=False)
    network = Engine.from_weights(arrays, bundle.vocabulary.characters)
    report(f"cadence bias: reading the {len(train)} training tunes of {corpus} with the network")
    rows = character_rows(network, bundle.vocabulary, train)
    if not (rows[2] >= 0).any():
        raise AbcrnnError(f"--cadence: no tune of {corpus} has a note in a key with a tonic to learn from")
    weights, _ = cadence.fit(*rows)
    held_out = character_rows(network, bundle.vocabulary, validation)
    encoded = [bundle.vocabulary.encode(text + TUNE_SEPARATOR) for text in validation]
    characters = sum(len(ids) - 1 for ids in encoded)
    without = mean_log_loss(network, encoded) / math.log(2)
    with_bias = without - cadence.gain(weights, *held_out) / characters / math.log(2)
    record = {
        "training_characters": len(rows[1]),
        "validation_bits_per_char_without": round(without, 5),
        "validation_bits_per_char": round(with_bias, 5),
    }
    dropped = " (its bar pointer, fitted without it, dropped: refit it with --bar-pointer)" \
        if "bar_pointer" in bundle.metadata else ""  # fmt: skip
    metadata = {name: value for name, value in bundle.metadata.items() if name != "bar_pointer"}
    rewrite_weights(bundle.path, arrays | cadence.CadenceBias(weights, bundle.vocabulary.characters).arrays(),
                    metadata | {"cadence": record})  # fmt: skip
    report(f"cadence bias: validation {without:.4f} bits per character without it, {with_bias:.4f} with it; "
           f"written into {bundle.path}{dropped}")  # fmt: skip
    return record


def character_rows(network: Engine, vocabulary, texts: list[str], streams: int = 64):
    """What ``cadence.fit`` reads of each character the network predicts in ``texts`` (each tune from a fresh
    state): the network's probability of each degree, the place's ``combination`` and the degree that came."""
    letters = cadence.letter_table(vocabulary.characters)
    found: list = []
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for first in range(0, len(order), streams):
        group = [texts[i] + TUNE_SEPARATOR for i in order[first : first + streams]]
        ids = [vocabulary.encode(text) for text in group]
        longest = max(len(sequence) for sequence in ids)
        padded = np.zeros((len(group), longest), dtype=np.int64)
        for row, sequence in enumerate(ids):
            padded[row, : len(sequence)] = sequence
        state, mass = network.initial_state(len(group)), np.zeros((len(group), longest - 1, cadence.DEGREES))
        for column in range(longest - 1):
            log_probs, state, _, _ = network.network_step(padded[:, column], state)
            mass[:, column] = cadence.letter_mass(np.exp(log_probs), letters)
        for row, (text, sequence) in enumerate(zip(group, ids)):
            places, tonics, chosen = _places(text, letters[sequence[1:]])
            keep = tonics >= 0
            found.append((cadence.by_degree(mass[row, : len(sequence) - 1], tonics)[keep], places[keep],
                          chosen[keep]))  # fmt: skip
    return tuple(np.concatenate(values) for values in zip(*found))


def _places(text: str, following: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each character of ``text`` but its last, what the next one is read with: its place in the table
    (``cadence.combination``), the tonic letter (-1: none) and the degree of the next character's letter
    (``following``: each next character's letter, -1 for none; -1 where it is no note or there is no tonic)."""
    contexts, metres = contexts_and_metres(text)  # after each character, for the one after it
    contexts, metres = contexts[:-1], metres[:-1]
    tonics = contexts[:, 3].astype(np.int64) - 1
    return cadence.combination(contexts, metres), tonics, cadence.degrees(following, tonics)


MATCH_TUNES = 1000  # tunes the model samples each round of --cadence-match


def match_cadence(bundle_path: str, corpus: str, rounds: int, report=lambda line: None, tunes: int = MATCH_TUNES,
                  progress: bool = False) -> dict:  # fmt: skip
    """Match the model's own tunes to the corpus at a part's closing bars (``cadence.matched``), ``rounds`` times,
    and write the table into the bundle at ``bundle_path``; return what ``bundle.json`` records of it.

    Each round samples ``tunes`` tunes from the whole model as it stands (``rewards.own_tunes``: ``--rhythm any
    --best-of 1``, the cadence bias and the bar pointer included) and counts the degrees of their notes at each
    place, as ``fit`` counts the training tunes'. ``progress``: print each round's tunes sampled so far.
    """
    from abcrnn.progress import progress_printer
    from abcrnn.training.rewards import own_tunes

    bundle = load_bundle(bundle_path)
    if "cadence" not in bundle.metadata:
        raise AbcrnnError(f"--cadence-match: {bundle.path} has no cadence bias to match: fit it with --cadence")
    train, validation = trained_split(bundle, corpus, "--cadence-match", "the cadence bias")
    standing = _Standing(bundle)
    human = place_counts(train, bundle.vocabulary.characters)
    distances = []
    for number in range(rounds):
        printer = progress_printer(tunes, f"cadence match, round {number + 1} of {rounds}: tunes sampled") \
            if progress else None  # fmt: skip
        own = place_counts(own_tunes(standing, tunes, number, printer), bundle.vocabulary.characters)
        distances.append(round(cadence.mismatch(human, own), 4))
        report(f"cadence match, round {number + 1} of {rounds}: the model's own notes at a part's closing bars "
               f"differ from the corpus's by {distances[-1]:.3f} (total variation of their degrees)")  # fmt: skip
        standing.table[:] = cadence.matched(standing.table, human, own)
    encoded = [bundle.vocabulary.encode(text + TUNE_SEPARATOR) for text in validation]
    bits = mean_log_loss(standing.engine(), encoded) / math.log(2)
    record = {"rounds": rounds, "tunes_per_round": tunes, "closing_bars_mismatch": distances,
              "validation_bits_per_char": round(bits, 5)}  # fmt: skip
    metadata = bundle.metadata | {"cadence": bundle.metadata["cadence"] | {"matched": record}}
    rewrite_weights(bundle.path, bundle.weights() | {cadence.ARRAYS[0]: standing.table}, metadata)
    report(f"cadence match: validation {bits:.4f} bits per character (the whole model); written into {bundle.path}")
    return record


class _Standing:
    """The bundle as ``sample_from`` reads it, with one engine whose cadence table (``table``) moves each round."""

    def __init__(self, bundle):
        self.vocabulary, self.header_order = bundle.vocabulary, bundle.header_order
        self.header_statistics = bundle.header_statistics
        self._engine = bundle.engine()
        self.table = self._engine.cadence.weights

    def engine(self):
        return self._engine


def place_counts(texts: list[str], characters: str) -> np.ndarray:
    """How many notes of each degree the tunes have at each place of the table ``(COMBINATIONS, DEGREES)``, read as
    ``character_rows`` reads them (a character the vocabulary lacks counts as no note)."""
    letters = np.append(cadence.letter_table(characters), -1)
    index = {character: number for number, character in enumerate(characters)}
    counts = np.zeros(cadence.COMBINATIONS * cadence.DEGREES)
    for text in texts:
        text += TUNE_SEPARATOR
        places, _, chosen = _places(text, letters[[index.get(character, -1) for character in text[1:]]])
        kept = chosen >= 0
        counts += np.bincount(places[kept] * cadence.DEGREES + chosen[kept], minlength=counts.size)
    return counts.reshape(cadence.COMBINATIONS, cadence.DEGREES)
