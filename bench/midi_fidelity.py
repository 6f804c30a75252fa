"""Does `abcrnn midi` play what is written? Note for note against abc2midi, the reference player.

    python bench/midi_fidelity.py [--corpus corpora/jigs-valid.abc] [--tunes N] [--samples FILE] [--show 10]

For each tune, the pitch sequence of abcrnn's MIDI is compared with that of
``abc2midi -NGRA -NGUI`` (grace notes and guitar chords left out), two ways:

- as written: the tune exactly as it is, grace notes taken out for both
  players (abc2midi leaves them out with -NGRA; abcrnn plays them);
- written notes: also without the ornaments abc2midi plays as several notes
  (``~`` roll, ``T`` trill, ``M``/``P`` mordents and their ``!...!`` forms),
  which abcrnn plays as the one written note.

Also shown: the same comparison for music21 given the tune directly (the
renderer before it was fed a playable text). Without --samples, 100 tunes are
sampled from the shipped model (``abcrnn sample --n 100 --seed 1``).
Needs abc2midi (apt-get install abcmidi).
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from reference import abc2midi_pitches, midi_pitches, require_abc2midi  # noqa: E402

from abcrnn.abc import header_fields, split_header_body  # noqa: E402
from abcrnn.bounded import map_bounded  # noqa: E402
from abcrnn.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.files import read_tunes  # noqa: E402

_GRACES = re.compile(r"\{[^}]*\}")
_ORNAMENTS = re.compile(r"[~TMP]|!(roll|trill|mordent|lowermordent|uppermordent|pralltriller|turn)!")
_JUMPS = re.compile(r"D\.C\.|D\.S\.|!coda!|[Ss]egno|Coda|Fine")


def body_sub(pattern: re.Pattern, tune: str) -> str:
    """Apply a removal to the music only (not to quoted text or inline fields), leaving the header."""
    header, body = split_header_body(tune)
    protected = re.compile(r'"[^"]*"|\[[A-Za-z]:[^\]]*\]|^[A-Za-z]:.*$', re.MULTILINE)
    music, pieces, position = "\n".join(body), [], 0
    for match in protected.finditer(music):
        pieces.append(pattern.sub("", music[position : match.start()]) + match.group())
        position = match.end()
    return "\n".join(header + ["".join(pieces) + pattern.sub("", music[position:])])


def rendered_pitches(tune: str, direct: bool = False) -> list[int] | None:
    """The pitches of abcrnn's MIDI of a tune, or (``direct``) of music21 given the tune as it is."""
    from abcrnn import midi, playable

    if direct:
        playable_tune, playable.playable_tune = playable.playable_tune, lambda text: text
    try:
        data = midi.tune_to_midi(tune)
    finally:
        if direct:
            playable.playable_tune = playable_tune
    with tempfile.NamedTemporaryFile(suffix=".mid") as file:
        file.write(data)
        file.flush()
        return midi_pitches(Path(file.name))


def difference(ours, reference) -> str | None:
    if ours is None:
        return "abcrnn could not render it"
    if reference is None:
        return "abc2midi wrote nothing"
    for position, (mine, theirs) in enumerate(zip(ours, reference)):
        if mine != theirs:
            return f"note {position + 1}: {mine}, abc2midi {theirs} ({len(ours)} notes, abc2midi {len(reference)})"
    return None if len(ours) == len(reference) else f"{len(ours)} notes, abc2midi {len(reference)}"


def compare(name: str, tunes: list[str], show: int) -> None:
    without_graces = [body_sub(_GRACES, tune) for tune in tunes]
    without_ornaments = [body_sub(_ORNAMENTS, tune) for tune in without_graces]
    for label, prepared in (("as written", without_graces), ("written notes", without_ornaments)):
        reference = abc2midi_pitches(prepared)
        for renderer, direct in (("abcrnn midi", False), ("music21 directly", True)):
            ours = [outcome.value for outcome in map_bounded(lambda text: rendered_pitches(text, direct), prepared, 60)]
            differences = [(tune, difference(mine, theirs)) for tune, mine, theirs in zip(tunes, ours, reference)]
            differing = [(tune, why) for tune, why in differences if why]
            agree = len(tunes) - len(differing)
            print(f"{name}, {label}, {renderer}: {agree}/{len(tunes)} = {100 * agree / len(tunes):.1f}% "
                  "play abc2midi's pitches", flush=True)  # fmt: skip
            if renderer == "abcrnn midi" and label == "written notes":
                jumps = sum(bool(_JUMPS.search(tune)) for tune, _ in differing)
                print(f"  of the {len(differing)} that differ, {jumps} hold a D.C., D.S., segno, coda or fine "
                      "(abc2midi follows them; abcrnn plays the repeats only)")  # fmt: skip
                for tune, why in differing[:show]:
                    print(f"  X:{header_fields(tune).get('X')} {header_fields(tune).get('T', '')[:30]!r}: {why}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="corpora/jigs-valid.abc")
    parser.add_argument("--tunes", type=int, default=None, help="only the first N corpus tunes")
    parser.add_argument("--samples", default=None, help="ABC file of sampled tunes (default: 100 sampled now)")
    parser.add_argument("--show", type=int, default=10, help="differences to list")
    args = parser.parse_args()
    require_abc2midi()
    if args.samples:
        samples = read_tunes(args.samples)
    else:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "samples.abc"
            subprocess.run([sys.executable, "-m", "abcrnn", "sample", "--n", "100", "--seed", "1", "--out", str(out)],
                           check=True, stderr=subprocess.DEVNULL)  # fmt: skip
            samples = read_tunes(out)
    compare(args.samples or "100 default samples", samples, args.show)
    compare(args.corpus, load_corpus_tunes(args.corpus)[: args.tunes], args.show)


if __name__ == "__main__":
    main()
