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
    row ``i`` of the one before, and its LSTM state carries across.
    ``precision="bfloat16"`` computes the embedding and LSTM layers in bfloat16
    (weights stay float32), which trains about twice as fast on CPUs with native
    bfloat16; the softmax is always float32.
    """
    import keras

    policy = {"float32": "float32", "bfloat16": "mixed_bfloat16"}[precision]
    inputs = keras.Input(batch_shape=(batch_size, seq_len), dtype="int32", name="characters")
    x = keras.layers.Embedding(config.vocab_size, config.embedding_dim, name="embedding", dtype=policy)(inputs)
    for index in range(config.layers):
        lstm = keras.layers.LSTM(
            config.units, return_sequences=True, stateful=stateful, name=f"lstm_{index}", dtype=policy
        )
        x = lstm(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout, name=f"dropout_{index}", dtype=policy)(x)
    dense = keras.layers.Dense(config.vocab_size, activation="softmax", dtype="float32")
    outputs = keras.layers.TimeDistributed(dense, name="next_character")(x)
    return keras.Model(inputs, outputs, name="abcrnn")


def fastest_precision() -> str:
    """``bfloat16`` where the CPU computes it natively (AVX512-BF16 or AMX), else ``float32``."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = cpuinfo.read()
    except OSError:
        return "float32"
    return "bfloat16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "float32"


def reset_states(model) -> None:
    """Zero the LSTM state of every stream, as at the start of an epoch or a tune."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def model_weights(model, config: ModelConfig) -> dict:
    """The model's weights as named numpy arrays: what the numpy engine reads."""
    weights = {"embedding": model.get_layer("embedding").get_weights()[0]}
    for index in range(config.layers):
        kernel, recurrent_kernel, bias = model.get_layer(f"lstm_{index}").get_weights()
        weights[f"lstm_{index}_kernel"] = kernel
        weights[f"lstm_{index}_recurrent_kernel"] = recurrent_kernel
        weights[f"lstm_{index}_bias"] = bias
    weights["dense_kernel"], weights["dense_bias"] = model.get_layer("next_character").get_weights()
    return weights
