"""Training data: a seeded split by whole tunes, and stateful training streams.

A stateful LSTM needs batch row ``i`` of window ``k + 1`` to continue batch row
``i`` of window ``k``. ``stream_windows`` cuts the joined training text into
``batch_size`` contiguous streams and lays their windows out in that order.
"""

import re

import numpy as np

from abcrnn.errors import AbcrnnError

# Between tunes in a training stream: the blank line that ends a tune in ABC.
TUNE_SEPARATOR = "\n\n"


def model_text(tune: str) -> str:
    """A tune as the model sees it: its X: number is always 1.

    X: numbers are bookkeeping, not music; left in, a model spends capacity on
    them and cannot tell where an unusually short or long one ends. The sampler
    starts every tune from ``X:1`` and numbers the output in order.

    >>> model_text("X:231\\nT:Jig\\nK:G\\nGAB|")
    'X:1\\nT:Jig\\nK:G\\nGAB|'
    """
    return numbered(tune, 1)


def numbered(tune: str, number: int) -> str:
    """A tune with its X: line set to ``number``.

    >>> numbered("X:5\\nT:Jig", 12)
    'X:12\\nT:Jig'
    """
    return re.sub(r"\AX:[^\n]*", f"X:{number}", tune)


def split_train_validation(tunes: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """Hold out about ``fraction`` of the tunes (at least one), chosen from ``seed``.

    >>> train, validation = split_train_validation([f"t{i}" for i in range(10)], 0.2, seed=1)
    >>> len(train), len(validation), sorted(train + validation) == sorted(f"t{i}" for i in range(10))
    (8, 2, True)
    """
    if not 0 < fraction < 1:
        raise AbcrnnError(f"validation fraction must be between 0 and 1, got {fraction}")
    if len(tunes) < 2:
        raise AbcrnnError(f"need at least 2 tunes to hold some out for validation, got {len(tunes)}")
    order = np.random.default_rng(seed).permutation(len(tunes))
    held_out = max(1, round(len(tunes) * fraction))
    validation = sorted(order[:held_out])
    training = sorted(order[held_out:])
    return [tunes[i] for i in training], [tunes[i] for i in validation]


def stream_text(tunes: list[str], seed: int) -> str:
    """Join the tunes, in an order shuffled from ``seed``, as one training stream."""
    order = np.random.default_rng(seed).permutation(len(tunes))
    return "".join(tunes[i] + TUNE_SEPARATOR for i in order)


def stream_windows(ids: np.ndarray, batch_size: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ids into ``batch_size`` streams and return inputs and next-character targets.

    Both arrays have shape ``(windows * batch_size, seq_len)``; rows
    ``k * batch_size + i`` hold window ``k`` of stream ``i``, so feeding them in
    order, ``batch_size`` rows at a time, lets the state of each stream carry on.

    >>> x, y = stream_windows(np.arange(9), batch_size=2, seq_len=2)
    >>> x.tolist(), y.tolist()
    ([[0, 1], [4, 5], [2, 3], [6, 7]], [[1, 2], [5, 6], [3, 4], [7, 8]])
    """
    stream_length = (len(ids) - 1) // batch_size
    windows = stream_length // seq_len
    if windows < 1:
        raise AbcrnnError(
            f"training text of {len(ids)} characters is smaller than one batch of windows "
            f"({batch_size} streams x {seq_len} characters); use a smaller --batch-size or --seq-len"
        )
    used = windows * seq_len

    def layout(values: np.ndarray) -> np.ndarray:
        streams = values[: batch_size * stream_length].reshape(batch_size, stream_length)[:, :used]
        return streams.reshape(batch_size, windows, seq_len).transpose(1, 0, 2).reshape(-1, seq_len)

    return layout(ids[:-1]), layout(ids[1:])
