"""The network, defined once: Embedding -> N stateful LSTM layers -> TimeDistributed softmax,
and with ``copy`` a gate that mixes that softmax with what the tune's own past proposes.

``ModelConfig`` holds every hyper-parameter that shapes the weights; a bundle
stores it, so a saved model rebuilds itself with nothing else. ``build_model``
is the only place the network is written down; training and any Keras-side
inference call it, and the numpy engine reads the same weights.
"""

import functools
from dataclasses import asdict, dataclass

import numpy as np

from abcrnn.errors import AbcrnnError
from abcrnn.model.copying import SOURCES


@dataclass(frozen=True)
class ModelConfig:
    """The hyper-parameters that shape the network's weights."""

    vocab_size: int  # characters in the vocabulary, and so inputs and outputs
    embedding_dim: int = 64  # size of each character's learned vector
    layers: int = 2  # stacked LSTM layers
    units: int = 384  # LSTM units per layer
    dropout: float = 0.3  # dropout after each LSTM layer, in training only
    copy: bool = False  # mix the softmax with the tune's own past (see copying.py) by a learned gate
    copy_sources: int = len(SOURCES)  # how many of copying.SOURCES the gate reads (bundles without the field: 5)
    context: bool = False  # feed each character's place in its bar, part and key (see context.py)
    gate_context: bool = False  # the copy gate reads the context too (with copy and context)

    def __post_init__(self):
        if self.gate_context and not (self.copy and self.context):
            raise AbcrnnError("--gate-context needs the copy gate and the context (--copy, --context)")

    def to_dict(self) -> dict:
        return asdict(self)


def build_model(
    config: ModelConfig,
    batch_size: int,
    seq_len: int | None = None,
    stateful: bool = True,
    precision: str = "float32",
):
    """Build the Keras model for ``batch_size`` parallel streams of ``seq_len`` characters.

    A stateful model needs a fixed batch size: row ``i`` of each batch continues
    row ``i`` of the one before, and its LSTM state carries across, on every
    Keras backend (see ``CarriedStateLSTM``).
    ``precision="bfloat16"`` computes the embedding and LSTM layers in bfloat16
    (weights stay float32), which trains about twice as fast on CPUs with native
    bfloat16; the softmax is always float32.

    With ``config.copy`` the model takes two more inputs, each source's proposed
    character and run band (``copying.CopyTracker``, shape ``(batch, seq_len, sources)``),
    and its output is the softmax of the logits the copy gate has raised for the proposals.
    With ``config.context`` it takes one more, each character's context ids (``context.ContextTracker``,
    shape ``(batch, seq_len, len(CONTEXTS))``), whose one-hots join the embedding, and with
    ``config.gate_context`` the copy gate's features too.
    """
    from abcrnn.model.backends import import_keras

    keras = import_keras()
    policy = {"float32": "float32", "bfloat16": "mixed_bfloat16"}[precision]
    inputs = keras.Input(batch_shape=(batch_size, seq_len), dtype="int32", name="characters")
    x = keras.layers.Embedding(config.vocab_size, config.embedding_dim, name="embedding", dtype=policy)(inputs)
    extra_inputs, context = [], None
    if config.context:
        from abcrnn.model.context import CONTEXTS

        context = keras.Input(batch_shape=(batch_size, seq_len, len(CONTEXTS)), dtype="int32", name="context")
        x = context_one_hot_class()(name="context_one_hot", dtype=policy)([x, context])
        extra_inputs.append(context)
    for index in range(config.layers):
        lstm = carried_state_lstm_class()(
            config.units, return_sequences=True, stateful=stateful, name=f"lstm_{index}", dtype=policy
        )
        x = lstm(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout, name=f"dropout_{index}", dtype=policy)(x)
    # With a copy gate, the dense layer gives logits and the gate's softmax ends the network.
    activation = None if config.copy else "softmax"
    dense = keras.layers.Dense(config.vocab_size, activation=activation, dtype="float32")
    outputs = keras.layers.TimeDistributed(dense, name="next_character")(x)
    if config.copy:
        proposals, bands = (
            keras.Input(batch_shape=(batch_size, seq_len, config.copy_sources), dtype="int32", name=name)
            for name in ("proposals", "run_bands")
        )
        gate_inputs = [x, outputs, proposals, bands] + ([context] if config.gate_context else [])
        outputs = copy_gate_class()(name="copy_gate", dtype="float32")(gate_inputs)
        extra_inputs = [proposals, bands] + extra_inputs
    return keras.Model([inputs, *extra_inputs] if extra_inputs else inputs, outputs, name="abcrnn")


# The gate's starting bias: softplus(-4) = 0.018, so a new gate barely moves the softmax.
START_BOOST_BIAS = -4.0


@functools.cache
def copy_gate_class():
    """``CopyGate``: raises the logits of the characters the tune's past proposes, by amounts read from the LSTM.

    Each source's boost is a softplus of a linear function of the top LSTM layer's
    output and every source's run band (and, given a fifth input, the one-hots of each
    character's context ids, ``context.BANDS``: where the tune stands in its bar and part);
    a source with no proposal adds nothing. The
    boosts are added to the proposed characters' logits before the softmax, so the
    network keeps its veto: a character it finds impossible where it stands (a bar
    line half-way through a bar) stays unlikely whatever the past proposes. (Mixing
    probabilities instead, as a pointer-sentinel model does, scored better per character
    but wrote bars of the wrong length: the gate's share went to the proposal even where
    it could not fit.) Made on first use, like the LSTM class.
    """
    from abcrnn.model.backends import import_keras
    from abcrnn.model.context import BANDS
    from abcrnn.model.copying import RUN_BUCKETS

    keras = import_keras()
    ops = keras.ops

    @keras.saving.register_keras_serializable(package="abcrnn")
    class CopyGate(keras.layers.Layer):
        def build(self, input_shapes):
            sources = input_shapes[2][-1]  # the proposals' last axis
            features = input_shapes[0][-1] + sources * RUN_BUCKETS + (sum(BANDS) if len(input_shapes) > 4 else 0)
            self.kernel = self.add_weight(shape=(features, sources), initializer="zeros", name="kernel")
            self.bias = self.add_weight(shape=(sources,), name="bias",
                                        initializer=keras.initializers.Constant(START_BOOST_BIAS))  # fmt: skip

        def call(self, inputs):
            hidden, logits, proposals, bands, *context = inputs
            one_hot_bands = ops.one_hot(bands, RUN_BUCKETS, dtype="float32")
            flat_bands = ops.reshape(one_hot_bands, (*ops.shape(bands)[:-1], bands.shape[-1] * RUN_BUCKETS))
            hots = [ops.one_hot(context[0][..., k], size, dtype="float32") for k, size in enumerate(BANDS)] \
                if context else []  # fmt: skip
            features = ops.concatenate([ops.cast(hidden, "float32"), flat_bands, *hots], axis=-1)
            boosts = ops.softplus(ops.matmul(features, self.kernel) + self.bias)
            boosts = ops.where(bands > 0, boosts, 0.0)
            proposed = ops.one_hot(proposals, logits.shape[-1], dtype="float32")
            return ops.softmax(logits + ops.sum(boosts[..., None] * proposed, axis=-2), axis=-1)

    return CopyGate


@functools.cache
def context_one_hot_class():
    """``ContextOneHot``: each character's embedding with the one-hots of its context ids after it.

    The first LSTM layer's kernel then has a row per context value, which the numpy engine
    looks up instead of multiplying (``engine.Engine``). Made on first use, like the LSTM class.
    """
    from abcrnn.model.backends import import_keras
    from abcrnn.model.context import BANDS

    keras = import_keras()
    ops = keras.ops

    @keras.saving.register_keras_serializable(package="abcrnn")
    class ContextOneHot(keras.layers.Layer):
        def call(self, inputs):
            embedded, context = inputs
            hots = [ops.one_hot(context[..., k], size, dtype=embedded.dtype) for k, size in enumerate(BANDS)]
            return ops.concatenate([embedded, *hots], axis=-1)

        def compute_output_shape(self, input_shapes):
            return (*input_shapes[0][:-1], input_shapes[0][-1] + sum(BANDS))

    return ContextOneHot


@functools.cache
def carried_state_lstm_class():
    """``CarriedStateLSTM``: Keras's LSTM with its stateful state tracked as model variables.

    Keras 3.15 creates a stateful RNN's state variables outside its variable
    tracking, so they are not among the model's non-trainable variables. The
    TensorFlow backend updates them anyway; JAX's jitted training step (which
    returns the new value of every tracked variable) and PyTorch's do not, and
    silently train a stateless model. Tracking them makes the state carry on
    every backend, in float32 and in mixed bfloat16. The class is made on first
    use so that importing this module does not import Keras.
    """
    from abcrnn.model.backends import import_keras

    keras = import_keras()

    @keras.saving.register_keras_serializable(package="abcrnn")
    class CarriedStateLSTM(keras.layers.LSTM):
        def __init__(self, *args, use_cudnn="auto", **kwargs):
            # cuDNN's fused LSTM broke training with a carried state under JAX
            # (it learned nothing) and crashes in backward() under PyTorch
            # (Keras issue 23462); TensorFlow's is fine. Decided per backend
            # at load time, so a bundle moves between backends.
            on_tensorflow = keras.backend.backend() == "tensorflow"
            super().__init__(*args, use_cudnn="auto" if on_tensorflow else False, **kwargs)

        def _create_state_variables(self, batch_size):
            super()._create_state_variables(batch_size)
            for variable in self.states:
                self._track_variable(variable)
                # In mixed precision a variable read inside the layer is a
                # bfloat16 copy, and PyTorch's assign writes into that copy:
                # the state must be read and written as itself.
                variable._autocast = False

        # The state is transient (reset every epoch and every tune): it is
        # neither saved nor loaded, so bundles hold the same weights as
        # with Keras's own LSTM, and load at any batch size.
        def save_own_variables(self, store):
            pass

        def load_own_variables(self, store):
            pass

    return CarriedStateLSTM


def cpu_has_bfloat16() -> bool:
    """True where the CPU computes bfloat16 natively (AVX512-BF16 or AMX)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = cpuinfo.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def reset_states(model) -> None:
    """Zero the LSTM state of every stream, as at the start of an epoch or a tune."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def model_weights(model, config: ModelConfig) -> dict:
    """The model's weights as named numpy arrays: what the numpy engine reads."""
    weights = {"embedding": model.get_layer("embedding").get_weights()[0]}
    for index in range(config.layers):
        # The cell's weights: the layer's own weights also list the tracked state.
        kernel, recurrent_kernel, bias = model.get_layer(f"lstm_{index}").cell.get_weights()
        weights[f"lstm_{index}_kernel"] = kernel
        weights[f"lstm_{index}_recurrent_kernel"] = recurrent_kernel
        weights[f"lstm_{index}_bias"] = bias
    weights["dense_kernel"], weights["dense_bias"] = model.get_layer("next_character").get_weights()
    if config.copy:
        weights["gate_kernel"], weights["gate_bias"] = model.get_layer("copy_gate").get_weights()
    return weights


def copy_weights(source, target) -> None:
    """Copy the network's weights between models built for different batch sizes.

    ``get_weights`` would also copy each LSTM's state, whose shape is the batch's.
    A layer the source does not have (a copy gate new to a warm-started model) keeps
    its starting weights; a copy gate that reads more sources than the source's starts
    them as its last (``grown_gate``).
    """
    names = {layer.name for layer in source.layers}
    for layer in target.layers:
        if layer.weights and layer.name in names:
            from_layer, to_layer = source.get_layer(layer.name), layer
            if hasattr(layer, "cell"):
                from_layer, to_layer = from_layer.cell, layer.cell
            # A context new to the network starts with no weight on the first LSTM layer: the warm start
            # begins as its parent and learns to read the context.
            if layer.name == "copy_gate":
                to_layer.set_weights(grown_gate(*from_layer.get_weights(), *to_layer.get_weights()))
                continue
            to_layer.set_weights([grown(old, new, new_rows_zero=hasattr(layer, "cell"))
                                  for old, new in zip(from_layer.get_weights(), to_layer.get_weights())])  # fmt: skip


def grown_gate(kernel, bias, target_kernel, target_bias) -> list:
    """A copy gate's weights grown to read more sources: the old sources' as they were, each new one's as the
    last old source's (the ``part`` source after ``bar-8``, the same bar a part back instead of eight bars);
    or to read the context (``ModelConfig.gate_context``), whose rows start at zero.

    The kernel reads the LSTM state, then each source's run bands (``RUN_BUCKETS`` rows a source),
    and has a column per source. A new source starting silent barely learnt: its boost's gradient is
    small while the boost is (softplus(-4) = 0.018), and a warm start's learning rate is low.
    """
    from abcrnn.model.copying import RUN_BUCKETS

    old, new = len(bias), len(target_bias)
    if old > new:
        raise AbcrnnError(f"a copy gate of {old} sources does not fit one of {new}")
    if kernel.shape[0] - old * RUN_BUCKETS > target_kernel.shape[0] - new * RUN_BUCKETS:
        raise AbcrnnError("a copy gate that reads the context does not fit one that does not")
    if old == new:  # a gate new to the context reads it with zero weights: it starts as its parent
        return [np.concatenate([kernel, np.zeros((len(target_kernel) - len(kernel), new), kernel.dtype)]), bias]
    units = kernel.shape[0] - old * RUN_BUCKETS
    bands = lambda source: slice(units + source * RUN_BUCKETS, units + (source + 1) * RUN_BUCKETS)  # noqa: E731
    grown_kernel, grown_bias = np.zeros_like(target_kernel), np.array(target_bias)
    grown_kernel[: kernel.shape[0], :old], grown_bias[:old] = kernel, bias
    for source in range(old, new):
        # The state and the other sources' bands as the last source reads them, its own bands as that one reads
        # its own; the old sources do not read the new one's bands, so their boosts stay as they were.
        column = grown_kernel[:, old - 1].copy()
        column[bands(source)] = column[bands(old - 1)]
        column[bands(old - 1)] = 0.0
        grown_kernel[:, source], grown_bias[source] = column, bias[old - 1]
    return [grown_kernel, grown_bias]


def grown(source, target, new_rows_zero: bool = False):
    """``source``'s weights in ``target``'s shape, where a vocabulary grew: the new characters' rows added
    (or, with ``new_rows_zero``, where the first LSTM layer's input grew by a context: zero rows).

    A new character's embedding row keeps its starting value, its output weights start at 0 and its
    output bias at the source's lowest, so that it starts rare.

    >>> grown(np.array([0.5, -2.0]), np.zeros(3)).tolist()
    [0.5, -2.0, -2.0]
    """
    if source.shape == target.shape:
        return source
    if source.ndim != target.ndim or any(old > new for old, new in zip(source.shape, target.shape)):
        raise AbcrnnError(f"weights of shape {source.shape} do not fit {target.shape}")
    if source.ndim == 1:  # the output bias
        result = np.full(target.shape, source.min(), source.dtype)
    elif source.shape[0] < target.shape[0]:  # the embedding, or an LSTM kernel
        result = np.zeros(target.shape, source.dtype) if new_rows_zero else np.array(target)
    else:  # the output kernel
        result = np.zeros(target.shape, source.dtype)
    result[tuple(slice(0, size) for size in source.shape)] = source
    return result
