"""Where each note of a tune falls: its bar, its onset and length in the bar, its pitch, its place in the text.

What a harmoniser needs to weigh notes by beat. Lengths are read as ``durations`` reads
them (ABC 2.1 4.3 note lengths, 4.4 broken rhythm, 4.13 tuplets, 4.17 chords), pitches
as abc2midi plays them (``transpose.note_pitches``: the key signature and the accidentals
carried through the bar). Bars are split at bar lines as written; repeats are not unfolded.
"""

import re
from dataclasses import dataclass, field
from fractions import Fraction

from abcrnn.text.abc import header_fields, parse_field_line, split_header_body, default_unit_length
from abcrnn.text.bars import meter_length
from abcrnn.text.durations import TUPLET_TIME
from abcrnn.text.tokens import PART_END, BarLine, ChordEnd, Field, Note, Token, Tuplet, scan

_PART_END = re.compile(PART_END)
_BROKEN = {">": Fraction(3, 2), ">>": Fraction(7, 4), ">>>": Fraction(15, 8)}
# What is written before a note and goes with it: a chord symbol goes before all of these.
_BEFORE_NOTE = {"symbol", "decoration", "field", "grace_start", "mark", "tuplet", "chord_start"}


@dataclass
class TimedNote:
    """A note, chord or rest as written: where it starts in its bar and how long it is, in quarter notes."""

    onset: Fraction
    length: Fraction
    pitches: list[int]  # MIDI pitches (none for a rest)
    line: int  # the line of the tune it is on, counted from 0
    column: int  # where its chord symbol would go: before its decorations and grace notes
    symbols: list[str] = field(default_factory=list)  # the chord symbols and annotations written before it


@dataclass
class TimedBar:
    """One bar as written, its notes timed from its start."""

    notes: list[TimedNote] = field(default_factory=list)
    length: Fraction = Fraction(0)  # what its notes add up to, in quarter notes
    full: Fraction | None = None  # the meter's bar length
    meter: str = ""
    key: str = ""  # the K: field in force
    closes_part: bool = False  # ends with a repeat, double or thick bar, or the tune


def timed_bars(tune: str) -> list[TimedBar]:
    """The tune's bars with their notes timed; bars with no note or rest are left out.

    >>> bar = timed_bars("X:1\\nM:6/8\\nL:1/8\\nK:G\\n!trill!G>AB (3cde d|")[0]
    >>> [(str(note.onset), str(note.length), note.pitches) for note in bar.notes]
    [('0', '3/4', [67]), ('3/4', '1/4', [69]), ('1', '1/2', [71]), ('3/2', '1/3', [72]), ('11/6', '1/3', [74]), \
('13/6', '1/3', [76]), ('5/2', '1/2', [74])]
    >>> bar.notes[0].column, bar.length, bar.closes_part
    (0, Fraction(3, 1), True)
    """
    from abcrnn.text.transpose import note_pitches

    pitches = {(line, start): pitch for line, start, _, pitch in note_pitches(tune)}
    fields = header_fields(tune)
    meter = fields.get("M", "none").strip()
    unit = _unit(fields.get("L") or default_unit_length(meter))
    header, body = split_header_body(tune)
    reader = _BarReader(meter, unit, pitches, fields.get("K", "").strip())
    for number, line in enumerate(body, start=len(header)):
        field_line = parse_field_line(line)
        if field_line:
            reader.field(*field_line)
        else:
            reader.line(number, line)
    return reader.finish()


def _unit(text: str) -> Fraction:
    """A unit note length in quarter notes."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    return Fraction(4 * int(match.group(1)), int(match.group(2))) if match else Fraction(1, 2)


class _BarReader:
    """Reads music lines in order, keeping the bar being read and the note lengths in force."""

    def __init__(self, meter: str, unit: Fraction, pitches: dict, key: str):
        self.meter, self.unit, self.pitches, self.key = meter, unit, pitches, key
        self.bars: list[TimedBar] = []
        self.bar = self._new_bar()
        self.tuplet_factor, self.tuplet_left, self.broken_next = Fraction(1), 0, Fraction(1)
        self.pending_column: int | None = None
        self.pending_symbols: list[str] = []

    def _new_bar(self) -> TimedBar:
        return TimedBar(full=meter_length(self.meter), meter=self.meter, key=self.key)

    def field(self, letter: str, value: str) -> None:
        if letter == "M":
            self.meter = value.strip()
            self.bar.full, self.bar.meter = meter_length(self.meter), self.meter
        elif letter == "L":
            self.unit = _unit(value)
        elif letter == "K":
            self.key = self.bar.key = value.strip()

    def line(self, number: int, text: str) -> None:
        chord: list[Note] | None = None  # the notes of the chord being read
        chord_start = 0
        for token in scan(text):
            if token.kind == "comment":
                break
            if token.grace and token.kind != "grace_start":  # grace notes are not timed
                continue
            if isinstance(token, BarLine) and token.symbol:
                self._close(bool(_PART_END.fullmatch(token.symbol)))
            elif chord is not None:  # a chord's notes, to its ] (what else is written in it is not timed)
                if isinstance(token, Note):
                    chord.append(token)
                elif isinstance(token, ChordEnd):
                    self._chord(number, chord, token, chord_start)
                    chord = None
            elif isinstance(token, Field) and token.letter in "MLK":
                self.field(token.letter, token.value)
            elif token.kind == "broken":
                self._broken(token.text)
            elif token.kind in _BEFORE_NOTE:
                self._before_note(token)
                if token.kind == "chord_start":
                    chord, chord_start = [], token.start
            elif isinstance(token, Note) and not token.is_spacer:
                pitch = self.pitches.get((number, token.start))
                self._note(number, token.start, token.length, [] if pitch is None else [pitch])

    def _before_note(self, token: Token) -> None:
        if isinstance(token, Tuplet):
            q = token.q if token.q is not None else TUPLET_TIME.get(token.p, 2)
            self.tuplet_factor, self.tuplet_left = Fraction(q, token.p), token.r or token.p
        if token.kind == "symbol":
            self.pending_symbols.append(token.text[1:-1])
        if token.kind != "chord_start":
            self.pending_column = self.pending_column if self.pending_column is not None else token.start

    def _chord(self, number: int, notes: list[Note], end: ChordEnd, start: int) -> None:
        if notes:
            found = [self.pitches.get((number, note.start)) for note in notes]
            heard = sorted({pitch for pitch in found if pitch is not None})
            self._note(number, start, notes[0].length * end.length, heard)

    def _note(self, number: int, start: int, units: Fraction, heard: list[int]) -> None:
        length = units * self.unit * self.broken_next
        self.broken_next = Fraction(1)
        if self.tuplet_left:
            length *= self.tuplet_factor
            self.tuplet_left -= 1
        column = self.pending_column if self.pending_column is not None else start
        self.pending_column = None
        self.bar.notes.append(TimedNote(self.bar.length, length, heard, number, column, self.pending_symbols))
        self.pending_symbols = []
        self.bar.length += length

    def _broken(self, arrows: str) -> None:
        """``A>B``: the note before is longer by what the note after loses."""
        if not self.bar.notes or arrows.strip("<>") or len(arrows) > 3:
            return
        factor = _BROKEN[">" * len(arrows)]
        longer, shorter = (factor, 2 - factor) if arrows[0] == ">" else (2 - factor, factor)
        last = self.bar.notes[-1]
        self.bar.length += last.length * (longer - 1)
        last.length *= longer
        self.broken_next = shorter

    def _close(self, part_end: bool) -> None:
        self.pending_column, self.pending_symbols = None, []
        if self.bar.notes:
            self.bar.closes_part = part_end
            self.bars.append(self.bar)
        elif part_end and self.bars:
            self.bars[-1].closes_part = True
        self.bar = self._new_bar()

    def finish(self) -> list[TimedBar]:
        if self.bar.notes:
            self.bars.append(self.bar)
        if self.bars:
            self.bars[-1].closes_part = True
        return self.bars
