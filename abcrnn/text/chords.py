"""Guitar chords for a tune, as a backer would play them: the likeliest path through the key's chords.

A hidden Markov model read by Viterbi decoding. The hidden states are the triads of the
tune's key and mode (each scale degree's major or minor triad, and the major dominant in
a minor mode, as in ``"E"`` under an A minor tune); a tune is cut into chord slots, one or
two a bar as the meter allows (a half bar in 2/4 and 4/4, a dotted-quarter beat in 6/8
and 9/8). Each slot's emissions are its melody notes weighted by time and beat (a note on
the slot's downbeat or off the beat counts a third more than one on another beat, a note
held into the slot half). A chord's root, third and fifth are likely, the key's other
notes less so, notes outside the key rare. Transitions favour the chords folk backers use
most (tonic, dominant, then the flat seventh and the subdominant, then the minor chords)
and the dominant resolving to the tonic. The tune leans to start on the tonic chord and
to end on it (its last note has a slot of its own, where the final cadence can land).

The weights began as a backer's rules of thumb; those that the chords of human backers
bore out better were then fitted (coordinate ascent of the bars whose chord agrees) on 36
chorded jigs of the Nottingham Music Database (the first 42 of its jigs.abc, less six left
out while copying them), and measured on 36 others it was not fitted on (jigs 44-85): the
chord at a bar's start agrees with the human's, root and major or minor, in 74.2% of their
624 bars (70.4% before the fit; the tonic chord on every bar 50.6%), and in 71.7% of 321
bars of 18 of its reels (72.3% before). Then the major dominant of a minor key was made the
native one (the backers played V major in 11 of the 12 bars where they played a dominant in
a minor key; the decoder had played v minor in 5 of the 11): 74.7% and 72.0%.
``python bench/toolkit.py --chorded FILE`` measures on any file of chorded tunes.

The chords are written as ABC 2.1 chord symbols (section 4.18) before the notes they
fall on, at every bar's start and where the chord changes inside a bar. Nothing else
of the tune changes.
"""

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from abcrnn.errors import AbcrnnError
from abcrnn.text.abc import header_fields
from abcrnn.text.bars import beat_length
from abcrnn.text.timing import TimedBar, timed_bars
from abcrnn.text.tokens import CHORD_SYMBOL
from abcrnn.text.pitches import NATURAL_PITCH, pitch_class

# A chord name as backers write it: root, quality, added notes, a bass after a slash.
CHORD_NAME = re.compile(r"\(?(?P<root>[A-G])(?P<accidental>[#b]?)(?P<quality>m(?!aj)|min|dim|aug|\+|°)?"
                        r"(?:maj|M|sus|add|[#b])?[0-9]*(?:/(?P<bass>[A-Ga-g][#b]?))?\)?")  # fmt: skip
_SHARP_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_FLAT_NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
MAJOR, MINOR = (0, 4, 7), (0, 3, 7)

# Each weight below marked "fitted" was fitted on human backers' chords (module docstring); the others kept their
# rule-of-thumb values, which the fit did not move.
# How often backers reach for a chord, by its root's distance from the tonic in semitones (fitted: 10, 9 and 4).
ROOT_PRIOR = {0: 1.0, 7: 0.55, 5: 0.45, 10: 0.47, 9: 0.19, 3: 0.25, 8: 0.2, 2: 0.18, 4: 0.01}
STAY = 0.45  # the chance a chord goes on into the next slot inside a bar (fitted)
STAY_ACROSS_BAR = 0.34  # ... into the next bar (fitted)
RESOLUTION = 4.3  # how much likelier a dominant's next chord is its tonic (fitted)
# Cadence weights (fitted): the first and last slots lean to the tonic chord; a part's other ends lean a little away
# from it (the backers' turnaround into the repeat).
TONIC_AT_START, TONIC_AT_PART_END, TONIC_AT_END = 6.0, 0.75, 6.0
BORROWED = 0.27  # a chord from outside the key is this much rarer than its root's prior (fitted)
# The chance of a melody note, by its place in the chord: root, third, fifth, another note of the key, outside it.
TONE_WEIGHTS = {"root": 0.28, "third": 0.2, "fifth": 0.24, "scale": 0.06, "outside": 0.008}
DOWNBEAT, BEAT, OFFBEAT, HELD = 1.33, 1.0, 1.33, 0.5  # a note's weight by where it starts (fitted: DOWNBEAT, OFFBEAT)
# How much the melody says against the transitions (fitted; at 1 the prior outvoted plain cadence figures, G over
# "cBA DEF" in G, where a backer plays C and D).
MELODY_WEIGHT = 2.66


@dataclass(frozen=True)
class Chord:
    """A triad: its root's pitch class and whether it is minor."""

    root: int
    minor: bool

    @property
    def tones(self) -> tuple[int, ...]:
        return tuple((self.root + step) % 12 for step in (MINOR if self.minor else MAJOR))

    def name(self, flats: bool) -> str:
        return (_FLAT_NAMES if flats else _SHARP_NAMES)[self.root] + ("m" if self.minor else "")


def read_chord(text: str) -> Chord | None:
    """The triad a chord symbol's text names (its root, major or minor), or None for an annotation.

    >>> read_chord("Em"), read_chord("D7"), read_chord("F#m7/A"), read_chord("^fine"), read_chord("4")
    (Chord(root=4, minor=True), Chord(root=2, minor=False), Chord(root=6, minor=True), None, None)
    """
    match = CHORD_NAME.fullmatch(text.strip())
    if not match:
        return None
    root = pitch_class(match.group("root"), match.group("accidental"))
    return Chord(root, match.group("quality") in ("m", "min", "dim", "°"))


def has_chords(tune: str) -> bool:
    """Whether a tune already has guitar chords (chord symbols, not annotations)."""
    return any(read_chord(symbol[1:-1]) for symbol in re.findall(CHORD_SYMBOL, tune))


def without_chords(tune: str) -> str:
    """The tune with its guitar chords taken out; annotations stay."""
    return re.sub(CHORD_SYMBOL, lambda match: "" if read_chord(match.group()[1:-1]) else match.group(), tune)


@dataclass
class Slot:
    """A stretch of a bar where a chord may start: its melody's pitch-class weights, and where to write it."""

    weights: np.ndarray  # (12,) time-and-beat weighted pitch classes
    line: int
    column: int
    bar_start: bool
    key: str  # the K: field in force
    part_end: bool = False  # the last slot before a repeat, double bar or the tune's end


def add_chords(tune: str, replace: bool = False) -> str:
    """The tune with guitar chords written in; a tune that has chords keeps them unless ``replace``.

    Raises ``AbcrnnError`` for a tune with no key, a meter with no beat (free meter) or no full bar, or a field
    no reader may be given (``parsing.field_errors``: ``M:3/0``, ``L:1/0``).
    """
    from abcrnn.text.parsing import field_errors

    if has_chords(tune):
        if not replace:
            return tune
        tune = without_chords(tune)
    malformed = field_errors(tune)
    if malformed:
        raise AbcrnnError(malformed[0])
    header_key = read_key(header_fields(tune).get("K", ""))
    slots = chord_slots(tune)
    if not slots:
        raise AbcrnnError("the tune has no full bar to put a chord on")
    keys = {slot.key: read_key(slot.key) for slot in slots}
    chords = list(dict.fromkeys(chord for key in keys.values() for chord in key_chords(key)))
    path = decode(slots, chords, keys)
    return write_chords(tune, slots, path, flats=header_key.fifths < 0)


def read_key(value: str):
    """The key of a K: field (``transpose.Key``); a one-line error for one with no tonic."""
    from abcrnn.text.transpose import Key, TransposeError

    try:
        return Key(value.strip())
    except TransposeError:
        raise AbcrnnError(f"cannot choose chords without a key with a tonic (K:{value.strip()})") from None


def key_chords(key) -> list[Chord]:
    """The chords of a key: each scale degree's major or minor triad, the major dominant and the flat seventh."""
    scale = key_scale(key)
    chords = []
    for root in sorted(scale, key=lambda pitch: (pitch - key.tonic_pitch) % 12):
        for minor in (False, True):
            chord = Chord(root, minor)
            if set(chord.tones) <= scale:
                chords.append(chord)
    # Borrowed chords folk backers use: the major dominant in a minor mode, the flat seventh in a major one.
    for borrowed in (Chord((key.tonic_pitch + 7) % 12, False), Chord((key.tonic_pitch + 10) % 12, False)):
        if borrowed not in chords:
            chords.append(borrowed)
    return chords


def key_scale(key) -> set[int]:
    """The pitch classes of a key's signature."""
    return {(NATURAL_PITCH[letter] + shift) % 12 for letter, shift in key.signature().items()}


def slots_per_bar(meter: str) -> int:
    """Where a chord may change: each half bar in 2/4, 4/4 and 12/8, each beat in 6/8, 9/8 and 3/2.

    >>> [slots_per_bar(meter) for meter in ("6/8", "C|", "9/8", "3/4", "12/8", "2/4")]
    [2, 2, 3, 1, 2, 2]
    """
    if meter.strip() in ("C", "C|"):
        return 2
    match = re.fullmatch(r"(\d+)/(\d+)", meter.replace(" ", ""))
    if not match:
        return 1
    if match.groups() == ("3", "2"):
        return 3
    return {2: 2, 4: 2, 6: 2, 9: 3, 12: 2}.get(int(match.group(1)), 1)


def chord_slots(tune: str) -> list[Slot]:
    """The tune's chord slots in order, each with its melody's weights.

    A short bar that closes a part (the lead-in's complement) has a slot a beat; a lead-in has none.
    """
    slots: list[Slot] = []
    bars = timed_bars(tune)
    for bar in bars:
        if not bar.full or (bar.length < bar.full and not (slots and bar.closes_part)):  # a lead-in waits
            continue
        beat = beat_length(bar.meter)
        if bar.length >= bar.full:
            count = slots_per_bar(bar.meter)
            size = bar.full / count
        else:  # a closing short bar: a slot a beat, so that its last note can have the cadence
            count, size = math.ceil(bar.length / beat), beat
        for index in range(count):
            start = size * index
            first = next((note for note in bar.notes if note.onset == start), None)
            weights = _slot_weights(bar, start, start + size, beat)
            if first is None and index:  # a note held over the slot: no chord can start here
                slots[-1].weights += weights
                continue
            note = first or bar.notes[0]
            slots.append(Slot(weights, note.line, note.column, index == 0, bar.key))
        if bar is bars[-1]:
            _final_note_slot(bar, slots, beat)
        slots[-1].part_end = bar.closes_part
    return slots


def _final_note_slot(bar: TimedBar, slots: list[Slot], beat: Fraction) -> None:
    """Give the tune's last note a slot of its own where it starts inside one, so the cadence can land on it."""
    last = next((note for note in reversed(bar.notes) if note.pitches), None)
    starts = {slot.column for slot in slots if slot.line == last.line} if last else set()
    if last is None or last.column in starts:
        return
    weights = _slot_weights(bar, last.onset, last.onset + last.length, beat)
    slots[-1].weights -= weights  # the note moves from the slot it was in to its own
    slots.append(Slot(weights, last.line, last.column, False, bar.key))


def _slot_weights(bar: TimedBar, start: Fraction, end: Fraction, beat: Fraction) -> np.ndarray:
    weights = np.zeros(12)
    for note in bar.notes:
        overlap = min(end, note.onset + note.length) - max(start, note.onset)
        if overlap <= 0 or not note.pitches:
            continue
        if note.onset == start:
            strength = DOWNBEAT
        elif note.onset < start:
            strength = HELD
        else:
            strength = BEAT if (note.onset % beat) == 0 else OFFBEAT
        for pitch in note.pitches[-1:]:  # a chord's top note carries the tune
            weights[pitch % 12] += float(overlap) * strength
    return weights


def _emission(chord: Chord, scale: set[int]) -> np.ndarray:
    """log P(pitch class | chord) for the 12 pitch classes."""
    probabilities = np.full(12, TONE_WEIGHTS["outside"])
    for pitch in scale:
        probabilities[pitch] = TONE_WEIGHTS["scale"]
    for place, pitch in zip(("root", "third", "fifth"), chord.tones):
        probabilities[pitch] = TONE_WEIGHTS[place]
    return np.log(probabilities / probabilities.sum())


def decode(slots: list[Slot], chords: list[Chord], keys: dict) -> list[Chord]:
    """The likeliest chord for each slot (Viterbi), with the cadences of ``TONIC_AT_*``; ``keys`` by K: text."""
    readings = {text: (key_scale(key), set(key_chords(key))) for text, key in keys.items()}
    emissions = np.array([_slot_scores(slot, chords, *readings[slot.key]) for slot in slots])
    for index, slot in enumerate(slots):
        if slot.part_end:
            home = _home(chords, keys[slot.key])
            emissions[index] += home * math.log(TONIC_AT_END if index == len(slots) - 1 else TONIC_AT_PART_END)
    first_key = keys[slots[0].key]
    prior = _prior(chords, first_key)
    emissions[0] += np.log(prior) + _home(chords, first_key) * math.log(TONIC_AT_START)
    within, across = (_transitions(chords, prior, stay) for stay in (STAY, STAY_ACROSS_BAR))
    score, back = emissions[0], []
    for index in range(1, len(slots)):
        moves = score[:, None] + (across if slots[index].bar_start else within)
        back.append(moves.argmax(axis=0))
        score = moves.max(axis=0) + emissions[index]
    best = [int(score.argmax())]
    for pointers in reversed(back):
        best.append(int(pointers[best[-1]]))
    return [chords[index] for index in reversed(best)]


def _slot_scores(slot: Slot, chords: list[Chord], scale: set[int], allowed: set[Chord]) -> np.ndarray:
    """log P(the slot's melody | chord) for each chord; a chord outside the slot's key (``allowed``) cannot be."""
    return np.array([MELODY_WEIGHT * (slot.weights @ _emission(chord, scale)) if chord in allowed else -1e9
                     for chord in chords])  # fmt: skip


def _prior(chords: list[Chord], key) -> np.ndarray:
    """How often backers reach for each chord in ``key``: ``ROOT_PRIOR``, a chord from outside the key ``BORROWED``
    times rarer; but in a minor key (aeolian or phrygian) the dominant is major, as backers play it (E7 under Am),
    and the key's own minor v the rarer one."""
    scale, tonic = key_scale(key), key.tonic_pitch
    minor_key = {(tonic + 3) % 12, (tonic + 8) % 12} <= scale

    def native(chord: Chord) -> bool:  # in the key, but in a minor key the major dominant in place of the minor
        return (set(chord.tones) <= scale) != (minor_key and (chord.root - tonic) % 12 == 7)

    return np.array([ROOT_PRIOR.get((chord.root - tonic) % 12, 0.05) * (1 if native(chord) else BORROWED)
                     for chord in chords])  # fmt: skip


def tonic_chord(key) -> Chord:
    """The key's tonic triad, major or minor as its signature has the third.

    >>> from abcrnn.text.transpose import Key
    >>> tonic_chord(Key("Ador")), tonic_chord(Key("Gmix"))
    (Chord(root=9, minor=True), Chord(root=7, minor=False))
    """
    return Chord(key.tonic_pitch, (key.tonic_pitch + 4) % 12 not in key_scale(key))


def _home(chords: list[Chord], key) -> np.ndarray:
    """1 for the key's tonic chord, 0 for the others."""
    home = tonic_chord(key)
    return np.array([chord == home for chord in chords], float)


def _transitions(chords: list[Chord], prior: np.ndarray, stay: float) -> np.ndarray:
    """log P(next chord | chord): stay, or move to another chord in proportion to the prior."""
    size = len(chords)
    table = np.zeros((size, size))
    for row, chord in enumerate(chords):
        others = prior.copy()
        others[row] = 0
        for column, target in enumerate(chords):
            if (chord.root - target.root) % 12 == 7 and not chord.minor:
                others[column] *= RESOLUTION
        table[row] = (1 - stay) * others / others.sum()
        table[row, row] = stay
    return np.log(table)


def write_chords(tune: str, slots: list[Slot], path: list[Chord], flats: bool) -> str:
    """The tune with each chosen chord written before its note: at each bar's start and at each change."""
    lines = tune.split("\n")
    inserts: dict[int, list[tuple[int, str]]] = {}
    previous = None
    for slot, chord in zip(slots, path):
        if slot.bar_start or chord != previous:
            inserts.setdefault(slot.line, []).append((slot.column, f'"{chord.name(flats)}"'))
        previous = chord
    for number, places in inserts.items():
        line = lines[number]
        for column, text in sorted(places, reverse=True):
            column = _before_accidentals(line, column)
            line = line[:column] + text + line[column:]
        lines[number] = line
    return "\n".join(lines)


def _before_accidentals(line: str, column: int) -> int:
    """Where a chord symbol for the note at ``column`` goes: before any accidental written ahead of it, even one
    a slur's bracket parts from its note (``=(c``), which a symbol in between would leave standing alone.

    >>> line = "|=(c/d/e).A cAG|"
    >>> _before_accidentals(line, line.index("(")), _before_accidentals(line, line.index("c"))
    (1, 3)
    """
    while column > 0 and line[column - 1] in "^_=":
        column -= 1
    return column


def sounding_chords(tune: str) -> list[Chord | None]:
    """The chord sounding at the start of each full bar (the last one written at or before it), as written."""
    sounding, found = None, []
    for bar in timed_bars(tune):
        for note in bar.notes:
            for symbol in note.symbols:
                sounding = read_chord(symbol) or sounding
            if note.onset == 0 and bar.full and bar.length >= bar.full:
                found.append(sounding)
    return found
