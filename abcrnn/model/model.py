"""The network, defined once: Embedding -> N stateful LSTM layers -> TimeDistributed softmax.

``ModelConfig`` holds every hyper-parameter that shapes the weights; a bundle
stores it, so a saved model rebuilds itself with nothing else. ``build_model``
is the only place the network is written down; training and any Keras-side
inference call it, and the numpy engine reads the same weights.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ModelConfig:
    """The hyper-parameters that shape the network's weights."""

    vocab_size: int  # characters in the vocabulary, and so inputs and outputs
    embedding_dim: int = 64  # size of each character's learned vector
    layers: int = 2  # stacked LSTM layers
    units: int = 384  # LSTM units per layer
    dropout: float = 0.3  # dropout after each LSTM layer, in training only

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
    """
    from abcrnn.model.backends import import_keras

    keras = import_keras()
    policy = {"float32": "float32", "bfloat16": "mixed_bfloat16"}[precision]
    inputs = keras.Input(batch_shape=(batch_size, seq_len), dtype="int32", name="characters")
    x = keras.layers.Embedding(config.vocab_size, config.embedding_dim, name="embedding", dtype=policy)(inputs)
    for index in range(config.layers):
        lstm = carried_state_lstm_class()(
            config.units, return_sequences=True, stateful=stateful, name=f"lstm_{index}", dtype=policy
        )
        x = lstm(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout, name=f"dropout_{index}", dtype=policy)(x)
    dense = keras.layers.Dense(config.vocab_size, activation="softmax", dtype="float32")
    outputs = keras.layers.TimeDistributed(dense, name="next_character")(x)
    return keras.Model(inputs, outputs, name="abcrnn")


_CARRIED_STATE_LSTM = None


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
    global _CARRIED_STATE_LSTM
    if _CARRIED_STATE_LSTM is None:
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

        _CARRIED_STATE_LSTM = CarriedStateLSTM
    return _CARRIED_STATE_LSTM


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
    return weights


def copy_weights(source, target) -> None:
    """Copy the network's weights between models built for different batch sizes.

    ``get_weights`` would also copy each LSTM's state, whose shape is the batch's.
    """
    for layer in target.layers:
        if layer.weights:
            from_layer, to_layer = source.get_layer(layer.name), layer
            if hasattr(layer, "cell"):
                from_layer, to_layer = from_layer.cell, layer.cell
            to_layer.set_weights(from_layer.get_weights())
