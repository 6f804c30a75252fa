"""Training throughput: abcrnn's training against the classic char-RNN recipe.

Both train the same network (Embedding 512 -> 3 x LSTM 256 -> softmax) on the
same corpus in one run. The recipe runs its batch-16 ``train_on_batch`` loop;
abcrnn runs ``abcrnn train`` as a user would (its own default batch, window
and precision) and reports the characters per second of its second epoch, the
first being slowed by compilation.

    python bench/train_speed.py [--corpus corpora/jigs.abc] [--seconds 60]
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).parent))

from classic_recipe import train_recipe  # noqa: E402

from abcrnn.abc import join_tunes  # noqa: E402
from abcrnn.bundle import load_bundle  # noqa: E402
from abcrnn.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.data import TUNE_SEPARATOR, stream_text  # noqa: E402
from abcrnn.train import train  # noqa: E402
from abcrnn.vocabulary import Vocabulary  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="corpora/jigs.abc")
    parser.add_argument("--seconds", type=float, default=60, help="how long the recipe trains")
    args = parser.parse_args()

    tunes = load_corpus_tunes(args.corpus)
    vocabulary = Vocabulary.from_text(join_tunes(tunes) + TUNE_SEPARATOR)
    ids = vocabulary.encode(stream_text(tunes, seed=1))
    print(f"corpus: {args.corpus}, {len(tunes)} tunes, {len(ids)} characters, {os.cpu_count()} CPUs")

    _, recipe_speed, _ = train_recipe(ids, vocabulary.size, args.seconds)
    print(f"classic recipe (batch 16, window 64, train_on_batch, float32): {recipe_speed:,.0f} chars/s")

    with tempfile.TemporaryDirectory() as folder:
        train(corpus=args.corpus, out=f"{folder}/bench", epochs=2, embedding_dim=512, layers=3, units=256,
              dropout=0.2, patience=10, verbose=0)  # fmt: skip
        bundle = load_bundle(f"{folder}/bench")
        settings, row = bundle.metadata["training"], bundle.history[-1]
    project_speed = row["chars_per_second"]
    print(f"abcrnn train (batch {settings['batch_size']}, window {settings['seq_len']}, compiled fit, "
          f"{settings['precision']}): {project_speed:,.0f} chars/s")  # fmt: skip
    print(f"speed-up: {project_speed / recipe_speed:.2f}x (target: at least 3x)")


if __name__ == "__main__":
    main()
