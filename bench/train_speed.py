"""Training throughput on every Keras backend and device found, beside the classic char-RNN recipe.

Each measurement runs in its own process (Keras picks its backend at import):
``abcrnn train`` as a user runs it, on the shipped network (2 x LSTM 384), for two
epochs, reporting the second (the first is slowed by compilation); and the
classic recipe (Embedding 512, 3 x LSTM 256, batch 16, window 64,
``train_on_batch``) for ``--seconds``, on TensorFlow where it is installed.

    python bench/train_speed.py [--corpus corpora/jigs.abc] [--backends tensorflow,jax,torch]
                                [--precisions auto] [--batch-sizes 128] [--seconds 60]

On a GPU, ``--batch-sizes 128,512,2048`` shows where more parallel streams stop helping.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure_recipe(corpus: str, seconds: float) -> dict:
    """The recipe's characters per second (run inside a worker process)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from classic_recipe import train_recipe

    from abcrnn.text.abc import join_tunes
    from abcrnn.training.corpus import load_corpus_tunes
    from abcrnn.text.abc import TUNE_SEPARATOR
    from abcrnn.training.data import stream_text
    from abcrnn.model.vocabulary import Vocabulary

    tunes = load_corpus_tunes(corpus)
    vocabulary = Vocabulary.from_text(join_tunes(tunes) + TUNE_SEPARATOR)
    _, speed, _ = train_recipe(vocabulary.encode(stream_text(tunes, seed=1)), vocabulary.size, seconds)
    return {"chars_per_second": speed}


def measure_abcrnn(corpus: str, batch_size: int, precision: str) -> dict:
    """``abcrnn train``'s second-epoch characters per second (run inside a worker process)."""
    from abcrnn.model.backends import accelerators
    from abcrnn.model.bundle import load_bundle
    from abcrnn.commands.train import train

    found = accelerators()
    device = str(found[0]) if found else "CPU"
    with tempfile.TemporaryDirectory() as folder:
        train(corpus=corpus, out=f"{folder}/bench", epochs=2, batch_size=batch_size, precision=precision,
              patience=10, verbose=0)  # fmt: skip
        bundle = load_bundle(f"{folder}/bench")
    settings = bundle.metadata["training"]
    return {"chars_per_second": bundle.history[-1]["chars_per_second"], "device": device,
            "devices": settings["devices"], "precision": settings["precision"]}  # fmt: skip


def run_worker(backend: str, *options: str) -> dict | None:
    """Run this script as a worker under ``backend``; its last line is a JSON result."""
    environment = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, __file__, "--worker", *options], capture_output=True, text=True,
                            cwd=ROOT, env=environment)  # fmt: skip
    if result.returncode != 0:
        print(f"  {backend} {' '.join(options)}: failed: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="corpora/jigs.abc")
    parser.add_argument("--backends", default="tensorflow,jax,torch", help="those installed are measured")
    parser.add_argument("--precisions", default="auto", help="e.g. float32,bfloat16")
    parser.add_argument("--batch-sizes", default="128")
    parser.add_argument("--seconds", type=float, default=60, help="how long the recipe trains")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--recipe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = (measure_recipe(args.corpus, args.seconds) if args.recipe
                  else measure_abcrnn(args.corpus, int(args.batch_sizes), args.precisions))  # fmt: skip
        print(json.dumps(result))
        return

    backends = [name for name in args.backends.split(",") if importlib.util.find_spec(name)]
    print(f"corpus: {args.corpus}; {os.cpu_count()} CPUs; backends installed: {', '.join(backends)}")
    recipe_backend = "tensorflow" if "tensorflow" in backends else backends[0]
    recipe = run_worker(recipe_backend, "--recipe", "--corpus", args.corpus, "--seconds", str(args.seconds))
    if recipe:
        print(f"classic recipe ({recipe_backend}, batch 16, window 64, train_on_batch, float32): "
              f"{recipe['chars_per_second']:,.0f} chars/s", flush=True)  # fmt: skip
    runs = [(backend, precision, batch_size) for backend in backends for precision in args.precisions.split(",")
            for batch_size in args.batch_sizes.split(",")]  # fmt: skip
    for backend, precision, batch_size in runs:
        result = run_worker(backend, "--corpus", args.corpus, "--precisions", precision, "--batch-sizes", batch_size)
        if result:
            speed = result["chars_per_second"]
            ratio = f", {speed / recipe['chars_per_second']:.2f}x the recipe" if recipe else ""
            print(f"abcrnn train, {backend} on {result['devices']} x {result['device']}, batch {batch_size}, "
                  f"window 100, {result['precision']}: {speed:,.0f} chars/s{ratio}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
