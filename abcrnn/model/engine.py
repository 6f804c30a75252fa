"""A numpy inference engine: the Keras model's math without TensorFlow.

It runs the embedding, each LSTM layer, the dense softmax of ``build_model`` and,
for a model with a copy gate, the boosts the tune's own past gives its logits (and,
where a bundle has them, the cadence bias and the bar pointer fitted on top), on
explicit per-stream state, for any number of streams at once. Sampling and
scoring use it, so they start in a fraction of a second; a test checks that it
gives the Keras model's probabilities.
"""

from dataclasses import dataclass, field

import numpy as np

from abcrnn.model.cadence import CadenceBias
from abcrnn.model.context import BANDS, OFFSETS, ContextTracker
from abcrnn.model.copying import RUN_BUCKETS, CopyTracker
from abcrnn.model.pointer import BarPointer, PointerState


@dataclass
class State:
    """Every stream's state: per LSTM layer (hidden h, cell c), each (streams, units), the copy memory
    and the context."""

    lstm: list[tuple[np.ndarray, np.ndarray]]
    copy: CopyTracker | None = field(default=None)
    context: ContextTracker | None = field(default=None)
    # What the copy memory proposed for the character after the last one fed: an id per source, -1 for none.
    proposed: np.ndarray | None = field(default=None)  # (streams, sources)
    pointer: PointerState | None = field(default=None)  # the bar pointer's copies under way

    def select(self, rows) -> "State":
        """The state of the given streams only, in that order."""
        return State([(h[rows], c[rows]) for h, c in self.lstm], self.copy.select(rows) if self.copy else None,
                     self.context.select(rows) if self.context else None,
                     self.proposed[rows] if self.proposed is not None else None,
                     self.pointer.select(rows) if self.pointer else None)  # fmt: skip

    @classmethod
    def joined(cls, states: list["State"]) -> "State":
        """The streams of several states, one after another (each state's own are copied)."""
        first = states[0]
        lstm = [(np.concatenate([state.lstm[layer][0] for state in states]),
                 np.concatenate([state.lstm[layer][1] for state in states])) for layer in range(len(first.lstm))]
        copy = type(first.copy).joined([state.copy for state in states]) if first.copy else None
        context = type(first.context).joined([state.context for state in states]) if first.context else None
        pointer = PointerState.joined([state.pointer for state in states]) if first.pointer else None
        return cls(lstm, copy, context, pointer=pointer)

    def proposes(self, ids: np.ndarray) -> np.ndarray | None:
        """Whether the tune's own past proposed each stream's ``ids`` as its next character (None: no copy memory)."""
        return None if self.proposed is None else (self.proposed == np.asarray(ids)[:, None]).any(axis=1)


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
    gate_kernel: np.ndarray | None = None  # (units + sources * run bands [+ sum(BANDS)], sources), with a copy gate
    gate_bias: np.ndarray | None = None  # (sources,)
    characters: str = ""  # the vocabulary, which the copy memory and the context read
    # With a context: the first layer's kernel rows for each context id (``context.BANDS`` after one another).
    context_table: np.ndarray | None = None  # (sum(BANDS), 4 * units)
    pointer: BarPointer | None = None  # the bar pointer, where the weights have one (``model.pointer``)
    cadence: CadenceBias | None = None  # the cadence bias, where the weights have one (``model.cadence``)
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
        if ("gate_kernel" in weights or _has_context(weights)) and not characters:
            # Without the vocabulary the copy memory could not tell a bar line: it would propose nothing.
            raise ValueError("a model with a copy gate or a context needs its vocabulary's characters")
        layers = sum(1 for name in weights if name.endswith("_recurrent_kernel"))
        array = lambda name: np.asarray(weights[name], dtype=np.float32)  # noqa: E731
        # The first layer's input is one of `vocab` embeddings, so its input
        # projection can be looked up instead of multiplied at every step.
        embedding_dim = array("embedding").shape[1]
        table = array("embedding") @ array("lstm_0_kernel")[:embedding_dim] + array("lstm_0_bias")
        # The pointer reads the top layer's output and each copy source's run band (``pointer.features``).
        features = array("dense_kernel").shape[0] + len(array("gate_bias")) * RUN_BUCKETS \
            if "gate_kernel" in weights else None  # fmt: skip
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
            context_table=array("lstm_0_kernel")[embedding_dim:] if _has_context(weights) else None,
            pointer=BarPointer.from_arrays(weights, characters, features),
            cadence=CadenceBias.from_arrays(weights, characters),
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
        copy = CopyTracker(self.characters, streams, break_loops=break_loops,
                           sources=len(self.gate_bias)) if self.gate_kernel is not None else None  # fmt: skip
        # The context feeds the network's first layer, the cadence bias, or both.
        reads_context = self.context_table is not None or self.cadence is not None
        context = ContextTracker(self.characters, streams) if reads_context else None
        pointer = PointerState.fresh(streams) if self.pointer is not None and copy is not None else None
        return State([(np.zeros(shape, np.float32), np.zeros(shape, np.float32)) for shape in shapes], copy, context,
                     pointer=pointer)  # fmt: skip

    def step(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Feed one character id per stream; return next-character log-probabilities and the new state.

        The copy memory in ``state`` moves on in place: use the returned state from then on. With a bar
        pointer, the probabilities are its mixture of the network's and the part before's bar.
        """
        pointing = self.pointer is not None and state.copy is not None  # it follows the copy memory's part source
        pointer = self.pointer.followed(state.pointer, ids) if pointing else None
        log_probs, state, top, bands = self.network_step(ids, state)
        if pointer is not None:
            proposal, bar_start = state.copy.part_proposal()
            log_probs, pointer = self.pointer.mixed(log_probs, pointer, top, bands, proposal, bar_start)
            state.pointer = pointer
        return log_probs, state

    def network_step(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State, np.ndarray, np.ndarray | None]:
        """``step`` without the bar pointer (the cadence bias included): also the top layer's output and the copy
        sources' run bands."""
        first_input = self.first_layer_table[ids]
        context_ids = state.context.feed(ids) if state.context is not None else None
        context_rows = None
        if self.context_table is not None:  # a one-hot's product is its row: one per context
            context_rows = context_ids + OFFSETS
            first_input = first_input + self.context_table[context_rows].sum(axis=1)
        top, lstm_state = self._lstm_step(first_input, state.lstm)
        logits = _rows_times(top, self.dense_kernel) + self.dense_bias
        proposed = bands = None
        if state.copy is not None:
            proposals, bands = state.copy.feed(ids)
            logits = logits + self._copy_boosts(top, proposals, bands, context_rows)
            proposed = np.where(bands > 0, proposals, -1)
        log_probs = logits - logits.max(axis=1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
        if self.cadence is not None:
            log_probs = self.cadence.adjusted(log_probs, context_ids, state.context.metres())
        return log_probs, State(lstm_state, state.copy, state.context, proposed), top, bands

    def _copy_boosts(self, top, proposals, bands, context_rows=None) -> np.ndarray:
        """What the copy gate adds to each character's logit, as ``model.CopyGate`` computes it (``context_rows``:
        each stream's context one-hots' rows, as the first layer reads them, where the gate reads them too)."""
        streams, sources = bands.shape
        units = top.shape[1]
        # The kernel reads the state and each source's band one-hot: a one-hot's product is the band's row.
        band_rows = self.gate_kernel[units + np.arange(sources) * RUN_BUCKETS + bands]  # (streams, sources, sources)
        # Five columns: summed element by element, as no BLAS product of that shape keeps rows apart.
        raw = (top[:, :, None] * self.gate_kernel[None, :units]).sum(axis=1) + band_rows.sum(axis=1) + self.gate_bias
        if len(self.gate_kernel) > units + sources * RUN_BUCKETS:  # the gate reads the context: its rows after
            raw = raw + self.gate_kernel[units + sources * RUN_BUCKETS + context_rows].sum(axis=1)
        boosts = np.where(bands > 0, np.logaddexp(0.0, raw), 0.0)  # softplus
        added = np.zeros((streams, self.vocab_size), np.float32)
        # Sources may propose the same character: their boosts add up.
        np.add.at(added, (np.arange(streams)[:, None], proposals), boosts.astype(np.float32))
        return added

    def _lstm_step(self, first_input: np.ndarray, lstm_state) -> tuple[np.ndarray, list]:
        """One step of every layer, from the first layer's input projection (its bias added)."""
        new_state = []
        x = None
        for index, (h, c) in enumerate(lstm_state):
            if index == 0:
                z = first_input + _times(h, self._recurrent_t[0])
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


def _has_context(weights) -> bool:
    """Whether the first LSTM layer reads context one-hots beside the embedding."""
    return np.shape(weights["lstm_0_kernel"])[0] == np.shape(weights["embedding"])[1] + sum(BANDS)


def _times(x: np.ndarray, kernel_t: np.ndarray) -> np.ndarray:
    """``x @ kernel`` from the transposed kernel, each row's result the same whatever the other rows.

    A tune must not depend on the tunes sampled beside it (``streams.sample_tunes``), so every
    product is one matrix product: OpenBLAS gives each row of one the same bits at any number of
    rows from 2 up, but a matrix-vector product (which numpy uses for one row) other bits. One row
    is therefore given a twin. ``kernel.T @ x.T`` is also the fastest form measured on the 2-core
    CPU (one 384 x 1536 kernel): 658 us at 100 streams against 790 for ``x @ kernel``.
    """
    if len(x) == 1:
        return (kernel_t @ np.concatenate([x, x]).T).T[:1]
    return (kernel_t @ x.T).T


def _rows_times(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``x @ kernel`` for the output layer, each row's result the same whatever the other rows (as ``_times``).

    With a (units, vocabulary) kernel, ``x @ kernel`` keeps rows apart and ``kernel.T @ x.T`` does not.
    """
    if len(x) == 1:
        return (np.concatenate([x, x]) @ kernel)[:1]
    return x @ kernel


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
    later id is predicted from those before it (``read_sequences``).
    """
    return read_sequences(engine, sequences, lambda log_probs, after: log_probs[np.arange(len(after)), after], streams)


def read_sequences(engine: Engine, sequences: list[np.ndarray], pick, streams: int = 64) -> list[np.ndarray]:
    """What ``pick`` takes from the engine's prediction of each id of each sequence after the first.

    Each sequence is read from a fresh state: its first id is given and every later id is predicted from
    those before it; ``pick(log_probs, next_ids)`` gets each step's ``(rows, vocabulary)`` log-probabilities
    and the ids that come next, and returns one value per row. Sequences are run ``streams`` at a time, the
    shortest together; padding past a sequence's end is dropped.
    """
    values: list[np.ndarray] = [np.zeros(0)] * len(sequences)
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    for start in range(0, len(order), streams):
        group = order[start : start + streams]
        lengths = [len(sequences[i]) for i in group]
        padded = np.zeros((len(group), max(lengths)), dtype=np.int64)
        for row, i in enumerate(group):
            padded[row, : lengths[row]] = sequences[i]
        picked = []
        state = engine.initial_state(len(group))
        for column in range(max(lengths) - 1):
            log_probs, state = engine.step(padded[:, column], state)
            picked.append(pick(log_probs, padded[:, column + 1]))
        picked = np.stack(picked, axis=1) if picked else np.zeros((len(group), 0))
        for row, i in enumerate(group):
            values[i] = picked[row, : lengths[row] - 1]
    return values
