"""Does `abcrnn transpose` move every note? abc2midi plays each tune before and after.

For every tune of a corpus and every interval from -6 to +6 semitones, the
pitches abc2midi plays for the transposed tune must be the original's moved by
the interval. Prints the agreement per interval and each exception with its reason.

    python bench/transposer.py [--corpus corpora/folk.abc] [--intervals -6..6] [--tunes N]

Needs abc2midi (apt-get install abcmidi); the package itself never does.
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from reference import abc2midi_pitches, require_abc2midi  # noqa: E402

from abcrnn.training.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.text.transpose import TransposeError, transpose_tune  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="corpora/folk.abc")
    parser.add_argument("--tunes", type=int, default=None, help="only the first N tunes")
    parser.add_argument("--low", type=int, default=-6)
    parser.add_argument("--high", type=int, default=6)
    parser.add_argument("--show", type=int, default=10, help="exceptions to list per kind")
    args = parser.parse_args()
    require_abc2midi()
    tunes = load_corpus_tunes(args.corpus)[: args.tunes]
    originals = abc2midi_pitches(tunes)
    print(f"{len(tunes)} tunes of {args.corpus}; abc2midi plays {sum(p is not None for p in originals)}")
    exceptions, transpose_seconds, total_agree, total = Counter(), 0.0, 0, 0
    for semitones in range(args.low, args.high + 1):
        started = time.perf_counter()
        moved, reasons = [], {}
        for index, tune in enumerate(tunes):
            try:
                moved.append(transpose_tune(tune, semitones))
            except TransposeError as error:
                moved.append(tune)
                reasons[index] = f"refused: {error}"
        transpose_seconds += time.perf_counter() - started
        played = abc2midi_pitches(moved)
        agree = 0
        for index, (before, after) in enumerate(zip(originals, played)):
            reason = reasons.get(index) or _disagreement(before, after, semitones)
            if reason:
                exceptions[(reason.split(":")[0], index)] += 1
                if exceptions[(reason.split(":")[0], index)] == 1 and _listed(exceptions, reason) <= args.show:
                    print(f"  X:{index + 1} {semitones:+d}: {reason}")
            else:
                agree += 1
        total_agree, total = total_agree + agree, total + len(tunes)
        print(f"{semitones:+3d} semitones: {agree}/{len(tunes)} agree with abc2midi")
    print(f"all intervals: {total_agree}/{total} = {100 * total_agree / total:.2f}% agree; "
          f"tunes with an exception: {len({index for _, index in exceptions})}")  # fmt: skip
    print(f"transposer speed: {total / transpose_seconds:.0f} tunes/s")


def _listed(exceptions: Counter, reason: str) -> int:
    return sum(1 for kind, _ in exceptions if kind == reason.split(":")[0])


def _disagreement(before, after, semitones) -> str | None:
    if before is None:
        return "abc2midi cannot play the original"
    if after is None:
        return "abc2midi cannot play the transposed tune"
    if len(before) != len(after):
        return f"note count: {len(before)} before, {len(after)} after"
    for position, (old, new) in enumerate(zip(before, after)):
        if new - old != semitones:
            return f"pitch: note {position + 1} is {old} before, {new} after"
    return None


if __name__ == "__main__":
    main()
