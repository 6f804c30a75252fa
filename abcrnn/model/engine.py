"""A numpy inference engine: the Keras model's math without TensorFlow.

It runs the embedding, each LSTM layer and the dense softmax of ``build_model``
on explicit per-stream state, for any number of streams at once. Sampling and
scoring use it, so they start in a fraction of a second; a test checks that it
gives the Keras model's probabilities.
"""

from dataclasses import dataclass

import numpy as np

# Per LSTM layer: (hidden state h, cell state c), each of shape (streams, units).
State = list[tuple[np.ndarray, np.ndarray]]


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

    @classmethod
    def from_weights(cls, weights) -> "Engine":
        """Build from the named arrays of ``model.model_weights`` (or a bundle's ``.npz``)."""
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
        )

    @property
    def vocab_size(self) -> int:
        return self.dense_bias.shape[0]

    def initial_state(self, streams: int) -> State:
        """Zero state for ``streams`` independent streams."""
        shapes = [(streams, kernel.shape[0]) for kernel in self.recurrent_kernels]
        return [(np.zeros(shape, np.float32), np.zeros(shape, np.float32)) for shape in shapes]

    def step(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Feed one character id per stream; return next-character logits and the new state."""
        new_state = []
        x = None
        for index, (h, c) in enumerate(state):
            if index == 0:
                z = self.first_layer_table[ids] + h @ self.recurrent_kernels[0]
            else:
                z = x @ self.kernels[index - 1] + h @ self.recurrent_kernels[index] + self.biases[index - 1]
            # Keras orders the four gates input, forget, candidate, output.
            i, f, g, o = np.split(z, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            new_state.append((h, c))
            x = h
        return x @ self.dense_kernel + self.dense_bias, new_state

    def feed(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Feed a (streams, length) block of ids; return the last logits and the state."""
        logits = None
        for column in range(ids.shape[1]):
            logits, state = self.step(ids[:, column], state)
        return logits, state


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
            logits, state = engine.step(padded[:, column], state)
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            picked[:, column] = log_probs[np.arange(len(group)), padded[:, column + 1]]
        for row, i in enumerate(group):
            scores[i] = picked[row, : lengths[row] - 1]
    return scores
