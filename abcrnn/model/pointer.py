"""The bar pointer: playing the part before's bar again as one decision, not one character at a time.

Human tunes come home by playing a bar of the part before again, whole: of corpora/jigs.abc's
tunes, 68% close their last part with the first part's last bar. Read one character at a time,
the network gives such a bar about nine in ten for each of its dozen or so characters, so the
whole bar comes back in under a third of the cases where a human tune brings it back
(``bench/returns.py``). So at the start of every bar for which the copy memory's ``part``
source proposes one (the same bar of the part before), the engine mixes two ways of going on:

- with probability ``q``, the bar's notes as the part before has them, character for character,
  up to its closing bar line (bar-line characters are left to the network: ``|]`` may close
  what ``:|`` closed before);
- otherwise the network's own characters, as before.

``q`` is a logistic reading of the top LSTM layer's output and the copy sources' run bands at
the bar's start: fitted by maximum likelihood on the training tunes with the network fixed
(``fit``). The mixture is exact at the character level: while the bar so far is the part
before's, the copy's share of the next character is its posterior weight, which grows as the
network alone would have found the bar less likely; the first character that differs ends it.
So sampling draws from the mixture one character at a time, and scoring reads the mixture's
probabilities, each character's the same whatever streams run beside it (no BLAS product).
"""

from dataclasses import dataclass

import numpy as np

from abcrnn.model.copying import RUN_BUCKETS
from abcrnn.text.tokens import BAR_CHARACTER

# Characters the pointer leaves to the network: a bar's closing line is the tune's to choose.
LEFT_TO_NETWORK = BAR_CHARACTER + ":]"
NONE = -np.inf  # the log-odds of a copy where no bar is being copied
ARRAYS = ("pointer_weights", "pointer_bias")  # its arrays' names in a bundle's weights.npz


@dataclass
class PointerState:
    """Each stream's copy under way: its log-odds against the network (``NONE``: none), the character it
    proposed next and the network's log-probability of that character."""

    odds: np.ndarray  # (streams,)
    proposed: np.ndarray  # (streams,) ids; -1 for none
    network_log_prob: np.ndarray  # (streams,)

    @classmethod
    def fresh(cls, streams: int) -> "PointerState":
        return cls(np.full(streams, NONE), np.full(streams, -1, dtype=np.int64), np.zeros(streams))

    def select(self, rows) -> "PointerState":
        return PointerState(self.odds[rows], self.proposed[rows], self.network_log_prob[rows])

    @classmethod
    def joined(cls, states: list["PointerState"]) -> "PointerState":
        return cls(*(np.concatenate([getattr(state, name) for state in states])
                     for name in ("odds", "proposed", "network_log_prob")))  # fmt: skip


@dataclass
class BarPointer:
    """The weights of ``q``: one per feature (the top layer's units, then each source's run band one-hot)."""

    weights: np.ndarray  # (units + sources * RUN_BUCKETS,)
    bias: float
    characters: str

    def __post_init__(self):
        self.weights = np.asarray(self.weights, dtype=np.float64)
        self._left = np.array([c in LEFT_TO_NETWORK for c in self.characters] + [True])  # -1: no proposal

    @classmethod
    def from_arrays(cls, arrays, characters: str, features: int | None) -> "BarPointer | None":
        """The pointer a bundle's arrays hold (None: none), for a network whose ``q`` reads ``features`` values
        (None: the network has no copy gate to follow); a ValueError where its weights do not fit."""
        if ARRAYS[0] not in arrays:
            return None
        weights = np.asarray(arrays[ARRAYS[0]])
        if features is None or weights.shape != (features,):
            raise ValueError("the bar pointer's weights do not fit the network and its copy gate")
        return cls(weights, float(np.asarray(arrays[ARRAYS[1]])), characters)

    def followed(self, state: PointerState, ids: np.ndarray) -> PointerState:
        """The copies after each stream's character ``ids``: on where it was the copy's, over where it was not."""
        going = state.odds > NONE
        same = going & (np.asarray(ids) == state.proposed)
        # The copy's weight stays, the network's is multiplied by its probability of the character.
        odds = np.where(same, state.odds - state.network_log_prob, NONE)
        return PointerState(odds, state.proposed, state.network_log_prob)

    def mixed(self, log_probs: np.ndarray, state: PointerState, top: np.ndarray, bands: np.ndarray,
              proposal: np.ndarray, bar_start: np.ndarray) -> tuple[np.ndarray, PointerState]:  # fmt: skip
        """The next character's log-probabilities with the copies mixed in, and the copies' state.

        ``proposal``: the part source's next character per stream (-1: none); ``bar_start``: whether a bar
        starts there. A copy starts at a bar's start, goes on while the proposal is a note's, and stops at
        the bar's closing line, where the network's own probabilities are left as they are.
        """
        copyable = ~self._left[proposal]
        starting = bar_start & copyable & (state.odds == NONE)
        odds = np.where(copyable, state.odds, NONE)
        if starting.any():
            odds = np.where(starting, self.logit(top, bands), odds)
        rows = np.flatnonzero(odds > NONE)
        network_log_prob = np.zeros(len(odds))
        if len(rows):
            log_probs = log_probs.copy()
            chosen = proposal[rows]
            network_log_prob[rows] = log_probs[rows, chosen]
            share = odds[rows]  # the copy's weight w = sigmoid(odds); the network keeps 1 - w
            log_probs[rows] -= np.logaddexp(0.0, share)[:, None]  # log(1 - w)
            # At the proposal: log(w + (1 - w) p) = logaddexp(log w, log(1 - w) + log p)
            log_probs[rows, chosen] = np.logaddexp(-np.logaddexp(0.0, -share), log_probs[rows, chosen])
        return log_probs, PointerState(odds, np.where(odds > NONE, proposal, -1), network_log_prob)

    def logit(self, top: np.ndarray, bands: np.ndarray) -> np.ndarray:
        """``q``'s log-odds for each stream, from its state and run bands (summed element by element)."""
        return (features(top, bands) * self.weights).sum(axis=1) + self.bias

    def arrays(self) -> dict:
        return dict(zip(ARRAYS, (self.weights, np.array(self.bias))))


def features(top: np.ndarray, bands: np.ndarray) -> np.ndarray:
    """What ``q`` reads: the top layer's output and a one-hot of each source's run band."""
    streams, sources = bands.shape
    one_hot = np.zeros((streams, sources * RUN_BUCKETS))
    one_hot[np.arange(streams)[:, None], np.arange(sources) * RUN_BUCKETS + bands] = 1.0
    return np.concatenate([top, one_hot], axis=1)


def fit(points: tuple[np.ndarray, np.ndarray, np.ndarray], steps: int = 600, learning_rate: float = 0.01,
        l2: float = 1e-3) -> tuple[np.ndarray, float]:  # fmt: skip
    """The weights and bias of ``q`` that make the bars of ``points`` likeliest under the mixture.

    ``points``: at each bar start, its ``features``, whether the bar was the part before's whole
    (1 or 0), and the network's log-probability of the bar's characters as far as the copy would go.
    The likelihood of a bar is ``q * copied + (1 - q) * network``; Adam with an L2 penalty.
    """
    x, copied, network = points[0], points[1].astype(float), np.exp(points[2])
    weights, bias = np.zeros(x.shape[1]), -2.0
    moments = [np.zeros(x.shape[1] + 1), np.zeros(x.shape[1] + 1)]
    for step in range(1, steps + 1):
        q = 1 / (1 + np.exp(-(x @ weights + bias)))
        slope = q * (1 - q) * (copied - network) / (q * copied + (1 - q) * network + 1e-300)
        gradient = np.append(x.T @ slope / len(slope) - l2 * weights, slope.mean())
        moments[0] = 0.9 * moments[0] + 0.1 * gradient
        moments[1] = 0.999 * moments[1] + 0.001 * gradient**2
        move = learning_rate * (moments[0] / (1 - 0.9**step)) / (np.sqrt(moments[1] / (1 - 0.999**step)) + 1e-8)
        weights, bias = weights + move[:-1], bias + move[-1]
    return weights, float(bias)


def bar_log_likelihood(weights: np.ndarray, bias: float, points) -> float:
    """The mixture's log-likelihood of the bars of ``points`` less the network's alone (nats)."""
    x, copied, network_log = points[0], points[1].astype(float), points[2]
    q = 1 / (1 + np.exp(-(x @ weights + bias)))
    return float((np.log(q * copied + (1 - q) * np.exp(network_log) + 1e-300) - network_log).sum())


def decision_points(engine, sequences: list[np.ndarray], streams: int = 64):
    """The bars where the pointer could start a copy in ``sequences`` (each from a fresh state), read by the
    network alone (``Engine.network_step``): their ``features``, whether the bar is the part before's as far as
    the copy goes (1 or 0), and the network's log-probability of its characters that far (for ``fit``)."""
    left = np.array([c in LEFT_TO_NETWORK for c in engine.characters] + [True])
    found: list = []
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    for first in range(0, len(order), streams):
        group = [sequences[i] for i in order[first : first + streams]]
        longest = max(len(sequence) for sequence in group)
        padded = np.zeros((len(group), longest), dtype=np.int64)
        for row, sequence in enumerate(group):
            padded[row, : len(sequence)] = sequence
        state, rows = engine.initial_state(len(group)), np.arange(len(group))
        read = {name: np.zeros((len(group), longest - 1), dtype=kind)
                for name, kind in (("log_prob", float), ("proposal", np.int64), ("start", bool))}  # fmt: skip
        starts: dict = {}
        for column in range(longest - 1):
            log_probs, state, top, bands = engine.network_step(padded[:, column], state)
            proposal, bar_start = state.copy.part_proposal()
            read["log_prob"][:, column] = log_probs[rows, padded[:, column + 1]]
            read["proposal"][:, column], read["start"][:, column] = proposal, bar_start & ~left[proposal]
            rows_starting = np.flatnonzero(read["start"][:, column])
            for row, values in zip(rows_starting, features(top[rows_starting], bands[rows_starting])):
                starts[row, column] = values
        for row, sequence in enumerate(group):
            for column in np.flatnonzero(read["start"][row, : len(sequence) - 1]):
                copied, log_prob = _copied(sequence, column, read["proposal"][row], read["log_prob"][row], left)
                found.append((starts[row, column], copied, log_prob))
    if not found:
        return np.zeros((0, 0)), np.zeros(0), np.zeros(0)
    return tuple(np.array(values) for values in zip(*found))


def _copied(sequence: np.ndarray, start: int, proposals: np.ndarray, log_probs: np.ndarray, left) -> tuple[int, float]:
    """Whether the characters from ``start`` are the proposals up to the bar's closing line, and the network's
    log-probability of them as far as they are."""
    total, position = 0.0, start
    while position < len(sequence) - 1:
        if position > start and left[proposals[position]]:
            break
        total += log_probs[position]
        if sequence[position + 1] != proposals[position]:
            return 0, total
        position += 1
    return 1, total
