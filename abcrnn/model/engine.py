"""A numpy inference engine: the Keras model's math without TensorFlow.

It runs the embedding, each LSTM layer, the dense softmax of ``build_model`` and,
for a model with a copy gate, the boosts the tune's own past gives its logits, on
explicit per-stream state, for any number of streams at once. Sampling and
scoring use it, so they start in a fraction of a second; a test checks that it
gives the Keras model's probabilities.
"""

from dataclasses import dataclass, field

import numpy as np

from abcrnn.model.copying import RUN_BUCKETS, CopyTracker


@dataclass
class State:
    """Every stream's state: per LSTM layer (hidden h, cell c), each (streams, units), and the copy memory."""

    lstm: list[tuple[np.ndarray, np.ndarray]]
    copy: CopyTracker | None = field(default=None)

    def select(self, rows) -> "State":
        """The state of the given streams only, in that order."""
        return State([(h[rows], c[rows]) for h, c in self.lstm], self.copy.select(rows) if self.copy else None)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # equal to 1 / (1 + exp(-x)), and never overflows


@dataclass
class Engine:
    """The network's weights as numpy arrays, and one step of its math."""

    first_layer_table: np.ndarray  # (vocab, 4 * units): embedding @ kernel + bias, per character
    recurrent_kernels: list[np.ndarray]  # per layer (units, 4 * units)
    kernels: list[np.ndarray]  # per layer after the first (units, 4 * units)
    biases: list[np.ndarray]  # per layer after the first (4 * units,)
    dense_kernel: np.ndarray  # (units, vocab)
    dense_bias: np.ndarray  # (vocab,)
    gate_kernel: np.ndarray | None = None  # (units + sources * run bands, sources), with a copy gate
    gate_bias: np.ndarray | None = None  # (sources,)
    characters: str = ""  # the vocabulary, which the copy memory reads
    # The kernels transposed, (4 * units, units) and C-ordered, for ``_times``.
    _recurrent_t: list = field(init=False, repr=False)
    _kernels_t: list = field(init=False, repr=False)

    def __post_init__(self):
        self._recurrent_t = [np.ascontiguousarray(kernel.T) for kernel in self.recurrent_kernels]
        self._kernels_t = [np.ascontiguousarray(kernel.T) for kernel in self.kernels]

    @classmethod
    def from_weights(cls, weights, characters: str = "") -> "Engine":
        """Build from the named arrays of ``model.model_weights`` (or a bundle's ``.npz``).

        A model with a copy gate also needs its vocabulary's ``characters``.
        """
        if "gate_kernel" in weights and not characters:
            # Without the vocabulary the copy memory could not tell a bar line: it would propose nothing.
            raise ValueError("a model with a copy gate needs its vocabulary's characters")
        layers = sum(1 for name in weights if name.endswith("_recurrent_kernel"))
        array = lambda name: np.asarray(weights[name], dtype=np.float32)  # noqa: E731
        # The first layer's input is one of `vocab` embeddings, so its input
        # projection can be looked up instead of multiplied at every step.
        table = array("embedding") @ array("lstm_0_kernel") + array("lstm_0_bias")
        return cls(
            first_layer_table=table.astype(np.float32),
            recurrent_kernels=[array(f"lstm_{i}_recurrent_kernel") for i in range(layers)],
            kernels=[array(f"lstm_{i}_kernel") for i in range(1, layers)],
            biases=[array(f"lstm_{i}_bias") for i in range(1, layers)],
            dense_kernel=array("dense_kernel"),
            dense_bias=array("dense_bias"),
            gate_kernel=array("gate_kernel") if "gate_kernel" in weights else None,
            gate_bias=array("gate_bias") if "gate_bias" in weights else None,
            characters=characters,
        )

    @property
    def vocab_size(self) -> int:
        return self.dense_bias.shape[0]

    def initial_state(self, streams: int, break_loops: bool = False) -> State:
        """Zero state for ``streams`` independent streams, each at the start of a tune.

        ``break_loops`` (for sampling) stops the copy memory proposing a third playing of a passage
        (``copying.CopyTracker``); the probabilities are then no longer the Keras model's.
        """
        shapes = [(streams, kernel.shape[0]) for kernel in self.recurrent_kernels]
        copy = CopyTracker(self.characters, streams, break_loops=break_loops) if self.gate_kernel is not None else None
        return State([(np.zeros(shape, np.float32), np.zeros(shape, np.float32)) for shape in shapes], copy)

    def step(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Feed one character id per stream; return next-character log-probabilities and the new state.

        The copy memory in ``state`` moves on in place: use the returned state from then on.
        """
        top, lstm_state = self._lstm_step(ids, state.lstm)
        logits = top @ self.dense_kernel + self.dense_bias
        if state.copy is not None:
            logits = logits + self._copy_boosts(top, *state.copy.feed(ids))
        log_probs = logits - logits.max(axis=1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
        return log_probs, State(lstm_state, state.copy)

    def _copy_boosts(self, top, proposals, bands) -> np.ndarray:
        """What the copy gate adds to each character's logit, as ``model.CopyGate`` computes it."""
        streams, sources = bands.shape
        units = top.shape[1]
        # The kernel reads the state and each source's band one-hot: a one-hot's product is the band's row.
        band_rows = self.gate_kernel[units + np.arange(sources) * RUN_BUCKETS + bands]  # (streams, sources, sources)
        raw = top @ self.gate_kernel[:units] + band_rows.sum(axis=1) + self.gate_bias
        boosts = np.where(bands > 0, np.logaddexp(0.0, raw), 0.0)  # softplus
        added = np.zeros((streams, self.vocab_size), np.float32)
        # Sources may propose the same character: their boosts add up.
        np.add.at(added, (np.arange(streams)[:, None], proposals), boosts.astype(np.float32))
        return added

    def _lstm_step(self, ids: np.ndarray, lstm_state) -> tuple[np.ndarray, list]:
        new_state = []
        x = None
        for index, (h, c) in enumerate(lstm_state):
            if index == 0:
                z = self.first_layer_table[ids] + _times(h, self._recurrent_t[0])
            else:
                z = _times(x, self._kernels_t[index - 1]) + _times(h, self._recurrent_t[index]) + self.biases[index - 1]
            # Keras orders the four gates input, forget, candidate, output.
            units = h.shape[1]
            i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            new_state.append((h, c))
            x = h
        return x, new_state

    def feed(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Feed a (streams, length) block of ids; return the last log-probabilities and the state."""
        log_probs = None
        for column in range(ids.shape[1]):
            log_probs, state = self.step(ids[:, column], state)
        return log_probs, state


# Up to this many streams, a matrix-vector product per stream beats one matrix product.
ROW_BY_ROW = 6


def _times(x: np.ndarray, kernel_t: np.ndarray) -> np.ndarray:
    """``x @ kernel`` from the transposed kernel, as OpenBLAS computes it fastest here.

    Measured on the 2-core CPU (one 384 x 1536 kernel): ``kernel.T @ x.T`` took 658 us at 100
    streams and 145 at 2, against 790 and 178 for ``x @ kernel``; one matrix-vector product per
    stream took 43 us at 2 streams and 121 at 6 (a batch of 2 to 8 costs OpenBLAS ~150 us).
    """
    if 1 < len(x) <= ROW_BY_ROW:
        return np.stack([kernel_t @ row for row in x])
    return (kernel_t @ x.T).T


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities from logits, sharpened (< 1) or flattened (> 1) by ``temperature``."""
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exponentials = np.exp(scaled)
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def mean_log_loss(engine: Engine, sequences: list[np.ndarray]) -> float:
    """Mean loss in nats per predicted character over sequences, each scored from a fresh state."""
    scores = log_probabilities(engine, sequences)
    return float(-sum(score.sum() for score in scores) / sum(len(score) for score in scores))


def log_probabilities(engine: Engine, sequences: list[np.ndarray], streams: int = 64) -> list[np.ndarray]:
    """Natural-log probability of each id of each sequence after the first.

    Each sequence is scored from a fresh state: its first id is given and every
    later id is predicted from those before it. Sequences are run ``streams``
    at a time, the shortest together; padding past a sequence's end is dropped.
    """
    scores: list[np.ndarray] = [np.zeros(0)] * len(sequences)
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    for start in range(0, len(order), streams):
        group = order[start : start + streams]
        lengths = [len(sequences[i]) for i in group]
        padded = np.zeros((len(group), max(lengths)), dtype=np.int64)
        for row, i in enumerate(group):
            padded[row, : lengths[row]] = sequences[i]
        picked = np.zeros((len(group), max(lengths) - 1))
        state = engine.initial_state(len(group))
        for column in range(max(lengths) - 1):
            log_probs, state = engine.step(padded[:, column], state)
            picked[:, column] = log_probs[np.arange(len(group)), padded[:, column + 1]]
        for row, i in enumerate(group):
            scores[i] = picked[row, : lengths[row] - 1]
    return scores
