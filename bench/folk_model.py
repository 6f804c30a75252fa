"""What the shipped folk model reaches, against the targets of issues 10 and 17 (and, with --compare, another model).

    python bench/folk_model.py [--weights weights/folk] [--compare OTHER_BUNDLE] [--n 200] [--seed 11]
                               [--rhythms "jig,reel,hornpipe,slip jig,polka"] [--heldout FILE|unseen-jigs]

For each rhythm it runs ``abcrnn sample --n 200 --seed 11 --rhythm R`` as a
user would (the default settings otherwise; jig is the default rhythm) and
reports music21 parsing, validation, completeness, parts, copies of 4+ corpus
bars, and the key distribution's Jensen-Shannon divergence from the corpus
tunes of that rhythm (for jigs: corpora/jigs-valid.abc, the corpus jigs the
old model was measured against). Then held-out bits per character: the
validation split recorded in each bundle, and, with --heldout, a file of
tunes neither model saw (such as a private set of jigs), or ``unseen-jigs``: the
jigs of corpora/jigs.abc that the folk corpus left out.

Then the musician's measures (``abcrnn evaluate --samples``: bars and two-bar
phrases that come back, tunes ending on the tonic, parts ending home, steps and
leaps) and the share of titles naming another rhythm, each beside the same
measure of the corpus tunes of that rhythm.

Targets (issue 10): jigs 99% parse, 95% valid, 95% complete, 85% two parts,
2% or fewer copies, key divergence 0.06 bits or less; reel, hornpipe, slip jig
and polka 90% valid each; validation bits per character below 1.69.
Targets (issue 17): jigs and reels 40%+ bars that return, 15%+ two-bar phrases
that return; jigs 78%+ ending on the tonic, reels within 5 points of the corpus.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from abcrnn.text.abc import clean_tune, header_fields  # noqa: E402
from abcrnn.text.bars import part_count  # noqa: E402
from abcrnn.bounded import map_bounded  # noqa: E402
from abcrnn.model.bundle import load_bundle  # noqa: E402
from abcrnn.text.rhythms import rhythm_name  # noqa: E402
from abcrnn.training.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.sampling.evaluate import score_tunes  # noqa: E402
from abcrnn.training.data import split_train_validation  # noqa: E402
from abcrnn.files import read_tunes  # noqa: E402
from abcrnn.text.parsing import parse_failure  # noqa: E402
from abcrnn.sampling.quality import (  # noqa: E402
    js_divergence,
    key_and_rhythm_counts,
    mean_form,
    note_statistics,
    novelty,
    title_names_another_rhythm,
)
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
        "titles_another_rhythm": share([title_names_another_rhythm(tune) for tune in samples]),
        "form": mean_form([outcome.value for outcome in map_bounded(note_statistics, samples, 10) if outcome.value]),
    }


def corpus_form(corpus: list[str]) -> dict:
    """The musician's measures and the title share of corpus tunes, for comparison."""
    with_rhythm = [tune for tune in corpus if header_fields(tune).get("R")]
    return {
        "form": mean_form([outcome.value for outcome in map_bounded(note_statistics, corpus, 10) if outcome.value]),
        "titles_another_rhythm": sum(map(title_names_another_rhythm, with_rhythm)) / max(1, len(with_rhythm)),
    }


def form_line(figures: dict) -> str:
    form = figures["form"]
    return (f"bars return {form['bars_return']:.1%}, phrases return {form['phrases_return']:.1%}, "
            f"end on tonic {form['ends_on_tonic']:.1%}, parts end home {form['parts_end_home']:.1%}, "
            f"loop {form['loops']:.1%}, "
            f"steps {form['steps']:.1%}, leaps {form['leaps']:.1%}, range {form['range']:.1f}; "
            f"titles naming another rhythm {figures['titles_another_rhythm']:.1%}")  # fmt: skip


def sample_file(weights: str, rhythm: str, n: int, seed: int, folder: Path, options: list[str]):
    """Run ``abcrnn sample`` for one rhythm; the file written, or None and the error line."""
    out = folder / f"{len(list(folder.iterdir()))}-{rhythm.replace(' ', '_')}.abc"
    result = subprocess.run([sys.executable, "-m", "abcrnn", "sample", "--weights", weights, "--n", str(n),
                             "--seed", str(seed), "--rhythm", rhythm, "--out", str(out), *options],
                            capture_output=True, text=True)  # fmt: skip
    return (out, "") if result.returncode == 0 else (None, result.stderr.strip().splitlines()[-1])


def rhythm_corpus(rhythm: str, corpus: list[str]) -> list[str]:
    """The corpus tunes of one rhythm; for jigs, the jig corpus the old model was measured against."""
    if rhythm == "jig" and Path("corpora/jigs-valid.abc").exists():
        return load_corpus_tunes("corpora/jigs-valid.abc")
    return [tune for tune in corpus if rhythm_name(header_fields(tune).get("R", "")) == rhythm]


def unseen_jigs(corpus: list[str]) -> list[str]:
    """The jigs of corpora/jigs.abc whose music is in no tune of the training corpus: unseen human jigs.

    (The folk corpus keeps only tunes that pass validation; these 91 do not, mostly for a bar's length.)
    """
    music = lambda tune: re.sub(r"\s", "", tune.split("\nK:", 1)[-1].split("\n", 1)[-1])  # noqa: E731
    seen = {music(tune) for tune in corpus}
    return [tune for tune in load_corpus_tunes("corpora/jigs.abc") if music(tune) not in seen]


def plot_form(forms: dict[str, dict], path: str, n: int, seed: int) -> None:
    """A bar chart of the jigs' musician's measures, one colour per bundle and one for the corpus."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    measures = {"bars_return": "bars that\ncome back", "phrases_return": "two-bar phrases\nthat come back",
                "ends_on_tonic": "tune ends\non the tonic", "parts_end_home": "parts end on\ntonic or dominant"}
    figure, axes = pyplot.subplots(figsize=(8, 3.6))
    width = 0.8 / len(forms)
    for index, (name, form) in enumerate(forms.items()):
        positions = [slot + index * width for slot in range(len(measures))]
        bars = axes.bar(positions, [100 * form[key] for key in measures], width, label=name)
        axes.bar_label(bars, fmt="%.0f", fontsize=7)
    axes.set_xticks([slot + width * (len(forms) - 1) / 2 for slot in range(len(measures))], measures.values())
    axes.set_ylabel("% of bars, phrases, tunes, parts")
    axes.set_ylim(0, 105)
    axes.set_title(f"{n} jigs sampled with the default settings (seed {seed}) beside the corpus", fontsize=9)
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    pyplot.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default="weights/folk")
    parser.add_argument("--compare", default="", help="a second bundle measured the same way, e.g. an older model")
    parser.add_argument("--compare-options", default="", help="sample options for --compare, e.g. the defaults of "
                        "its release: '--temperature 0.75 --top-p 0.9 --best-of 1'")  # fmt: skip
    parser.add_argument("--corpus", default="corpora/folk.abc")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rhythms", default="jig,reel,hornpipe,slip jig,polka")
    parser.add_argument("--heldout", default=None, help="ABC file of tunes neither model saw, or 'unseen-jigs': the "
                        "jigs of corpora/jigs.abc that corpora/folk.abc left out (they fail validation)")  # fmt: skip
    parser.add_argument("--plot", default="", help="also draw the jigs' musician's measures to this PNG")
    args = parser.parse_args()
    corpus = load_corpus_tunes(args.corpus)
    runs = [(args.weights, []), (args.compare, args.compare_options.split())]
    runs = [(weights, options) for weights, options in runs if weights and Path(weights).exists()]
    bundles = [weights for weights, _ in runs]
    print("bundle, rhythm: parse / valid / complete / two parts / copies 4 bars / key JS (corpus halves) / "
          "rhythms written")  # fmt: skip
    human: dict[str, str] = {}
    drawn: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        for weights, options in runs:
            for rhythm in [rhythm.strip() for rhythm in args.rhythms.split(",")]:
                path, error = sample_file(weights, rhythm, args.n, args.seed, Path(folder), options)
                if path is None:
                    print(f"{weights}, {rhythm}: {error}")
                    continue
                tunes = rhythm_corpus(rhythm, corpus)
                figures = report(read_tunes(path), tunes)
                if rhythm == "jig":
                    drawn[" ".join([weights, *options])] = figures["form"]
                rhythms = ", ".join(f"{name} {count}" for name, count in figures["rhythms"].items())
                print(f"{weights}, {rhythm}: {figures['parse']:.1%} / {figures['valid']:.1%} / "
                      f"{figures['complete']:.1%} / {figures['two_or_more_parts']:.1%} / {figures['copies_4_bars']:.1%}"
                      f" / {figures['key_js']:.3f} ({figures['key_js_corpus_halves']:.3f}) / {rhythms}", flush=True)
                print(f"    samples: {form_line(figures)}", flush=True)
                if rhythm not in human:
                    measured = corpus_form(tunes)
                    human[rhythm] = form_line(measured)
                    if rhythm == "jig":
                        drawn["human jigs (corpora/jigs-valid.abc)"] = measured["form"]
                print(f"    corpus ({len(tunes)} tunes): {human[rhythm]}", flush=True)
    if args.plot and drawn:
        plot_form(drawn, args.plot, args.n, args.seed)
    heldout = unseen_jigs(corpus) if args.heldout == "unseen-jigs" else (
        [clean_tune(tune) for tune in read_tunes(args.heldout)] if args.heldout else [])  # fmt: skip
    for weights in bundles:
        bundle = load_bundle(weights)
        best = bundle.history[bundle.best_epoch - 1]
        line = f"{weights}: validation split {best['validation_bits_per_char']:.3f} bits/char"
        line += f" (best epoch {bundle.best_epoch})"
        training = bundle.metadata["training"]
        held_out = split_train_validation(corpus, training["val_fraction"], training["seed"])[1]
        kinds = score_tunes(bundle, held_out)["bits_per_char_by_kind"]
        line += (f"; on those {len(held_out)} tunes: header {kinds['header']:.3f}, first-time bars "
                 f"{kinds['first-time bars']:.3f}, repeated bars {kinds['repeated bars']:.3f} "
                 f"({1 - kinds['repeated bars'] / kinds['first-time bars']:.0%} below)")
        if heldout:
            scored = score_tunes(bundle, heldout)
            kinds = scored["bits_per_char_by_kind"]
            line += (f"; {len(heldout)} {args.heldout}: {scored['bits_per_char']:.3f} bits/char "
                     f"(first-time bars {kinds['first-time bars']:.3f}, repeated bars {kinds['repeated bars']:.3f})")
        print(line)


if __name__ == "__main__":
    main()
