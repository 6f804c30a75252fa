"""Sampling speed and memory: abcrnn sample, end to end, against the classic recipe's sampler.

    python bench/sample_speed.py [--weights weights/folk] [--recipe-chars 300]

Times the whole process of ``abcrnn sample --n 100 --best-of 1 --out x.abc``
and of ``--n 1`` (start-up included), reads the peak memory of the sampling
processes, then times the default (with its ``--best-of``), and its ratio to ``--best-of 1``. With
``--reference`` it times an earlier bundle at its release's defaults in the same
run, three times each, interleaved, and compares the fastest runs (target: 100
tunes in at most 1.5x its time). For a model with a copy gate it
then runs the same 100 sampled tunes through the engine with the copy memory and
without it: what the mechanism itself costs. Last,
the classic recipe's sampler (a batch-1 Keras copy of the same model, one
``predict_on_batch`` call per character) on the same weights.
Targets: 100 tunes under 3 s, one tune under 1 s, peak memory under 200 MB.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def run_sample(weights: str, n: int, out: Path, *options: str) -> tuple[float, int]:
    """Wall seconds of one ``abcrnn sample`` process, and the characters it wrote."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "abcrnn", "sample", "--weights", weights, "--n", str(n), "--seed", "1",
                    "--out", str(out), *options], check=True, stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started, len(out.read_text())


def copy_cost(weights: str, n: int = 100) -> tuple[float, float, int]:
    """Seconds to run the same ``n`` sampled tunes through the engine with the copy memory and without it.

    Both read the same characters in the same streams (sampled without the gate would give other,
    shorter tunes, and time those instead of the mechanism).
    """
    from abcrnn.model.bundle import load_bundle
    from abcrnn.model.engine import log_probabilities
    from abcrnn.sampling.streams import Drawing, sample_tunes

    bundle = load_bundle(weights)
    with_copy = bundle.engine()
    tunes = sample_tunes(with_copy, bundle.vocabulary, n, Drawing(temperature=0.9, top_p=0.95), seed=1,
                         header_order=bundle.header_order)
    ids = [bundle.vocabulary.encode(tune.text + "\n\n") for tune in tunes]
    without = bundle.engine()
    without.gate_kernel = None  # the same LSTM and softmax; initial_state then holds no copy memory
    seconds = []
    for engine in (with_copy, without, with_copy, without):  # twice each, interleaved: load drifts
        started = time.perf_counter()
        log_probabilities(engine, ids, streams=n)
        seconds.append(time.perf_counter() - started)
    return min(seconds[0::2]), min(seconds[1::2]), sum(map(len, ids))


def recipe_chars_per_second(weights: str, characters: int) -> float:
    """The recipe's sampler: a batch-1, one-step Keras model, one ``predict_on_batch`` per character.

    (Keras 3's ``predict`` builds a data pipeline on every call and manages only
    about 15 characters a second here; ``predict_on_batch`` is the recipe's call.)
    """
    import numpy as np

    from abcrnn.model.bundle import load_bundle
    from abcrnn.model.model import build_model, copy_weights

    from dataclasses import replace

    bundle = load_bundle(weights)
    # The recipe's network: the same LSTM and softmax, without the copy gate (which it never had).
    model = build_model(replace(bundle.config, copy=False), batch_size=1, seq_len=1)
    copy_weights(bundle.keras_model(), model)
    rng, current = np.random.default_rng(0), bundle.vocabulary.characters.index("X")
    model.predict_on_batch(np.array([[current]]))  # the first call compiles
    started = time.perf_counter()
    for _ in range(characters):
        probabilities = np.asarray(model.predict_on_batch(np.array([[current]])))[0, 0].astype(np.float64)
        current = int(rng.choice(len(probabilities), p=probabilities / probabilities.sum()))
    return characters / (time.perf_counter() - started)


def main() -> None:
    from abcrnn.model.bundle import default_weights, load_bundle

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(default_weights()))
    parser.add_argument("--recipe-chars", type=int, default=1000)
    parser.add_argument("--reference", default="", help="an earlier bundle, timed in the same run with --reference-options")
    parser.add_argument("--reference-options", default="--best-of 1 --temperature 0.75 --top-p 0.9",
                        help="its release's sampling defaults")  # fmt: skip
    args = parser.parse_args()
    config = load_bundle(args.weights).config
    print(f"model: {args.weights} ({config.layers} x LSTM {config.units}, embedding {config.embedding_dim}, "
          f"vocabulary {config.vocab_size}); {os.cpu_count()} CPUs")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        one_seconds, _ = run_sample(args.weights, 1, Path(folder) / "one.abc")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        hundred_seconds, characters = run_sample(args.weights, 100, Path(folder) / "x.abc", "--best-of", "1")
        peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        default_seconds, _ = run_sample(args.weights, 100, Path(folder) / "d.abc")
    print(f"abcrnn sample --n 1: {one_seconds:.2f} s wall, whole process (target < 1 s)")
    print(f"abcrnn sample --n 100 --best-of 1: {hundred_seconds:.2f} s wall, whole process (target < 3 s); "
          f"{characters} characters, {characters / hundred_seconds:,.0f} chars/s")  # fmt: skip
    print(f"peak memory of the sampling processes: {peak_mb:.0f} MB (target < 200 MB)")
    print(f"abcrnn sample --n 100 with the default --best-of: {default_seconds:.2f} s wall, whole process: "
          f"{default_seconds / hundred_seconds:.1f}x --best-of 1 in this run (target at most 3x)")  # fmt: skip
    if args.reference:
        # Three runs of each, interleaved (the load of a shared machine drifts), the fastest of each compared.
        ours, theirs = [hundred_seconds], []
        with tempfile.TemporaryDirectory() as folder:
            for run in range(3):
                seconds, chars = run_sample(args.reference, 100, Path(folder) / "r.abc", *args.reference_options.split())
                theirs.append(seconds)
                if run < 2:
                    ours.append(run_sample(args.weights, 100, Path(folder) / "x.abc", "--best-of", "1")[0])
        listed = lambda runs: ", ".join(f"{seconds:.2f}" for seconds in runs)  # noqa: E731
        print(f"{args.reference} ({args.reference_options}) --n 100: {min(theirs):.2f} s wall (runs {listed(theirs)}), "
              f"{chars} characters; this model with --best-of 1: {min(ours):.2f} s (runs {listed(ours)}), "
              f"{min(ours) / min(theirs):.2f}x as long (target at most 1.5x)")  # fmt: skip
    if config.copy:
        with_copy, without, read = copy_cost(args.weights)
        print(f"the same 100 sampled tunes ({read} characters) through the engine: {with_copy:.2f} s with the copy "
              f"memory, {without:.2f} s without it: {with_copy / without:.2f}x")  # fmt: skip
    recipe = recipe_chars_per_second(args.weights, args.recipe_chars)
    print(f"classic recipe sampler (batch 1, one predict_on_batch per character): {recipe:,.0f} chars/s")
    print(f"speed-up: {characters / hundred_seconds / recipe:.1f}x")


if __name__ == "__main__":
    main()
