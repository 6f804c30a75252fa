"""Where a model loses its first part's cadence: human openings of growing length, the model writing the rest.

    python bench/cadence.py [--weights weights/folk] [--seeds 3] [--bars 0,2,4,6,7]

The model's own first parts end on the tonic about half the time, the corpus's 84% (README).
This asks where that is lost. Each tune of the bundle's validation split (the tunes it was
not trained on) whose first part is eight whole bars, after any anacrusis, with no numbered
endings, closed by a repeat, double or thick bar, is given to the model as a primer: its
header and its first k bars. The model writes the rest (``--best-of 1``, the default
settings otherwise, one tune per seed). For each k it prints the share of the model's
first parts that end on the tonic K: names, beside the human first parts'. k=0 is the
model's own; k=7 leaves it only the cadence bar. A share that stays low until k=7 puts the
loss in the cadence bar itself; one that climbs with k puts it in the phrases before.
"""

import argparse
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from abcrnn.model.bundle import default_weights, load_bundle  # noqa: E402
from abcrnn.sampling.sample import SampleSettings, sample_from  # noqa: E402
from abcrnn.text.bars import part_finals, tonic_letter  # noqa: E402
from abcrnn.text.durations import bar_units  # noqa: E402
from abcrnn.text.following import bar_units_of  # noqa: E402
from abcrnn.text.tokens import BAR_LINE_PATTERN, PART_END  # noqa: E402
from abcrnn.training.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.training.data import bundle_split  # noqa: E402

PART_BARS = 8


def music_start(tune: str) -> int | None:
    """Where the music starts: after the K: line that ends the header (None without one)."""
    key_line = re.search(r"^K:.*\n", tune, re.MULTILINE)
    return key_line.end() if key_line else None


def first_part_bars(tune: str) -> list[int] | None:
    """Where the tune's first ``PART_BARS`` whole bars end (after each bar line), if they make its first part.

    >>> tune = "X:1\\nM:2/4\\nL:1/8\\nK:G\\nd|" + "GABc|" * 7 + "G4:|\\n|:gfed|"
    >>> ends = first_part_bars(tune)
    >>> tune[ends[0] - 5 : ends[0]], tune[ends[-1] - 5 : ends[-1]]
    ('GABc|', '|G4:|')
    >>> first_part_bars("X:1\\nM:2/4\\nL:1/8\\nK:G\\n" + "GABc|" * 9) is None
    True
    """
    start = music_start(tune)
    full = bar_units_of(tune[:start]) if start else None
    if not full:
        return None
    ends = []
    for line in BAR_LINE_PATTERN.finditer(tune, start):
        bar = tune[start : line.start()]
        units = bar_units(bar)
        if units is None or re.search(r"\[?\d", line.group() + tune[line.end() : line.end() + 1]):
            return None  # a bar this reader is unsure of, or a numbered ending
        if units == full:
            ends.append(line.end())
        elif ends or units > full:  # only the first bar may be short: an anacrusis
            return None
        start = line.end()
        if len(ends) == PART_BARS:
            return ends if re.fullmatch(PART_END, line.group()) else None
    return None


def validation_tunes(bundle) -> list[str]:
    """The tunes of the bundle's validation split (those it was not trained on), in the model's header order."""
    return bundle_split(bundle, load_corpus_tunes(bundle.metadata["corpus"]["path"]))[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(default_weights()))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--bars", default="0,2,4,6,7")
    args = parser.parse_args()
    bundle = load_bundle(args.weights)
    validation = validation_tunes(bundle)
    chosen = [(tune, ends) for tune in validation if (ends := first_part_bars(tune)) and tonic_letter(tune)]
    human = sum(part_finals(tune)[0] == tonic_letter(tune) for tune, _ in chosen)
    print(f"{len(chosen)} of the {len(validation)} validation tunes have a first part of {PART_BARS} whole bars; "
          f"{human / len(chosen):.1%} of those first parts end on the tonic")
    for bars in [int(bars) for bars in args.bars.split(",")]:
        on_tonic, written, in_eight, in_eight_on_tonic = 0, 0, 0, 0
        for tune, ends in chosen:
            primer = tune[: ends[bars - 1] if bars else music_start(tune)]
            settings = SampleSettings(n=args.seeds, seed=11, primer=primer, best_of=1, rhythm="any")
            for text in sample_from(bundle, settings).texts:
                finals = part_finals(text)
                if len(finals) >= 2:
                    home = finals[0] == tonic_letter(text)
                    eight = first_part_bars(text) is not None
                    written, on_tonic = written + 1, on_tonic + home
                    in_eight, in_eight_on_tonic = in_eight + eight, in_eight_on_tonic + (eight and home)
        print(f"the first {bars} bars human, the rest the model's: {on_tonic / max(1, written):.1%} of {written} "
              f"first parts end on the tonic; {in_eight / max(1, written):.1%} close after 8 bars, "
              f"{in_eight_on_tonic / max(1, in_eight):.1%} of those on the tonic", flush=True)


if __name__ == "__main__":
    main()
