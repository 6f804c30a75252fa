"""What the shipped folk model reaches, against the targets of issue 10 (and, with --compare, another model).

    python bench/folk_model.py [--weights weights/folk] [--compare OTHER_BUNDLE] [--n 200] [--seed 11]
                               [--rhythms "jig,reel,hornpipe,slip jig,polka"] [--heldout FILE]

For each rhythm it runs ``abcrnn sample --n 200 --seed 11 --rhythm R`` as a
user would (the default settings otherwise; jig is the default rhythm) and
reports music21 parsing, validation, completeness, parts, copies of 4+ corpus
bars, and the key distribution's Jensen-Shannon divergence from the corpus
tunes of that rhythm (for jigs: corpora/jigs-valid.abc, the corpus jigs the
old model was measured against). Then held-out bits per character: the
validation split recorded in each bundle, and, with --heldout, a file of
tunes neither model saw (such as a private set of jigs).

Targets (issue 10): jigs 99% parse, 95% valid, 95% complete, 85% two parts,
2% or fewer copies, key divergence 0.06 bits or less; reel, hornpipe, slip jig
and polka 90% valid each; validation bits per character below 1.69.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from abcrnn.text.abc import clean_tune, header_fields  # noqa: E402
from abcrnn.text.bars import part_count  # noqa: E402
from abcrnn.bounded import map_bounded  # noqa: E402
from abcrnn.model.bundle import load_bundle  # noqa: E402
from abcrnn.training.corpus import load_corpus_tunes, rhythm_name  # noqa: E402
from abcrnn.sampling.evaluate import score_tunes  # noqa: E402
from abcrnn.files import read_tunes  # noqa: E402
from abcrnn.text.parsing import parse_failure  # noqa: E402
from abcrnn.sampling.quality import js_divergence, key_and_rhythm_counts, novelty  # noqa: E402
from abcrnn.sampling.sample import CUT_MARK  # noqa: E402
from abcrnn.text.validate import ends_with_closing_bar, validate_tunes  # noqa: E402


def report(samples: list[str], corpus: list[str]) -> dict:
    """The measures of the targets (those of `abcrnn evaluate --samples` but the note statistics)."""
    share = lambda flags: sum(flags) / len(flags)  # noqa: E731
    parsed = [outcome.value is None and not outcome.error for outcome in map_bounded(parse_failure, samples, 10)]
    keys, rhythms = key_and_rhythm_counts(samples)
    halves = [key_and_rhythm_counts(corpus[part::2])[0] for part in (0, 1)]
    return {
        "parse": share(parsed),
        "valid": share([result.valid for result in validate_tunes(samples)]),
        "complete": share([ends_with_closing_bar(tune) and CUT_MARK not in tune for tune in samples]),
        "two_or_more_parts": share([part_count(tune) >= 2 for tune in samples]),
        "copies_4_bars": share([item["copies_bars"] for item in novelty(samples, corpus)]),
        "key_js": js_divergence(keys, key_and_rhythm_counts(corpus)[0]),
        "key_js_corpus_halves": js_divergence(*halves),
        "rhythms": dict(rhythms.most_common()),
    }


def sample_file(weights: str, rhythm: str, n: int, seed: int, folder: Path) -> tuple[Path | None, str]:
    """Run ``abcrnn sample`` for one rhythm; the file written, or None and the error line."""
    out = folder / f"{Path(weights).name}-{rhythm.replace(' ', '_')}.abc"
    result = subprocess.run([sys.executable, "-m", "abcrnn", "sample", "--weights", weights, "--n", str(n),
                             "--seed", str(seed), "--rhythm", rhythm, "--out", str(out)],
                            capture_output=True, text=True)  # fmt: skip
    return (out, "") if result.returncode == 0 else (None, result.stderr.strip().splitlines()[-1])


def rhythm_corpus(rhythm: str, corpus: list[str]) -> list[str]:
    """The corpus tunes of one rhythm; for jigs, the jig corpus the old model was measured against."""
    if rhythm == "jig" and Path("corpora/jigs-valid.abc").exists():
        return load_corpus_tunes("corpora/jigs-valid.abc")
    return [tune for tune in corpus if rhythm_name(header_fields(tune).get("R", "")) == rhythm]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default="weights/folk")
    parser.add_argument("--compare", default="", help="a second bundle measured the same way, e.g. an older model")
    parser.add_argument("--corpus", default="corpora/folk.abc")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rhythms", default="jig,reel,hornpipe,slip jig,polka")
    parser.add_argument("--heldout", default=None, help="ABC file of tunes neither model saw")
    args = parser.parse_args()
    corpus = load_corpus_tunes(args.corpus)
    bundles = [weights for weights in (args.weights, args.compare) if weights and Path(weights).exists()]
    print("bundle, rhythm: parse / valid / complete / two parts / copies 4 bars / key JS (corpus halves) / "
          "rhythms written")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for weights in bundles:
            for rhythm in [rhythm.strip() for rhythm in args.rhythms.split(",")]:
                path, error = sample_file(weights, rhythm, args.n, args.seed, Path(folder))
                if path is None:
                    print(f"{weights}, {rhythm}: {error}")
                    continue
                figures = report(read_tunes(path), rhythm_corpus(rhythm, corpus))
                rhythms = ", ".join(f"{name} {count}" for name, count in figures["rhythms"].items())
                print(f"{weights}, {rhythm}: {figures['parse']:.1%} / {figures['valid']:.1%} / "
                      f"{figures['complete']:.1%} / {figures['two_or_more_parts']:.1%} / {figures['copies_4_bars']:.1%}"
                      f" / {figures['key_js']:.3f} ({figures['key_js_corpus_halves']:.3f}) / {rhythms}", flush=True)
    heldout = [clean_tune(tune) for tune in read_tunes(args.heldout)] if args.heldout else []
    for weights in bundles:
        bundle = load_bundle(weights)
        best = bundle.history[bundle.best_epoch - 1]
        line = f"{weights}: validation split {best['validation_bits_per_char']:.3f} bits/char"
        line += f" (best epoch {bundle.best_epoch})"
        if heldout:
            bits = score_tunes(bundle, heldout)["bits_per_char"]
            line += f"; {len(heldout)} tunes of {args.heldout}: {bits:.3f} bits/char"
        print(line)


if __name__ == "__main__":
    main()
