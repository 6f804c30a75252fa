"""Write tests/data/transposed.json: tunes, their transpositions, and what abc2midi plays for both.

Run once, by hand, where abc2midi is installed (apt-get install abcmidi):

    python tests/make_transpose_fixtures.py

It picks the corpus tunes that exercise the transposer most (accidentals,
inline key changes, modes, chord symbols, keys with their own accidentals),
transposes each by two intervals, and keeps a case only if abc2midi plays the
transposed tune as the original moved by the interval; it stops if one fails.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from reference import abc2midi_pitches  # noqa: E402

from abcrnn.training.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.text.transpose import TransposeError, transpose_tune  # noqa: E402

INTERVALS = (-6, -5, -3, -2, -1, 1, 2, 3, 4, 5, 6)


def interest(tune: str) -> int:
    """How much of the transposer a tune exercises."""
    music = tune.split("\nK:", 1)[1]
    return (len(re.findall(r"[\^_=]", music)) + 20 * music.count("[K:") + 20 * music.count("\nK:")
            + 5 * len(re.findall(r'"[A-G]', music)) + 30 * bool(re.search(r"K:\S*[\^_=]", tune))
            + 10 * bool(re.search(r"K:[A-G][#b]?(dor|mix|m|lyd|phr|loc|aeo)", tune, re.I)))  # fmt: skip


def movable(tune: str) -> bool:
    try:
        transpose_tune(tune, 1)
    except TransposeError:
        return False
    return True


def main() -> None:
    tunes = [tune for tune in load_corpus_tunes(str(ROOT / "corpora" / "folk.abc")) if movable(tune)]
    chosen = sorted(range(len(tunes)), key=lambda index: -interest(tunes[index]))[:30]
    cases = [(tunes[index], INTERVALS[(2 * n + k) % len(INTERVALS)]) for n, index in enumerate(chosen) for k in (0, 1)]
    moved = [transpose_tune(tune, semitones) for tune, semitones in cases]
    before = abc2midi_pitches([tune for tune, _ in cases])
    after = abc2midi_pitches(moved)
    fixtures = []
    for (tune, semitones), text, old, new in zip(cases, moved, before, after):
        if not old or new != [pitch + semitones for pitch in old]:
            sys.exit(f"abc2midi disagrees with the transposer on {tune.splitlines()[1]} {semitones:+d}")
        fixtures.append({"tune": tune, "semitones": semitones, "transposed": text, "abc2midi_before": old,
                         "abc2midi_after": new})  # fmt: skip
    path = ROOT / "tests" / "data" / "transposed.json"
    path.write_text(json.dumps(fixtures, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(fixtures)} cases to {path}")


if __name__ == "__main__":
    main()
