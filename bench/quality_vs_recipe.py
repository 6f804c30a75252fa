"""Validation bits per character after the same wall-clock budget: abcrnn against the classic recipe.

    python bench/quality_vs_recipe.py [--corpus corpora/jigs-valid.abc] [--minutes 15]

Both train on the same training tunes for the same number of minutes, and both
are scored on the same held-out tunes the same way (each tune from a fresh
state, with the numpy engine). The recipe trains its batch-16 ``train_on_batch``
loop on the training tunes joined into one text; abcrnn runs ``abcrnn train``
with its default settings (the shipped model's network and settings, but batch
128, the faster on CPU) and keeps its best epoch.
"""

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).parent))

from classic_recipe import train_recipe  # noqa: E402

from abcrnn.text.abc import TUNE_SEPARATOR, join_tunes, model_text  # noqa: E402
from abcrnn.model.bundle import load_bundle  # noqa: E402
from abcrnn.training.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.training.data import split_train_validation, stream_text  # noqa: E402
from abcrnn.model.engine import Engine, mean_log_loss  # noqa: E402
from abcrnn.commands.train import train  # noqa: E402
from abcrnn.model.vocabulary import Vocabulary  # noqa: E402


def recipe_weights(model) -> dict:
    """The recipe model's weights under the names the numpy engine reads."""
    from keras import layers

    weights, lstm_index = {}, 0
    for layer in model.layers:
        if isinstance(layer, layers.Embedding):
            weights["embedding"] = layer.get_weights()[0]
        elif isinstance(layer, layers.LSTM):
            names = ("kernel", "recurrent_kernel", "bias")
            weights.update({f"lstm_{lstm_index}_{name}": value for name, value in zip(names, layer.get_weights())})
            lstm_index += 1
        elif isinstance(layer, layers.TimeDistributed):
            weights["dense_kernel"], weights["dense_bias"] = layer.get_weights()
    return weights


def bits_per_char(engine: Engine, vocabulary: Vocabulary, tunes: list[str]) -> float:
    return mean_log_loss(engine, [vocabulary.encode(tune + TUNE_SEPARATOR) for tune in tunes]) / math.log(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="corpora/jigs-valid.abc")
    parser.add_argument("--minutes", type=float, default=15)
    args = parser.parse_args()

    tunes = load_corpus_tunes(args.corpus)
    vocabulary = Vocabulary.from_text(join_tunes(tunes) + TUNE_SEPARATOR)
    # The same split abcrnn train makes with its default seed and validation fraction.
    training, validation = split_train_validation([model_text(tune) for tune in tunes], 0.05, seed=1)
    print(f"corpus: {args.corpus}: {len(training)} training and {len(validation)} held-out tunes; "
          f"{args.minutes:g} minutes each; {os.cpu_count()} CPUs", flush=True)  # fmt: skip

    ids = vocabulary.encode(stream_text(training, seed=1))
    model, speed, epochs = train_recipe(ids, vocabulary.size, args.minutes * 60)
    recipe_bits = bits_per_char(Engine.from_weights(recipe_weights(model)), vocabulary, validation)
    print(
        f"classic recipe: {epochs} epochs at {speed:,.0f} chars/s; validation {recipe_bits:.3f} bits/char", flush=True
    )

    with tempfile.TemporaryDirectory() as folder:
        train(corpus=args.corpus, out=f"{folder}/bench", epochs=10_000, max_minutes=args.minutes, verbose=0)
        bundle = load_bundle(f"{folder}/bench")
        ours = bits_per_char(bundle.engine(), bundle.vocabulary, validation)
    print(f"abcrnn: {bundle.epochs_done} epochs, best epoch {bundle.best_epoch}; validation {ours:.3f} bits/char")
    print(
        f"abcrnn is {recipe_bits - ours:+.3f} bits/char {'better' if ours < recipe_bits else 'worse'} than the recipe"
    )


if __name__ == "__main__":
    main()
