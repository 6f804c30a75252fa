"""The cadence bias: where the tune stands in its bar and part tilts the network towards the scale's degrees.

The network has to find out from its own state that it is writing the last note of a part's
eighth bar, where human tunes put the tonic. Teacher-forced on the folk corpus's training tunes
it nearly does (the last note of an eighth bar: the tonic in 75-80% of the human tunes, 67-74%
of the network's probability), but in its own tunes, whose contexts it wrote itself, the first
part ended on the tonic half the time (the corpus's jigs 84%). So the engine multiplies the
network's probability of each note letter by ``exp(b)``, for ``b`` read from a table by two
things the text says for sure:

- where the tune stands (``combination``): the bar's room left, the bar of the part and the
  parts closed so far, the ids ``context.ContextTracker`` reads from the text so far;
- the letter's degree in the key ``K:`` names (0 the tonic's letter, 4 the dominant's; an
  accidental before it is the network's to choose).

and renormalises. It is a log-linear layer over the network's output, fitted by maximum
likelihood on the training tunes with the network fixed (``fit``), so it moves a degree's
share only as far as the human tunes bear it out at that place, and leaves the other
characters' ratios as the network has them. Where the key has no tonic letter it does nothing.
The engine applies it to the network's probabilities before the bar pointer mixes its copy in
(``model.pointer``), so sampling and scoring read the same mixture.
"""

from dataclasses import dataclass

import numpy as np

from abcrnn.model.context import BANDS
from abcrnn.text.pitches import LETTERS

ARRAYS = ("cadence_weights",)  # its array's name in a bundle's weights.npz
DEGREES = len(LETTERS)
MOST_PARTS = 3  # the parts closed are told apart up to "two or more" (ids 0 unknown, 1 none, 2 one, 3 more)
# The context ids it reads: the room left in the bar, the bar of the part, the parts closed (capped).
SHAPE = (BANDS[0], BANDS[1], MOST_PARTS + 1)
COMBINATIONS = int(np.prod(SHAPE))


def combination(context_ids: np.ndarray) -> np.ndarray:
    """Each row's place in the table, from its ``context.CONTEXTS`` ids ``(rows, 4)``.

    >>> combination(np.array([[0, 0, 0, 5], [1, 0, 0, 5], [0, 1, 0, 5], [0, 0, 9, 5]])).tolist()
    [0, 68, 4, 3]
    """
    ids = np.asarray(context_ids, dtype=np.int64)
    return (ids[:, 0] * SHAPE[1] + ids[:, 1]) * SHAPE[2] + np.minimum(ids[:, 2], MOST_PARTS)


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

    def adjusted(self, log_probs: np.ndarray, context_ids: np.ndarray) -> np.ndarray:
        """The next character's log-probabilities with each note letter's tilted by its degree's ``b``."""
        tonics = np.asarray(context_ids)[:, 3].astype(np.int64) - 1  # context: 0 none, then C to B
        rows = self.weights[combination(context_ids)]  # (streams, degree)
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
