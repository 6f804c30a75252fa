"""Write tests/data/midi_reference.json: tunes and the pitches abc2midi plays for them.

Run once, by hand, where abc2midi is installed (apt-get install abcmidi):

    python tests/make_midi_fixtures.py

It picks corpus tunes with the repeats, endings, ties, decorations, rolls and
trills the MIDI renderer must play as written, and sampled tunes, takes their
grace notes out (see bench/midi_fidelity.py), and stores what
``abc2midi -NGRA -NGUI -NFER`` plays for each; where abcrnn plays otherwise
(as measured now), also the reading of abc2midi's that explains it, or
"unexplained", so that the test expects those to differ.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from midi_fidelity import _GRACES, abcrnn_pitches, body_sub, difference, explain  # noqa: E402
from reference import abc2midi_pitches  # noqa: E402

from abcrnn.training.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.files import read_tunes  # noqa: E402

PATTERNS = {
    "end repeat with no start": lambda tune: ":|" in tune and "|:" not in tune,
    "start and end repeat": lambda tune: tune.count("|:") >= 2,
    "double repeat ::": lambda tune: "::" in tune,
    "endings |1 :|2": lambda tune: "|1" in tune and ":|2" in tune,
    "endings [1 [2": lambda tune: "[1" in tune and "[2" in tune,
    "tie between different pitches": lambda tune: re.search(r"([A-Ga-g])[,']*\d*-\s*(?!\1)[A-Ga-g]", tune),
    "tie then staccato": lambda tune: re.search(r"-[A-Ga-g]\.", tune),
    "accidental carried in the bar": lambda tune: re.search(r"=([a-gA-G])[^|]*\1", tune),
    "inline key change": lambda tune: "\nK:" in tune.split("\nK:", 1)[1],
    "rolls": lambda tune: re.search(r"~[A-Ga-g]", tune),
    "trills": lambda tune: re.search(r"T[\^_=]?[A-Ga-g]", tune.split("\nK:", 1)[1]),
    "trills at a set tempo": lambda tune: "\nQ:" in tune and re.search(r"T[\^_=]?[A-Ga-g]", tune.split("\nK:", 1)[1]),
}


def main() -> None:
    corpus = load_corpus_tunes(str(ROOT / "corpora" / "jigs-valid.abc"))
    corpus += load_corpus_tunes(str(ROOT / "corpora" / "folk.abc"))[::7]
    chosen = []
    for name, matches in PATTERNS.items():
        found = [tune for tune in corpus if matches(tune) and tune not in chosen][:3]
        chosen += found
        print(f"{name}: {len(found)}")
    chosen += read_tunes(sys.argv[1])[:10] if len(sys.argv) > 1 else []
    prepared = [body_sub(_GRACES, tune) for tune in chosen]
    pitches = abc2midi_pitches(prepared)
    fixtures = [{"tune": tune, "abc2midi": played} for tune, played in zip(prepared, pitches) if played]
    ours = abcrnn_pitches([fixture["tune"] for fixture in fixtures])
    differing = [index for index, fixture in enumerate(fixtures) if difference(ours[index], fixture["abc2midi"])]
    reasons = explain([fixtures[index]["tune"] for index in differing], [ours[index] for index in differing])
    for index, reason in zip(differing, reasons):
        fixtures[index]["differs"] = reason or "unexplained"
    path = ROOT / "tests" / "data" / "midi_reference.json"
    path.write_text(json.dumps(fixtures, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(fixtures)} tunes to {path}")


if __name__ == "__main__":
    main()
