"""The classic char-RNN Keras recipe, reimplemented faithfully for comparison.

As in char-rnn-keras and the "Music generation using Deep Learning" article on
ABC jigs: Embedding(512) -> 3 x stateful LSTM(256), each followed by
Dropout(0.2) -> TimeDistributed(Dense) -> softmax; batch 16, window 64, Adam,
one-hot targets, and a ``train_on_batch`` loop over consecutive windows of 16
parallel streams. (Its sampler, a batch-1 copy of the model and one
``predict_on_batch`` per character, is in ``sample_speed.py``.)
"""

import time

import numpy as np

BATCH_SIZE, SEQ_LENGTH = 16, 64


def build_recipe_model(vocab_size: int, batch_size: int = BATCH_SIZE, seq_length: int = SEQ_LENGTH):
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input(batch_shape=(batch_size, seq_length), dtype="int32"),
                              layers.Embedding(vocab_size, 512)])  # fmt: skip
    for _ in range(3):
        model.add(layers.LSTM(256, return_sequences=True, stateful=True))
        model.add(layers.Dropout(0.2))
    model.add(layers.TimeDistributed(layers.Dense(vocab_size)))
    model.add(layers.Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def read_batches(ids: np.ndarray, vocab_size: int):
    """The recipe's batches: 16 streams, consecutive 64-character windows, one-hot targets."""
    length = ids.shape[0]
    batch_chars = length // BATCH_SIZE
    for start in range(0, batch_chars - SEQ_LENGTH, SEQ_LENGTH):
        x = np.zeros((BATCH_SIZE, SEQ_LENGTH), dtype=np.int32)
        y = np.zeros((BATCH_SIZE, SEQ_LENGTH, vocab_size))
        for batch_index in range(BATCH_SIZE):
            for i in range(SEQ_LENGTH):
                x[batch_index, i] = ids[batch_chars * batch_index + start + i]
                y[batch_index, i, ids[batch_chars * batch_index + start + i + 1]] = 1
        yield x, y


def train_recipe(ids: np.ndarray, vocab_size: int, seconds: float, model=None):
    """Train with the recipe's loop for about ``seconds``; return (model, chars/s, epochs run)."""
    model = model or build_recipe_model(vocab_size)
    characters, epochs, started = 0, 0, None
    while started is None or time.perf_counter() - started < seconds:
        epochs += 1
        for layer in model.layers:
            if getattr(layer, "stateful", False):
                layer.reset_state()
        for x, y in read_batches(ids, vocab_size):
            model.train_on_batch(x, y)
            if started is None:  # the first batch compiles; the clock starts after it
                started = time.perf_counter()
                continue
            characters += x.size
            if time.perf_counter() - started >= seconds:
                break
    return model, characters / (time.perf_counter() - started), epochs
