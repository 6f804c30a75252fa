"""Training data: a seeded split by whole tunes, and stateful training streams.

A stateful LSTM needs batch row ``i`` of window ``k + 1`` to continue batch row
``i`` of window ``k``. ``stream_windows`` cuts the joined training text into
``batch_size`` contiguous streams and lays their windows out in that order.
"""

import numpy as np

from abcrnn.errors import AbcrnnError
from abcrnn.text.abc import TUNE_SEPARATOR, model_text
from abcrnn.text.bars import part_endings

ENDING_TAIL = 2  # characters after a closing bar line that belong to a part's ending: where the tune goes on or stops


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


def bundle_split(bundle, tunes: list[str]) -> tuple[list[str], list[str]]:
    """A bundle's training and validation tunes of its corpus's ``tunes``, as it was trained: in its model text,
    split with its own seed and share (``split_train_validation``)."""
    training = bundle.metadata["training"]
    return split_train_validation([model_text(tune, bundle.header_order) for tune in tunes],
                                  training["val_fraction"], training["seed"])  # fmt: skip


def trained_split(bundle, corpus: str, option: str, fitted: str) -> tuple[list[str], list[str]]:
    """The training and validation tunes of ``corpus``, as ``bundle`` was trained on them; an error naming
    ``option`` where ``corpus`` is not the corpus it was trained on (``fitted``: what is fitted on its tunes)."""
    from abcrnn.training.corpus import load_corpus_tunes
    from abcrnn.training.train import corpus_fingerprint

    tunes = load_corpus_tunes(corpus)
    if corpus_fingerprint(tunes) != bundle.metadata["corpus"]["fingerprint"]:
        raise AbcrnnError(f"{option}: {corpus} is not the corpus {bundle.path} was trained on, whose training "
                          f"tunes {fitted} is fitted on (its validation tunes are kept apart)")  # fmt: skip
    return bundle_split(bundle, tunes)


def stream_chunks(tunes: list[str], seed: int) -> list[str]:
    """The tunes, each ended by the separator, in an order shuffled from ``seed``: one training stream."""
    order = np.random.default_rng(seed).permutation(len(tunes))
    return [tunes[i] + TUNE_SEPARATOR for i in order]


def stream_text(tunes: list[str], seed: int) -> str:
    """Join the tunes, in an order shuffled from ``seed``, as one training stream."""
    return "".join(stream_chunks(tunes, seed))


def stream_copy_inputs(chunks: list[str], vocabulary, cache: dict, sources: int) -> tuple[np.ndarray, np.ndarray]:
    """The copy memory's proposals and run bands for every character of a stream of tunes.

    Each tune is read from an empty memory, as when sampling (``copying.copy_features``);
    ``cache`` keeps each text's features, since a tune comes back each epoch (in a few keys).
    Returns two ``(characters, sources)`` arrays aligned with the stream's characters (the first ``sources``
    of ``copying.SOURCES``, as the network's copy gate reads them).
    """
    from abcrnn.model.copying import copy_features

    missing = sorted({chunk for chunk in chunks if chunk not in cache})
    features = copy_features(vocabulary.characters, [vocabulary.encode(chunk) for chunk in missing], sources=sources)
    cache.update(zip(missing, features))
    proposals = np.concatenate([cache[chunk][0] for chunk in chunks])
    bands = np.concatenate([cache[chunk][1] for chunk in chunks])
    return proposals, bands


def stream_context_inputs(chunks: list[str], cache: dict) -> np.ndarray:
    """The context ids (``context.context_ids``) of every character of a stream of tunes, ``(characters, 4)``.

    Each tune is read from its start, as when sampling; ``cache`` keeps each text's ids.
    """
    from abcrnn.model.context import context_ids

    for chunk in chunks:
        if chunk not in cache:
            cache[chunk] = context_ids(chunk)
    return np.concatenate([cache[chunk] for chunk in chunks])


def ending_spans(tune: str) -> list[tuple[int, int, str]]:
    """Each part's ending in a tune's text, and its last note's letter: its last bar through the closing bar
    line and the ``ENDING_TAIL`` characters after it, where the tune goes on or stops (``bars.part_endings``
    reads the parts; the header is never an ending).

    >>> tune = "X:1\\nK:G\\n|:GAB dBG|ABc d3:|\\ngfe dBG|AGF G3|]\\n"
    >>> [(tune[start:end], letter) for start, end, letter in ending_spans(tune)]
    [('ABc d3:|\\ng', 'D'), ('AGF G3|]\\n', 'G')]
    """
    key_line = tune.find("K:")
    music = tune.find("\n", key_line) + 1 if key_line >= 0 else 0
    return [(music + start, min(music + end + ENDING_TAIL, len(tune)), letter)
            for start, end, letter in part_endings(tune[music:])]  # fmt: skip


def ending_weights(chunk: str, weight: float) -> np.ndarray:
    """How much predicting each character of a tune weighs in the loss: ``weight`` on each part's ending
    (``ending_spans``: the cadence and the decision to end), 1 everywhere else.

    >>> ending_weights("K:G\\nGA|Bc:|\\n\\n", 3.0).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    """
    weights = np.ones(len(chunk), np.float32)
    for start, end, _ in ending_spans(chunk):
        weights[start:end] = weight
    return weights


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
    return stream_layout(ids[:-1], batch_size, seq_len), stream_layout(ids[1:], batch_size, seq_len)


def stream_layout(values: np.ndarray, batch_size: int, seq_len: int) -> np.ndarray:
    """Lay out per-character values (the inputs, or features of each input) as ``stream_windows`` does.

    Values may have trailing dimensions (one row of features per character).
    """
    stream_length = len(values) // batch_size
    used = stream_length // seq_len * seq_len
    rest = values.shape[1:]
    streams = values[: batch_size * stream_length].reshape(batch_size, stream_length, *rest)[:, :used]
    windows = streams.reshape(batch_size, -1, seq_len, *rest).swapaxes(0, 1)
    return windows.reshape(-1, seq_len, *rest)
