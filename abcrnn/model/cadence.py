"""The cadence bias: where the tune stands in its bar and part tilts the network towards the scale's degrees.

The network has to find out from its own state that it is writing the last note of a part's
eighth bar, where human tunes put the tonic. Teacher-forced on the folk corpus's training tunes
it nearly does (the last note of an eighth bar: the tonic in 75-80% of the human tunes, 67-74%
of the network's probability), but in its own tunes, whose contexts it wrote itself, the first
part ended on the tonic half the time (the corpus's jigs 84%). So the engine multiplies the
network's probability of each note letter by ``exp(b)``, for ``b`` read from a table by two
things the text says for sure:

- where the tune stands (``combination``): its metre, the bar's room left, the bar of the part
  and the parts closed so far, which ``context.ContextTracker`` reads from the text so far;
- the letter's degree in the key ``K:`` names (0 the tonic's letter, 4 the dominant's; an
  accidental before it is the network's to choose).

and renormalises. It is a log-linear layer over the network's output, fitted by maximum
likelihood on the training tunes with the network fixed (``fit``), so it moves a degree's
share only as far as the human tunes bear it out at that place, and leaves the other
characters' ratios as the network has them. Where the key has no tonic letter it does nothing.
The engine applies it to the network's probabilities before the bar pointer mixes its copy in
(``model.pointer``), so sampling and scoring read the same mixture.

Fitted so, the table corrects the network where human tunes lead it; in the tunes the model
writes itself its first parts still ended on the tonic 58% of the time. So the table can then
be matched to the model's own tunes (``matched``, ``abcrnn train --cadence-match``): at a
part's two closing bars, each round of sampling moves each place's tilt by the log ratio of
the corpus's degree shares there to those of the model's own notes there, until the model's
own tunes share their degrees there as the corpus does, each metre with its own. It is moment
matching, not a quota: no tune is sent anywhere, every degree at every closing place moves
towards what human tunes of that metre do there, and elsewhere the likelihood fit stands.
"""

from dataclasses import dataclass

import numpy as np

from abcrnn.model.context import BANDS, METRES
from abcrnn.text.pitches import LETTERS

ARRAYS = ("cadence_weights",)  # its array's name in a bundle's weights.npz
DEGREES = len(LETTERS)
MOST_PARTS = 3  # the parts closed are told apart up to "two or more" (ids 0 unknown, 1 none, 2 one, 3 more)
# What it reads: the tune's metre (``context.metre_id``), then the context ids of the room left in the bar, the
# bar of the part and the parts closed (capped).
SHAPE = (1 + len(METRES), BANDS[0], BANDS[1], MOST_PARTS + 1)
COMBINATIONS = int(np.prod(SHAPE))


def combination(context_ids: np.ndarray, metres: np.ndarray) -> np.ndarray:
    """Each row's place in the table, from its ``context.CONTEXTS`` ids ``(rows, 4)`` and its metre ``(rows,)``.

    >>> combination(np.array([[0, 0, 0, 5], [1, 0, 0, 5], [0, 1, 0, 5], [0, 0, 9, 5], [0, 0, 0, 5]]),
    ...             np.array([0, 0, 0, 0, 1])).tolist()
    [0, 68, 4, 3, 1836]
    """
    ids = np.asarray(context_ids, dtype=np.int64)
    return ((np.asarray(metres, dtype=np.int64) * SHAPE[1] + ids[:, 0]) * SHAPE[2] + ids[:, 1]) * SHAPE[3] \
        + np.minimum(ids[:, 2], MOST_PARTS)  # fmt: skip


def letter_table(characters: str) -> np.ndarray:
    """Each character's note letter as an index into ``LETTERS`` (C 0 ... B 6), -1 for all else.

    >>> letter_table("Cc|g").tolist()
    [0, 0, -1, 4]
    """
    return np.array([LETTERS.index(c.upper()) if c in "ABCDEFGabcdefg" else -1 for c in characters])


def letter_mass(probs: np.ndarray, letters: np.ndarray) -> np.ndarray:
    """The probability of each note letter, ``(rows, 7)``, from probabilities over the vocabulary."""
    mass = np.zeros((len(probs), DEGREES))
    for letter in range(DEGREES):
        mass[:, letter] = probs[:, letters == letter].sum(axis=1)
    return mass


def degrees(letters: np.ndarray, tonics: np.ndarray) -> np.ndarray:
    """The degree of each letter (-1: none) above each tonic letter (-1: none), -1 where either is missing.

    >>> degrees(np.array([4, 0, -1, 4]), np.array([0, 4, 0, -1])).tolist()
    [4, 3, -1, -1]
    """
    return np.where((letters >= 0) & (tonics >= 0), (letters - tonics) % DEGREES, -1)


def by_degree(by_letter: np.ndarray, tonics: np.ndarray) -> np.ndarray:
    """Values given per note letter ``(rows, 7)``, C to B, given per degree above each row's tonic letter instead.

    >>> by_degree(np.array([[0, 1, 2, 3, 4, 5, 6]]), np.array([4])).tolist()  # G: G A B C D E F
    [[4, 5, 6, 0, 1, 2, 3]]
    """
    return np.take_along_axis(by_letter, (np.arange(DEGREES)[None, :] + tonics[:, None]) % DEGREES, axis=1)


@dataclass
class CadenceBias:
    """The table of ``b``: one row per ``combination``, one column per degree."""

    weights: np.ndarray  # (COMBINATIONS, DEGREES)
    characters: str

    def __post_init__(self):
        self.weights = np.asarray(self.weights, dtype=np.float64)
        self._letters = letter_table(self.characters)

    @classmethod
    def from_arrays(cls, arrays, characters: str) -> "CadenceBias | None":
        """The bias a bundle's arrays hold (None: none); a ValueError where its table is not the right shape."""
        if ARRAYS[0] not in arrays:
            return None
        weights = np.asarray(arrays[ARRAYS[0]])
        if weights.shape != (COMBINATIONS, DEGREES):
            raise ValueError(f"the cadence bias's table is {weights.shape}, not {(COMBINATIONS, DEGREES)}")
        return cls(weights, characters)

    def adjusted(self, log_probs: np.ndarray, context_ids: np.ndarray, metres: np.ndarray) -> np.ndarray:
        """The next character's log-probabilities with each note letter's tilted by its degree's ``b``."""
        tonics = np.asarray(context_ids)[:, 3].astype(np.int64) - 1  # context: 0 none, then C to B
        rows = self.weights[combination(context_ids, metres)]  # (streams, degree)
        by_letter = np.take_along_axis(rows, (np.arange(DEGREES)[None, :] - tonics[:, None]) % DEGREES, axis=1)
        bias = np.where(self._letters[None, :] >= 0, by_letter[:, np.maximum(self._letters, 0)], 0.0)
        bias = np.where(tonics[:, None] >= 0, bias, 0.0)
        tilted = log_probs + bias
        return (tilted - np.logaddexp.reduce(tilted, axis=1, keepdims=True)).astype(log_probs.dtype)

    def arrays(self) -> dict:
        return {ARRAYS[0]: self.weights}


def fit(mass: np.ndarray, places: np.ndarray, chosen: np.ndarray, steps: int = 300, learning_rate: float = 0.05,
        l2: float = 0.01) -> tuple[np.ndarray, float]:  # fmt: skip
    """The table that makes the characters chosen likeliest, with the network fixed; and its gain in nats.

    At each character (one row each): ``mass`` the network's probability of each degree
    (``by_degree`` of ``letter_mass``), ``places`` its ``combination`` and ``chosen`` the
    degree of the character that came (-1: not a note letter). With ``Z = 1 + sum_d mass_d
    (exp(b_d) - 1)``, a row's log-likelihood gains ``b_chosen - log Z``; full-batch Adam with an L2
    penalty (per thousand rows, so that it weighs the same on any corpus).
    """
    mass = np.asarray(mass, dtype=np.float64)
    weights = np.zeros((COMBINATIONS, DEGREES))
    letter = chosen >= 0
    counts = np.bincount(places[letter] * DEGREES + chosen[letter], minlength=weights.size).reshape(weights.shape)
    moments = [np.zeros_like(weights), np.zeros_like(weights)]
    for step in range(1, steps + 1):
        raised = np.exp(weights[places])
        share = mass * raised / (1 + (mass * (raised - 1)).sum(axis=1))[:, None]
        expected = np.stack([np.bincount(places, share[:, d], minlength=COMBINATIONS) for d in range(DEGREES)], 1)
        gradient = (expected - counts) / len(places) * 1000 + l2 * weights
        moments[0] = 0.9 * moments[0] + 0.1 * gradient
        moments[1] = 0.999 * moments[1] + 0.001 * gradient**2
        weights -= learning_rate * (moments[0] / (1 - 0.9**step)) / (np.sqrt(moments[1] / (1 - 0.999**step)) + 1e-8)
    return weights, gain(weights, mass, places, chosen)


def gain(weights: np.ndarray, mass: np.ndarray, places: np.ndarray, chosen: np.ndarray) -> float:
    """What the table adds to the log-likelihood of the rows (``fit``'s), in nats."""
    rows = weights[places]
    picked = np.where(chosen >= 0, rows[np.arange(len(chosen)), np.maximum(chosen, 0)], 0.0)
    return float((picked - np.log(1 + (mass * (np.exp(rows) - 1)).sum(axis=1))).sum())


# Matching the model's own tunes (``matched``): the rows of a part's closing bars, the seventh and eighth with an
# anacrusis or without (``context``'s bar of the part: bars completed plus one).
CLOSING_BARS = (7, 8, 9, 10)
LEAST_NOTES = 30  # a row is matched where the corpus and the model's own tunes each have this many notes at it
MATCH_STEP = 0.7  # how far a round moves a row's tilt towards the corpus's shares (1: all the way, as read)
MOST_TILT = 3.0


def closing_rows() -> np.ndarray:
    """Whether each row of the table is at a part's closing bars (``CLOSING_BARS``).

    >>> rows = closing_rows()
    >>> rows.shape, int(rows.sum()), bool(rows[combination(np.array([[5, 8, 1, 3]]), np.array([1]))[0]])
    ((11016,), 2592, True)
    """
    bars = (np.arange(COMBINATIONS) // SHAPE[3]) % SHAPE[2]
    return np.isin(bars, CLOSING_BARS)


def shares(counts: np.ndarray) -> np.ndarray:
    """Each row's degree shares from its note counts, smoothed by one note of each degree."""
    return (counts + 1.0) / (counts.sum(axis=1, keepdims=True) + DEGREES)


def matched_rows(corpus: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The rows a round moves: a part's closing bars where both counts have ``LEAST_NOTES``."""
    return closing_rows() & (corpus.sum(axis=1) >= LEAST_NOTES) & (own.sum(axis=1) >= LEAST_NOTES)


def matched(weights: np.ndarray, corpus: np.ndarray, own: np.ndarray, step: float = MATCH_STEP) -> np.ndarray:
    """The table after one round of matching the model's own tunes to the corpus at a part's closing bars.

    ``corpus`` and ``own`` count the notes of each degree at each row ``(COMBINATIONS, DEGREES)``,
    in the training tunes and in tunes the model sampled with ``weights``. Each matched row's
    tilt moves by ``step`` times the log ratio of the corpus's shares to the model's own, less
    that step's mean over the model's own shares, so that notes as a whole keep their share
    against the other characters; other rows stay.

    >>> corpus, own = np.zeros((COMBINATIONS, DEGREES)), np.zeros((COMBINATIONS, DEGREES))
    >>> row = combination(np.array([[5, 8, 1, 3]]), np.array([1]))[0]
    >>> corpus[row], own[row] = [80, 0, 0, 0, 20, 0, 0], [40, 0, 0, 0, 60, 0, 0]
    >>> moved = matched(np.zeros((COMBINATIONS, DEGREES)), corpus, own, step=1.0)
    >>> bool(moved[row, 0] > 0 > moved[row, 4]), bool(abs(shares(own)[row] @ moved[row]) < 1e-12)
    (True, True)
    >>> int((moved != 0).any(axis=1).sum())
    1
    """
    change = np.log(shares(corpus)) - np.log(shares(own))
    change -= (shares(own) * change).sum(axis=1, keepdims=True)
    rows = matched_rows(corpus, own)
    return np.clip(weights + step * np.where(rows[:, None], change, 0.0), -MOST_TILT, MOST_TILT)


def mismatch(corpus: np.ndarray, own: np.ndarray) -> float:
    """How far the model's own degree shares are from the corpus's at the matched rows: the total variation
    distance, averaged over the model's own notes there."""
    rows = matched_rows(corpus, own)
    if not rows.any():
        return 0.0
    distance = np.abs(shares(corpus) - shares(own)).sum(axis=1) / 2
    notes = own.sum(axis=1)
    return float((distance * notes)[rows].sum() / notes[rows].sum())
