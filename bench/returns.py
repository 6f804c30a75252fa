"""Where a model loses the return of its first part's cadence: human second parts cut short, the model ending them.

    python bench/returns.py [--weights weights/folk] [--seeds 4] [--left all,4,2,1]

Of corpora/jigs.abc's tunes of two or more parts, 68% close their last part with the first
part's last bar, as written; the shipped model's own jigs 15% (``abcrnn evaluate --samples``).
This asks where that is lost. Each tune of the bundle's validation split (the tunes it was not
trained on) of two parts whose second part has at least four bars is given to the model as a
primer: the whole tune but the last k bars of its second part (``all``: the first part alone).
The model writes the rest (``--best-of 1``, the default settings otherwise, one tune per seed).
For each k it prints the share of the model's last parts that close with the first part's last
bar and that end on the tonic K: names, over all these tunes and over those whose human second
part does close so. A share that stays low until k=1 puts the loss in the decision to start the
cadence phrase again; one that climbs with k puts it in the second part before.

Then it reads the tunes whose second part ends with the first part's last two bars, as
written (teacher-forced, each from a fresh state), and prints the mean probability the model
gives the human character at the first character of the returning penultimate bar, over the
rest of that bar and over the last bar, beside the same for the tunes whose second part ends
otherwise: whether the return is lost at its first character or spread over the phrase.
"""

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cadence import music_start, validation_tunes  # noqa: E402

import numpy as np  # noqa: E402

from abcrnn.model.bundle import default_weights, load_bundle  # noqa: E402
from abcrnn.model.engine import log_probabilities  # noqa: E402
from abcrnn.sampling.sample import SampleSettings, sample_from  # noqa: E402
from abcrnn.text.abc import TUNE_SEPARATOR  # noqa: E402
from abcrnn.text.bars import closes_as_first_part, part_endings, part_finals, tonic_letter, written_bars  # noqa: E402
from abcrnn.text.tokens import BAR_LINE_PATTERN  # noqa: E402

SHORTEST_SECOND_PART = 4  # bars


def second_part_cuts(tune: str) -> list[int] | None:
    """Where each bar of a two-part tune's second part starts (after the first part's closing bar line and the
    bar lines inside the second part), as offsets in ``tune``; None for another form or a short second part.

    >>> tune = "X:1\\nK:G\\n|:GAB dBG|ABc d3:|\\n|:gfe dBG|AGF G3|gfe dBG|ABc d3:|\\n"
    >>> [tune[cut : cut + 7] for cut in second_part_cuts(tune)]
    ['\\n|:gfe ', 'AGF G3|', 'gfe dBG', 'ABc d3:']
    """
    start = music_start(tune)
    if start is None:
        return None
    ends = part_endings(tune[start:])
    if len(ends) != 2:
        return None
    inside = [line.end() for line in BAR_LINE_PATTERN.finditer(tune, start + ends[0][1])
              if start + ends[0][1] < line.end() <= start + ends[1][0] and line.group().strip(":|") == ""]  # fmt: skip
    cuts = [start + ends[0][1]] + [end for end in inside if end > start + ends[0][1] + 3]
    return cuts if len(cuts) >= SHORTEST_SECOND_PART else None


def returning_probabilities(bundle, chosen: list[tuple[str, list[int]]]) -> None:
    """Print the mean probability of the human characters of the second part's last two bars (module doc)."""
    groups: dict[str, list[list[float]]] = {"returning": [[], [], []], "ending otherwise": [[], [], []]}
    engine = bundle.engine()
    for tune, cuts in chosen:
        start = music_start(tune)
        first_end, last_end = (start + end for _, end, _ in part_endings(tune[start:]))
        first, second = written_bars("K:C\n" + tune[start:first_end]), written_bars("K:C\n" + tune[cuts[0]:last_end])
        group = groups["returning" if len(first) > 1 and first[-2:] == second[-2:] else "ending otherwise"]
        text = tune + TUNE_SEPARATOR
        probabilities = np.exp(log_probabilities(engine, [bundle.vocabulary.encode(text)])[0])
        at = cuts[-2] + len(text[cuts[-2] :]) - len(text[cuts[-2] :].lstrip(" \n"))  # the bar's first character
        group[0].append(probabilities[at - 1])  # probabilities[i] is that of character i + 1
        group[1].extend(probabilities[at : cuts[-1] - 1])
        group[2].extend(probabilities[cuts[-1] - 1 : last_end - 1])
    for name, (first, rest, last) in groups.items():
        print(f"second parts {name} ({len(first)}), the human character's mean probability: the penultimate bar's "
              f"first {np.mean(first):.3f}, the rest of that bar {np.mean(rest):.3f}, the last bar {np.mean(last):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(default_weights()))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--left", default="all,4,2,1", help="bars of the second part the model writes")
    args = parser.parse_args()
    bundle = load_bundle(args.weights)
    validation = validation_tunes(bundle)
    chosen = [(tune, cuts) for tune in validation if (cuts := second_part_cuts(tune)) and tonic_letter(tune)]
    human = [tune for tune, _ in chosen if closes_as_first_part(tune)]
    print(f"{len(chosen)} of the {len(validation)} validation tunes have two parts, the second of "
          f"{SHORTEST_SECOND_PART}+ bars; {len(human) / len(chosen):.1%} of their second parts close with the first "
          "part's last bar")
    for left in args.left.split(","):
        counts = {"all": [0, 0, 0], "returning": [0, 0, 0]}  # tunes written, closing as the first, on the tonic
        for tune, cuts in chosen:
            primer = tune[: cuts[0] if left == "all" else cuts[-int(left)]]
            settings = SampleSettings(n=args.seeds, seed=11, primer=primer, best_of=1, rhythm="any")
            for text in sample_from(bundle, settings).texts:
                if (returned := closes_as_first_part(text)) is None:
                    continue
                for group in ("all", "returning") if tune in human else ("all",):
                    counts[group][0] += 1
                    counts[group][1] += returned
                    counts[group][2] += part_finals(text)[-1] == tonic_letter(text)
        shown = "; ".join(f"{group} ({written}): closing as the first {returned / max(1, written):.1%}, on the tonic "
                          f"{tonic / max(1, written):.1%}" for group, (written, returned, tonic) in counts.items())
        left_words = {"all": "the whole second part", "1": "the last bar"}.get(left, f"the last {left} bars")
        print(f"the model writes {left_words}: {shown}", flush=True)
    returning_probabilities(bundle, chosen)


if __name__ == "__main__":
    main()
