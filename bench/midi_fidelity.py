"""Does `abcrnn midi` play what is written? Note for note against abc2midi, the reference player.

    python bench/midi_fidelity.py [--corpus corpora/jigs-valid.abc] [--tunes N] [--samples FILE] [--show 10]

For each tune, the pitch sequence of abcrnn's MIDI is compared with that of
``abc2midi -NGRA -NGUI -NFER`` (grace notes, guitar chords and fermatas left
out of abc2midi's; grace notes are taken out of the tune for both players, as
abcrnn plays them). Rolls and trills count: both play them as notes.

Each tune that differs is then explained where one change to the tune makes
abc2midi play what abcrnn plays (abcrnn's own notes unchanged), as a reading
of abc2midi's that a musician would not share:

- fermata on a bar line: abc2midi moves ``H|`` onto the next note and plays
  the notes after it out of order (the tune with the H taken out agrees);
- repeat start: abc2midi goes back past a double bar to the start, or stays
  on its second pass after a part's second ending (with ``|:`` written after
  each double bar, where abcrnn starts the repeat, they agree);
- hornpipe swing: abc2midi swings R:hornpipe tunes, which lengthens some
  trills (as R:reel they agree).

What no change explains is listed. Also shown: music21 given the tune
directly (the renderer before it was fed a playable text). Without --samples,
100 tunes are sampled from the shipped model (``abcrnn sample --n 100 --seed 1``).
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

from abcrnn.text.abc import header_fields, split_header_body  # noqa: E402
from abcrnn.bounded import map_bounded  # noqa: E402
from abcrnn.training.corpus import load_corpus_tunes  # noqa: E402
from abcrnn.files import read_tunes  # noqa: E402

_GRACES = re.compile(r"\{[^}]*\}")
# What makes abc2midi play what abcrnn plays, for each reading of abc2midi's a musician would not share.
EXPLANATIONS = {
    "fermata on a bar line": (re.compile(r"H(?=\[?\|)"), ""),
    "repeat start": (re.compile(r"(\|\||\|\]|\[\|)(?!:)"), r"\1|:"),
    "hornpipe swing": (re.compile(r"^R:\s*hornpipe", re.MULTILINE | re.IGNORECASE), "R:reel"),
}


def body_sub(pattern: re.Pattern, tune: str, replacement: str = "") -> str:
    """Apply a replacement to the music only (not to quoted text or inline fields), leaving the header."""
    header, body = split_header_body(tune)
    protected = re.compile(r'"[^"]*"|\[[A-Za-z]:[^\]]*\]|^[A-Za-z]:.*$', re.MULTILINE)
    music, pieces, position = "\n".join(body), [], 0
    for match in protected.finditer(music):
        pieces.append(pattern.sub(replacement, music[position : match.start()]) + match.group())
        position = match.end()
    return "\n".join(header + ["".join(pieces) + pattern.sub(replacement, music[position:])])


def rendered_pitches(tune: str, direct: bool = False) -> list[int] | None:
    """The pitches of abcrnn's MIDI of a tune, or (``direct``) of music21 given the tune as it is."""
    from abcrnn.sound import midi, playable

    if direct:
        playable_with_ornaments = playable.playable_with_ornaments
        playable.playable_with_ornaments = lambda text: (text, [])
    try:
        data = midi.tune_to_midi(tune)
    finally:
        if direct:
            playable.playable_with_ornaments = playable_with_ornaments
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


def abcrnn_pitches(tunes: list[str], direct: bool = False) -> list[list[int] | None]:
    return [outcome.value for outcome in map_bounded(lambda text: rendered_pitches(text, direct), tunes, 60)]


def explain(tunes: list[str], ours: list) -> list[str | None]:
    """For each differing tune, the first reading of abc2midi's that explains the difference, or None."""
    reasons: list[str | None] = [None] * len(tunes)
    for reason, (pattern, replacement) in EXPLANATIONS.items():
        todo = [index for index, why in enumerate(reasons) if why is None]
        if reason == "hornpipe swing":
            changed = [pattern.sub(replacement, tunes[index]) for index in todo]
        else:
            changed = [body_sub(pattern, tunes[index], replacement) for index in todo]
        theirs, mine = abc2midi_pitches(changed), abcrnn_pitches(changed)
        for index, reference, again in zip(todo, theirs, mine):
            if again == ours[index] and difference(ours[index], reference) is None:
                reasons[index] = reason
    return reasons


def compare(name: str, tunes: list[str], show: int) -> None:
    prepared = [body_sub(_GRACES, tune) for tune in tunes]
    reference = abc2midi_pitches(prepared)
    direct = abcrnn_pitches(prepared, direct=True)
    agree = sum(difference(mine, theirs) is None for mine, theirs in zip(direct, reference))
    print(f"{name}, music21 given the tune directly: {agree}/{len(tunes)} = {100 * agree / len(tunes):.1f}%")
    ours = abcrnn_pitches(prepared)
    differing = [index for index in range(len(tunes)) if difference(ours[index], reference[index])]
    agree = len(tunes) - len(differing)
    print(f"{name}, abcrnn midi: {agree}/{len(tunes)} = {100 * agree / len(tunes):.1f}% play abc2midi's pitches",
          flush=True)  # fmt: skip
    if not differing:
        return
    reasons = explain([prepared[index] for index in differing], [ours[index] for index in differing])
    for reason in EXPLANATIONS:
        numbers = [header_fields(tunes[index]).get("X") for index, why in zip(differing, reasons) if why == reason]
        if numbers:
            print(f"  {len(numbers)} differ by abc2midi's {reason}: X:{', X:'.join(numbers)}")
    unexplained = [index for index, why in zip(differing, reasons) if why is None]
    print(f"  {len(unexplained)} unexplained{':' if unexplained else ''}")
    for index in unexplained[:show]:
        fields = header_fields(tunes[index])
        print(f"  X:{fields.get('X')} {fields.get('T', '')[:30]!r}: {difference(ours[index], reference[index])}")


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
