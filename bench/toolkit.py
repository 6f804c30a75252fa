"""What the musician's toolkit reaches: chords beside a human backer's, their backing beside abc2midi's, MusicXML.

    python bench/toolkit.py [--n 100] [--seed 1]

    python bench/toolkit.py --chorded my-chorded-jigs.abc   # also on your own chorded tunes

1. Chords (``abcrnn chords``) against the human chords of the chorded tunes music21 ships
   (its Nottingham sample, reels A-C) and, where abcMIDI's examples are installed, its chorded
   jig (coleraine.abc, its melody voice): the chord sounding at each full bar's start, root and
   major or minor, beside the tonic chord on every bar. With ``--chorded FILE``, the same on
   the chorded tunes of FILE (their chords taken out and chosen anew), and beside it how often
   a bar starts on a tone of its chord and how many chords a bar, the human's and ours.
2. The same chords on the 765 jigs of corpora/jigs-valid.abc: the share of bars whose first
   note is a tone of the chord written there, and chords a bar.
3. ``--n`` default samples (``abcrnn sample --n N --seed S --chords``, valid ones): the MIDI's
   accompaniment note for note against abc2midi's (its onsets within a 48th of a quarter, and
   pitches), where abc2midi is installed.
4. The same samples as MusicXML read back by music21: the share with the same pitches.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from test_chords import _backing, _chorded, chorded_human_tunes, human_agreement  # noqa: E402

from abcrnn.bounded import map_bounded  # noqa: E402
from abcrnn.errors import AbcrnnError  # noqa: E402
from abcrnn.files import read_tunes  # noqa: E402
from abcrnn.sound.midi import tune_to_midi  # noqa: E402
from abcrnn.sound.musicxml import tune_to_musicxml  # noqa: E402
from abcrnn.text.chords import add_chords, has_chords, read_chord  # noqa: E402
from abcrnn.text.parsing import parse_abc  # noqa: E402
from abcrnn.text.tokens import CHORD_SYMBOL  # noqa: E402
from abcrnn.text.validate import validate_tunes  # noqa: E402


def chord_tones(tunes: list[str], chosen: bool = True) -> tuple[float, float]:
    """The share of full bars starting on a tone of the chord sounding there, and chord symbols a bar: of the chords
    ``abcrnn chords`` chooses (``chosen``), or of the tunes' own."""
    on = bars = written = 0
    for tune in tunes:
        chorded = add_chords(tune) if chosen else tune
        found = _chorded(chorded)
        bars += len(found)
        on += sum(note in chord.tones for chord, note in found if chord)
        written += _chord_count(chorded) - (_chord_count(tune) if chosen else 0)
    return on / bars, written / bars


def _chord_count(tune: str) -> int:
    return sum(read_chord(symbol[1:-1]) is not None for symbol in re.findall(CHORD_SYMBOL, tune))


def abc2midi_backing(tune: str) -> list[tuple]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "tune.abc"
        source.write_text(tune)
        subprocess.run(["abc2midi", str(source), "-o", str(source.with_suffix(".mid"))], capture_output=True)
        return [(round(onset * 48) / 48, pitch) for onset, pitch in _backing(source.with_suffix(".mid").read_bytes())]


def same_backing(tune: str) -> bool:
    ours = [(round(onset * 48) / 48, pitch) for onset, pitch in _backing(tune_to_midi(tune))]
    return ours == abc2midi_backing(tune)


def same_pitches_in_musicxml(tune: str) -> bool:
    from music21 import converter

    pitches = lambda score: [p.midi for n in score.flatten().notes for p in n.pitches]  # noqa: E731
    return pitches(converter.parseData(tune_to_musicxml(tune).decode("utf-8"), format="musicxml")) == pitches(
        parse_abc(tune))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chorded", action="append", default=[], metavar="FILE",
                        help="also measure on a file of chorded human tunes (repeatable)")
    args = parser.parse_args()
    for path in args.chorded:
        try:
            tunes = [tune for tune in read_tunes(path) if has_chords(tune)]
        except AbcrnnError as error:
            parser.error(str(error))
        agree, tonic, bars = human_agreement(tunes)
        if not bars:
            parser.error(f"{path}: no chorded tune with a full bar")
        print(f"chords beside a human backer's ({path}: {len(tunes)} chorded tunes, {bars} bars): {agree / bars:.1%} "
              f"agree; the tonic chord on every bar: {tonic / bars:.1%}")
        for label, chorded in (("human", tunes), ("ours", [add_chords(tune, replace=True) for tune in tunes])):
            share, per_bar = chord_tones(chorded, chosen=False)
            print(f"  {label}: {share:.1%} of bars start on a tone of their chord; {per_bar:.2f} chords a bar")
    totals = [0, 0, 0]
    for source, tunes in chorded_human_tunes().items():
        agree, tonic, bars = human_agreement(tunes)
        totals = [total + count for total, count in zip(totals, (agree, tonic, bars))]
        print(f"chords beside a human backer's ({source}, {bars} bars): {agree / bars:.1%} agree; "
              f"the tonic chord on every bar: {tonic / bars:.1%}")
    agree, tonic, bars = totals
    print(f"all {bars} chorded human bars: {agree / bars:.1%} agree; the tonic chord on every bar: {tonic / bars:.1%}")
    share, per_bar = chord_tones(read_tunes("corpora/jigs-valid.abc"))
    print(f"corpora/jigs-valid.abc with chords: {share:.1%} of bars start on a chord tone; {per_bar:.2f} chords a bar")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "samples.abc"
        subprocess.run([sys.executable, "-m", "abcrnn", "sample", "--n", str(args.n), "--seed", str(args.seed),
                        "--chords", "--out", str(out)], check=True, stderr=subprocess.DEVNULL)  # fmt: skip
        samples = read_tunes(out)
    valid = [tune for tune, report in zip(samples, validate_tunes(samples)) if report.valid]
    if shutil.which("abc2midi"):
        same = [outcome.value for outcome in map_bounded(same_backing, valid, 60)]
        print(f"{len(valid)} valid default samples with chords: the MIDI's backing is abc2midi's, note for note, "
              f"in {sum(bool(s) for s in same)} ({sum(bool(s) for s in same) / len(valid):.1%})")
    else:
        print("no abc2midi: the backing is not compared (apt-get install abcmidi)")
    xml = [outcome.value for outcome in map_bounded(same_pitches_in_musicxml, samples, 60)]
    print(f"{len(samples)} default samples as MusicXML, read back by music21 with the same pitches: "
          f"{sum(bool(x) for x in xml)} ({sum(bool(x) for x in xml) / len(samples):.1%})")


if __name__ == "__main__":
    main()
