"""What the musician's toolkit reaches: chords beside a human backer's, their backing beside abc2midi's, MusicXML.

    python bench/toolkit.py [--n 100] [--seed 1]

1. Chords (``abcrnn chords``) against the human chords of the chorded tunes music21 ships
   (its Nottingham sample, reels A-C) and, where abcMIDI's examples are installed, its chorded
   jig (coleraine.abc, its melody voice): the chord sounding at each full bar's start, root and
   major or minor, beside the tonic chord on every bar.
2. The same chords on the 765 jigs of corpora/jigs-valid.abc: the share of bars whose first
   note is a tone of the chord written there, and chords a bar.
3. ``--n`` default samples (``abcrnn sample --n N --seed S --chords``, valid ones): the MIDI's
   accompaniment note for note against abc2midi's (its onsets within a 48th of a quarter, and
   pitches), where abc2midi is installed.
4. The same samples as MusicXML read back by music21: the share with the same pitches.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from test_chords import _backing, _chorded  # noqa: E402

from abcrnn.bounded import map_bounded  # noqa: E402
from abcrnn.files import read_tunes  # noqa: E402
from abcrnn.sound.midi import tune_to_midi  # noqa: E402
from abcrnn.sound.musicxml import tune_to_musicxml  # noqa: E402
from abcrnn.text.abc import header_fields, split_tunes  # noqa: E402
from abcrnn.text.chords import Chord, add_chords, has_chords, key_scale, sounding_chords  # noqa: E402
from abcrnn.text.parsing import parse_abc  # noqa: E402
from abcrnn.text.transpose import Key  # noqa: E402
from abcrnn.text.validate import validate_tunes  # noqa: E402


ABCMIDI_JIG = Path("/usr/share/doc/abcmidi/examples/coleraine.abc")  # Debian's abcmidi package


def chorded_human_tunes() -> dict[str, list[str]]:
    """The chorded human tunes at hand, by source: music21's Nottingham reels, and abcMIDI's jig where installed
    (its melody voice alone: the drum voice after it is no melody)."""
    import music21

    path = Path(music21.__file__).parent / "corpus" / "nottingham-dataset" / "reelsa-c.abc"
    sources = {"music21's Nottingham reels": split_tunes(path.read_text(encoding="latin-1"))}
    if ABCMIDI_JIG.is_file():
        melody = ABCMIDI_JIG.read_text(encoding="latin-1").split("\nV: drum")[0]
        sources["abcMIDI's Coleraine jig"] = [
            "\n".join(line for line in melody.splitlines() if not line.startswith(("%%", "V:")))]
    return sources


def human_agreement(tunes: list[str]) -> tuple[int, int, int]:
    """(bars agreeing, bars where the tonic chord agrees, bars) on chorded human tunes, their chords chosen anew."""
    agree = tonic = bars = 0
    for tune in tunes:
        if not has_chords(tune):
            continue
        key = Key(header_fields(tune)["K"])
        home = Chord(key.tonic_pitch, (key.tonic_pitch + 4) % 12 not in key_scale(key))
        for human, ours in zip(sounding_chords(tune), sounding_chords(add_chords(tune, replace=True))):
            if human is not None:
                bars, agree, tonic = bars + 1, agree + (human == ours), tonic + (human == home)
    return agree, tonic, bars


def chord_tones(tunes: list[str]) -> tuple[float, float]:
    """The share of bar starts on a chord tone, and chords written a bar."""
    on = bars = written = 0
    for tune in tunes:
        chorded = add_chords(tune)
        found = _chorded(chorded)
        bars += len(found)
        on += sum(note in chord.tones for chord, note in found if chord)
        written += chorded.count('"') // 2 - tune.count('"') // 2
    return on / bars, written / bars


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
    args = parser.parse_args()
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
