"""The backing a tune's guitar chords call for, played as abc2midi plays them by default.

abc2midi turns chord symbols into an accompaniment with a "gchord" pattern per meter: each
letter one step of the bar, ``f`` the chord's bass note, ``c`` the chord, ``z`` silence
(``fzcfzc`` in 6/8: bass on each beat, the chord on its last eighth). The bass is the root
(or the slash bass) in the octave from C2, the chord its root in the octave from C3 with
the other notes above it (a slash chord inverted, its bass note lowest). The pattern begins
again at every bar line, but runs on where a repeat goes back (abc2midi does not count the
jump as a bar line) and through a short bar that the next one completes (a part's closing
bar and a lead-in). Before the first chord symbol nothing plays. Tested note for note
against abc2midi.
"""

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from abcrnn.text.chords import CHORD_NAME, read_chord
from abcrnn.text.timing import timed_bars
from abcrnn.text.pitches import pitch_class

# abc2midi's default patterns (its ``%%MIDI gchord`` for each meter).
GCHORD_PATTERNS = {"2/4": "fzcz", "3/4": "fzczcz", "3/8": "fzczcz", "4/4": "fzczfzcz", "C": "fzczfzcz",
                   "C|": "fzczfzcz", "2/2": "fzczfzcz", "6/8": "fzcfzc", "9/8": "fzcfzcfzc",
                   "12/8": "fzcfzcfzcfzc"}  # fmt: skip
BASS_OCTAVE, CHORD_OCTAVE = 36, 48  # C2 and C3
BASS_VELOCITY, CHORD_VELOCITY = 80, 75  # abc2midi's
# The notes of each chord above its root, by what follows the root's letter (ABC 2.1 4.18 names them).
CHORD_STEPS = {"": (0, 4, 7), "m": (0, 3, 7), "7": (0, 4, 7, 10), "m7": (0, 3, 7, 10), "maj7": (0, 4, 7, 11),
               "M7": (0, 4, 7, 11), "dim": (0, 3, 6), "dim7": (0, 3, 6, 9), "aug": (0, 4, 8), "+": (0, 4, 8),
               "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9), "9": (0, 4, 7, 10, 14), "m9": (0, 3, 7, 10, 14),
               "sus4": (0, 5, 7), "sus": (0, 5, 7), "sus2": (0, 2, 7), "7sus4": (0, 5, 7, 10)}  # fmt: skip


@dataclass(frozen=True)
class BackingNote:
    """One note of the accompaniment: when, how long (quarter notes from the tune's start), what, and how loud."""

    offset: Fraction
    length: Fraction
    pitch: int
    velocity: int
    bass: bool


@lru_cache(maxsize=256)  # asked at every step of the pattern; a tune has a handful of chords
def chord_pitches(name: str) -> tuple[int, tuple[int, ...]] | None:
    """The bass note and the chord's notes abc2midi plays for a chord symbol; None for an annotation.

    >>> chord_pitches("G"), chord_pitches("D7"), chord_pitches("Am/C")
    ((43, (55, 59, 62)), (38, (50, 54, 57, 60)), (36, (60, 64, 69)))
    """
    match = CHORD_NAME.fullmatch(name.strip())
    if not match or read_chord(name) is None:
        return None
    root = pitch_class(match.group("root"), match.group("accidental"))
    kind = name.strip().strip("()")[1 + len(match.group("accidental")) :].split("/")[0]
    steps = CHORD_STEPS.get(kind, CHORD_STEPS["m" if read_chord(name).minor else ""])
    bass = root
    if match.group("bass"):
        letter = match.group("bass")
        bass = pitch_class(letter[0].upper(), letter[1:])
    chord = [CHORD_OCTAVE + root + step for step in steps]
    lowest = next((pitch for pitch in chord if pitch % 12 == bass), None)
    if lowest is not None:  # a slash chord in its inversion: the notes below the bass go up an octave
        chord = sorted(pitch + 12 * (pitch < lowest) for pitch in chord)
    return BASS_OCTAVE + bass, tuple(chord)


def backing_notes(playable: str, meter: str, jumps: list[bool] | None = None) -> list[BackingNote]:
    """The accompaniment of a playable (unfolded) tune text with its chord symbols, under ``meter``.

    ``jumps`` says, for each bar, whether a repeat went back after it (``playable.repeat_jumps``).
    """
    pattern = GCHORD_PATTERNS.get(meter.replace(" ", ""))
    if not pattern or not re.search(r'"[^"]*"', playable):
        return []
    bars = timed_bars(re.sub(r"^M:.*$", f"M:{meter}", playable, count=1, flags=re.MULTILINE))
    notes, sounding, clock, start = [], None, Fraction(0), Fraction(0)
    for number, bar in enumerate(bars):
        if not bar.full:
            return []
        step = bar.full / len(pattern)
        changes = [(note.onset, name) for note in bar.notes for name in note.symbols if chord_pitches(name)]
        position = (-clock) % step  # the first step of the pattern inside this bar
        while position < bar.length:
            for onset, name in changes:
                if onset <= position:
                    sounding = name
            index = int((clock + position) / step) % len(pattern)
            if sounding and pattern[index] != "z":
                notes += _played(pattern[index], sounding, start + position, step)
            position += step
        for _, name in changes:
            sounding = name
        following = bars[number + 1].length if number + 1 < len(bars) else Fraction(0)
        jumped = bool(jumps and number < len(jumps) and jumps[number])
        clock = clock + bar.length if jumped or bar.length + following == bar.full else Fraction(0)
        start += bar.length
    return notes


def tune_backing(tune: str, playable: str | None = None) -> list[BackingNote]:
    """The accompaniment of a tune as written (its repeats unfolded); ``playable`` saves reading it again."""
    from abcrnn.sound.playable import playable_tune, repeat_jumps
    from abcrnn.text.abc import header_fields

    text = playable if playable is not None else playable_tune(tune)
    return backing_notes(text, header_fields(tune).get("M", "").strip(), repeat_jumps(tune))


def backing_rows(tune: str) -> list[list]:
    """The accompaniment as JSON rows for the pages' player: [offset, length, pitch, velocity], in quarter notes."""
    return [[float(note.offset), float(note.length), note.pitch, note.velocity] for note in tune_backing(tune)]


def _played(letter: str, name: str, offset: Fraction, length: Fraction) -> list[BackingNote]:
    bass, chord = chord_pitches(name)
    if letter == "f":
        return [BackingNote(offset, length, bass, BASS_VELOCITY, True)]
    return [BackingNote(offset, length, pitch, CHORD_VELOCITY, False) for pitch in chord]
