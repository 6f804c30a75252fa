"""The lag task: does a stateful model really carry its LSTM state from window to window?

The target at step t is the input at step t - 3, in windows of 10 steps, so 3 of
every 10 targets are inputs of the previous window. A model whose state does not
carry can guess those only at random among 8 symbols: its loss cannot go below
0.3 ln 8 = 0.624 nats. Run under any backend (``KERAS_BACKEND``) and precision:

    KERAS_BACKEND=jax python tests/lag_task.py [--precision bfloat16] [--devices 2]

(``--devices 2`` on a CPU needs ``XLA_FLAGS=--xla_force_host_platform_device_count=2``.)

It prints the last epoch's loss as ``loss=...``.
"""

import argparse
import math

import numpy as np

SYMBOLS, LAG, WINDOW, STREAMS = 8, 3, 10, 32
STATELESS_FLOOR = LAG / WINDOW * math.log(SYMBOLS)


def lag_data(windows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets laid out as ``data.stream_windows`` lays out training text."""
    from abcrnn.training.data import stream_windows

    ids = np.random.default_rng(seed).integers(0, SYMBOLS, size=STREAMS * windows * WINDOW + LAG + 1)
    # stream_windows targets the next id; shift so that the target is the id LAG steps back.
    inputs, _ = stream_windows(ids[LAG:], STREAMS, WINDOW)
    lagged, _ = stream_windows(ids[:-LAG], STREAMS, WINDOW)
    return inputs, lagged


def train_lag_task(precision: str = "float32", epochs: int = 12, windows: int = 60, devices: int = 1) -> list[float]:
    """Train a small ``build_model`` network on the lag task; return the loss of each epoch."""
    from abcrnn.model.backends import import_keras, spread_over_devices
    from abcrnn.model.model import ModelConfig, build_model, reset_states

    keras = import_keras()
    keras.utils.set_random_seed(1)
    if devices > 1:
        spread_over_devices(devices, STREAMS)
    model = build_model(ModelConfig(SYMBOLS, embedding_dim=8, layers=1, units=32, dropout=0.0), STREAMS, WINDOW,
                        precision=precision)  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    inputs, targets = lag_data(windows)
    losses = []
    for epoch in range(epochs):
        reset_states(model)
        history = model.fit(inputs, targets, batch_size=STREAMS, epochs=1, shuffle=False, verbose=0)
        losses.append(float(history.history["loss"][-1]))
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--devices", type=int, default=1, help="JAX devices to shard the streams over")
    args = parser.parse_args()
    losses = train_lag_task(args.precision, args.epochs, devices=args.devices)
    print(f"losses={' '.join(f'{loss:.3f}' for loss in losses)}")
    print(f"loss={losses[-1]:.4f} floor={STATELESS_FLOOR:.4f}")
