"""Rolls and trills played as notes, the way abc2midi, the reference ABC player, plays them.

A fiddler plays ``~A3`` as a roll and ``TA2`` as a trill, and abc2midi plays
both as the notes they stand for; music21 plays one plain note. So the MIDI
renderer finds the ornamented notes in the playable text (``find_ornaments``)
and, once music21 has read it, splits each into its notes (``play_ornaments``).
What abc2midi 4.84 plays, measured note for note:

- ``~`` (roll) on a note three units (``L:``) long: the note, its upper
  neighbour, the note, its lower neighbour, the note (a third, then a twelfth,
  a quarter, a twelfth and a quarter of its length); on a shorter or longer
  note: the upper neighbour (a sixteenth note at most) then the note; on a note
  under half a unit, the note alone. The neighbours are the next letters up and
  down in the key signature, whatever accidentals the bar holds.
- ``T`` or ``!trill!``: the upper neighbour and the note, alternating, as many
  as fit, in notes of a quarter note halved until they last 100 ms or less at
  the tune's ``Q:`` (120 quarter notes a minute without one; the count, not
  the renderer's tempo, is abc2midi's); the last takes what is left over; a
  tied trill lasts to the tie's end.
- On a chord or a rest, or with a space before the note, neither plays.

Grace notes (``{g}A``) come before their note and take their time from it
(``play_grace_notes``): music21 writes them to MIDI with no length, after the
note, where they stick.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

from abcrnn.text.abc import header_fields
from abcrnn.text.pitches import LETTERS, NATURAL_PITCH
from abcrnn.text.tokens import Field, Note, scan
from abcrnn.text.transpose import Key, TransposeError, note_pitches

ROLL, TRILL = "\x01", "\x02"  # marks an ornament leaves in the playable text, just before its note
ORNAMENT_MARKS = {"~": ROLL, "T": TRILL, "!trill!": TRILL}
LONGEST_TRILL_NOTE = 0.1  # seconds
# A grace note lasts a thirty-second note, a fiddler's quick cut, or less when the note after it is short.
GRACE_NOTE_LENGTH = Fraction(1, 8)
DEFAULT_QUARTERS_PER_MINUTE = 120  # abc2midi's tempo for a tune with no Q: field


@dataclass(frozen=True)
class Ornament:
    """An ornamented note: which it is, how to play it, and its neighbours' MIDI pitches."""

    note: int  # the note's place among the tune's notes (grace notes left out, each chord note counted)
    kind: str  # "roll" or "trill"
    pitch: int  # the note's own MIDI pitch, as abc2midi reads it
    upper: int
    lower: int
    unit: Fraction  # the L: unit in force there, in quarter notes


def find_ornaments(tune: str) -> tuple[str, list[Ornament]]:
    """The tune without its ornament marks, and the ornaments they marked.

    >>> text, found = find_ornaments("X:1\\nL:1/8\\nK:D\\nd\\x01A3 \\x02c2 \\x01[Ac]|")
    >>> text, [(ornament.note, ornament.kind, ornament.pitch, ornament.upper, ornament.lower) for ornament in found]
    ('X:1\\nL:1/8\\nK:D\\ndA3 c2 [Ac]|', [(1, 'roll', 69, 71, 67), (2, 'trill', 73, 74, 71)])
    """
    marked = []  # (line, position in the unmarked line, kind, upper, lower, unit)
    fields = header_fields(tune)
    try:
        header_key = Key(fields.get("K", ""))
        for number, line in enumerate(tune.split("\n")):
            if line.startswith(("X:", "T:", "R:", "M:", "L:", "Q:", "K:")) or not re.search("[\x01\x02]", line):
                continue
            inline = {"K": None, "L": fields.get("L", "1/8")}  # the key (read where needed) and unit in force
            marks, removed = "", 0
            for token in scan(line):
                if token.text in (ROLL, TRILL):
                    marks, removed = marks + token.text, removed + 1
                    continue
                if isinstance(token, Field) and token.letter in inline:
                    inline[token.letter] = token.value
                elif marks and isinstance(token, Note) and not token.is_rest:
                    kind = "trill" if TRILL in marks else "roll"
                    key = header_key if inline["K"] is None else Key(inline["K"])
                    upper, lower = _neighbours(token.letter, token.octave_marks, key.signature())
                    unit = 4 * Fraction(inline["L"].strip())
                    marked.append((number, token.start - removed, kind, upper, lower, unit))
                marks = ""
    except (TransposeError, ValueError):  # a key or unit length abc2midi cannot read either: the notes play plain
        marked = []
    text = re.sub("[\x01\x02]", "", tune)
    try:
        found = note_pitches(text) if marked else []
    except TransposeError:  # music abc2midi cannot read either (=20): the notes play plain
        found = []
    notes = {(line, start): (index, pitch) for index, (line, start, _, pitch) in enumerate(found)}
    return text, [Ornament(notes[line, start][0], kind, notes[line, start][1], upper, lower, unit)
                  for line, start, kind, upper, lower, unit in marked if (line, start) in notes]  # fmt: skip


def _neighbours(letter: str, octave_marks: str, signature: dict[str, int]) -> tuple[int, int]:
    """The MIDI pitches of the letters above and below a note, as the key signature has them.

    >>> _neighbours("B", "", {letter: 0 for letter in LETTERS}), _neighbours("c", ",", dict(zip(LETTERS, [1] * 7)))
    ((72, 69), (63, 60))
    """
    octave = (1 if letter.islower() else 0) + octave_marks.count("'") - octave_marks.count(",")
    step = 7 * octave + LETTERS.index(letter.upper())
    pitches = []
    for neighbour in (step + 1, step - 1):
        neighbour_octave, index = divmod(neighbour, 7)
        name = LETTERS[index]
        pitches.append(60 + 12 * neighbour_octave + NATURAL_PITCH[name] + signature.get(name, 0))
    return pitches[0], pitches[1]


def trill_note_length(tune: str) -> Fraction:
    """How long each note of a trill is, in quarter notes, at the tempo abc2midi reads in the tune's Q: field.

    >>> trill_note_length("X:1\\nK:D\\n"), trill_note_length("X:1\\nQ:1/4=60\\nK:D\\n")
    (Fraction(1, 8), Fraction(1, 16))
    """
    tempo = header_fields(tune).get("Q", "")
    beat = re.search(r"(\d+)/(\d+)\s*=\s*(\d+)", tempo)
    bare = re.fullmatch(r"\s*(\d+)\s*", tempo)
    quarters = DEFAULT_QUARTERS_PER_MINUTE
    if beat and int(beat.group(2)) and int(beat.group(3)):
        quarters = int(beat.group(3)) * 4 * int(beat.group(1)) / int(beat.group(2))
    elif bare and int(bare.group(1)):
        quarters = int(bare.group(1))
    length, seconds = Fraction(1), 60 / quarters
    while seconds * length > LONGEST_TRILL_NOTE + 1e-9:
        length /= 2
    return length


def roll_notes(pitch: int, upper: int, lower: int, length: Fraction, units: Fraction) -> list[tuple[int, Fraction]]:
    """The (pitch, quarter length) notes of a roll on a note ``length`` quarters and ``units`` L: units long.

    >>> [(pitch, str(length)) for pitch, length in roll_notes(69, 71, 67, Fraction(3, 2), Fraction(3))]
    [(69, '1/2'), (71, '1/8'), (69, '3/8'), (67, '1/8'), (69, '3/8')]
    """
    if units == 3:
        return [(pitch, length / 3), (upper, length / 12), (pitch, length / 4), (lower, length / 12),
                (pitch, length / 4)]  # fmt: skip
    if units < Fraction(1, 2):
        return [(pitch, length)]
    grace = min(length / 2, Fraction(1, 4))
    return [(upper, grace), (pitch, length - grace)]


def trill_notes(pitch: int, upper: int, length: Fraction, note: Fraction) -> list[tuple[int, Fraction]]:
    """The (pitch, quarter length) notes of a trill ``length`` quarters long, in notes of ``note`` quarters.

    >>> [(pitch, str(length)) for pitch, length in trill_notes(69, 71, Fraction(1, 2), Fraction(1, 8))]
    [(71, '1/8'), (69, '1/8'), (71, '1/8'), (69, '1/8')]
    >>> [(pitch, str(length)) for pitch, length in trill_notes(69, 71, Fraction(3, 8), Fraction(3, 16))]
    [(71, '3/16'), (69, '3/16')]
    """
    count = max(1, int(length // note))
    notes = [(upper if index % 2 == 0 else pitch, note) for index in range(count)]
    notes[-1] = (notes[-1][0], length - note * (count - 1))
    return notes


def play_ornaments(score, ornaments: list[Ornament], trill_note: Fraction) -> None:
    """Split each ornamented note of a music21 score into the notes abc2midi plays for it.

    Notes are matched to ``ornaments`` by their place, grace notes left out;
    where a pitch disagrees, the rest of the ornaments are left unplayed.
    """
    from music21 import chord, note

    wanted = {ornament.note: ornament for ornament in ornaments}
    place, sounding = 0, [n for n in score.recurse().notes if not n.duration.isGrace]
    for index, element in enumerate(sounding):
        if isinstance(element, chord.Chord):
            place += len(element.pitches)
            continue
        ornament = wanted.get(place)
        place += 1
        if ornament is None or element.activeSite is None:  # not ornamented, or tied into a trill before it
            continue
        if element.pitch.midi != ornament.pitch:
            return
        length = Fraction(element.quarterLength).limit_denominator(1000)
        tied_in = element.tie is not None and element.tie.type in ("stop", "continue")
        if ornament.kind == "trill":
            if tied_in:  # abc2midi holds the tied note and plays no trill
                continue
            length += _absorb_tie(sounding, index)
            notes = trill_notes(ornament.pitch, ornament.upper, length, trill_note)
        else:
            if tied_in:  # a roll starts afresh: the tie into it is let go
                _untie_from_before(sounding[index - 1])
            notes = roll_notes(ornament.pitch, ornament.upper, ornament.lower, length, length / ornament.unit)
        _replace(element, [note.Note(pitch, quarterLength=part) for pitch, part in notes])


def _untie_from_before(previous) -> None:
    from music21 import tie

    if previous.tie is not None:
        previous.tie = None if previous.tie.type == "start" else tie.Tie("stop")


def _absorb_tie(sounding: list, index: int) -> Fraction:
    """Remove the notes tied on from a trilled note; return how long they lasted."""
    element, extra = sounding[index], Fraction(0)
    following = index + 1
    while element.tie is not None and element.tie.type in ("start", "continue") and following < len(sounding):
        tied = sounding[following]
        if getattr(tied, "pitch", None) is None or tied.pitch.midi != sounding[index].pitch.midi:
            break
        extra += Fraction(tied.quarterLength).limit_denominator(1000)
        tied.activeSite.remove(tied)
        element, following = tied, following + 1
    sounding[index].tie = None
    return extra


def _replace(element, notes: list) -> None:
    """Put ``notes`` where ``element`` stood, one after another; a tie on from it stays on the last."""
    from music21 import tie

    site, offset = element.activeSite, element.offset
    if element.tie is not None and element.tie.type in ("start", "continue"):
        notes[-1].tie = tie.Tie("start")
    site.remove(element)
    for new in notes:
        site.insert(offset, new)
        offset += new.quarterLength


def play_grace_notes(score) -> None:
    """Give each run of grace notes time taken from the start of the note after it (half of it at most)."""
    from music21 import duration

    graces: list = []
    for element in list(score.recurse().notes):
        if element.duration.isGrace:
            graces.append(element)
            continue
        if graces and all(grace.activeSite is element.activeSite for grace in graces):
            length = Fraction(element.quarterLength).limit_denominator(1000)
            each = min(GRACE_NOTE_LENGTH, length / (2 * len(graces)))
            site, offset = element.activeSite, element.offset
            for grace in graces + [element]:
                site.remove(grace)
            for grace in graces:
                grace.duration = duration.Duration(each)
                site.insert(offset, grace)
                offset += each
            element.quarterLength = length - each * len(graces)
            site.insert(offset, element)
        graces = []
    for grace in graces:  # grace notes with no note after them: nothing to take time from
        grace.activeSite.remove(grace)
