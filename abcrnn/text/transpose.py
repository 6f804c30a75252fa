"""Transpose ABC tunes: new key fields, every note re-spelled, chord symbols moved.

The text is read the way abc2midi, the reference ABC player, reads it: an
accidental lasts to the end of its bar and applies to that letter in every
octave. The output is written so that it also plays right for readers that
apply an accidental to one octave only (music21): an accidental is written
wherever either reading would otherwise get the note wrong.

>>> print(transpose_tune("X:1\\nK:G\\nGAB ^c d2|", 2))
X:1
K:A
ABc ^d e2|
>>> print(transpose_tune("X:1\\nK:Ador\\n\\"Am\\"A,B,C ^F|", -2))
X:1
K:Gdor
"Gm"G,A,B, E|
"""

import re

from abcrnn.errors import AbcrnnError
from abcrnn.text.abc import parse_field_line, split_header_body
from abcrnn.text.pitches import ACCIDENTAL_SHIFT, ACCIDENTAL_TEXT, ACCIDENTAL_VALUE, LETTERS, NATURAL_PITCH
from abcrnn.text.tokens import BarLine, Field, Note, Token, scan

# Where each letter's major key sits on the circle of fifths (sharps positive).
MAJOR_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}
# How far each mode's signature sits from the major key on the same tonic.
MODE_FIFTHS = {"maj": 0, "ion": 0, "mix": -1, "dor": -2, "min": -3, "aeo": -3, "m": -3, "phr": -4, "loc": -5,
               "lyd": 1}  # fmt: skip
SHARP_ORDER, FLAT_ORDER = "FCGDAEB", "BEADGCF"
# Ways a reader may apply a written accidental to later notes of its bar: to the letter in every
# octave or in its own octave, and counting grace notes' accidentals or not.
WRITTEN_READERS = (("letter", False), ("octave", False), ("letter", True), ("octave", True))

_KEY = re.compile(r"^(\s*)([A-G])([#b]?)(\s*)([A-Za-z]*)(.*)$", re.DOTALL)

class TransposeError(AbcrnnError):
    """A tune this transposer cannot move faithfully; the message says why."""


class Key:
    """A key field's tonic and mode, read from text such as ``Ador`` or ``Bb Mixolydian``."""

    def __init__(self, text: str):
        match = _KEY.match(text)
        if not match:
            raise TransposeError(f"cannot read the key {text.strip()!r}")
        self.lead, self.letter, self.accidental, self.gap, word, self.rest = match.groups()
        mode = word.lower()[:3] if word.lower() not in ("m", "") else word.lower()
        if mode not in MODE_FIFTHS and mode != "":
            self.rest, mode = self.gap + word + self.rest, ""  # a word that is not a mode, e.g. clef=
            self.gap, self.word = "", ""
        else:
            self.word = word
        self.mode_fifths = MODE_FIFTHS.get(mode, 0)
        # Accidentals the key field adds to its signature, as in K:Dmix=c or K:D exp ^f.
        self.extra = {letter.upper(): ACCIDENTAL_VALUE.get(accidental)
                      for accidental, letter in re.findall(r"([\^_=]+)([A-Ga-g])", self.rest)}  # fmt: skip
        if None in self.extra.values():
            raise TransposeError(f"cannot read the accidentals of the key {text.strip()!r}")

    @property
    def tonic_pitch(self) -> int:
        return (NATURAL_PITCH[self.letter] + ACCIDENTAL_SHIFT[self.accidental]) % 12

    @property
    def fifths(self) -> int:
        """Sharps (positive) or flats (negative) in the signature."""
        return MAJOR_FIFTHS[self.letter] + 7 * ACCIDENTAL_SHIFT[self.accidental] + self.mode_fifths

    def signature(self) -> dict[str, int]:
        """The accidental the signature gives each letter."""
        order = SHARP_ORDER if self.fifths > 0 else FLAT_ORDER
        step = 1 if self.fifths > 0 else -1
        signature = {letter: (step if letter in order[: abs(self.fifths)] else 0) for letter in LETTERS}
        if re.search(r"\bexp\b", self.rest):  # K:D exp ^f: only the accidentals listed
            signature = dict.fromkeys(LETTERS, 0)
        return signature | self.extra

    def moved(self, semitones: int) -> "tuple[Key, int]":
        """This key moved by ``semitones``, spelled with the fewest accidentals, and its letter steps."""
        if semitones == 0:
            return self, 0
        target = (self.tonic_pitch + semitones) % 12
        candidates = []
        for letter in LETTERS:
            offset = (target - NATURAL_PITCH[letter] + 6) % 12 - 6
            if offset in (-1, 0, 1):
                fifths = MAJOR_FIFTHS[letter] + 7 * offset + self.mode_fifths
                # Fewest accidentals; on a tie (F# or Gb) keep the original's side of the circle.
                candidates.append((abs(fifths), (fifths < 0) != (self.fifths < 0), letter, offset))
        _, _, letter, offset = min(candidates)
        steps = (LETTERS.index(letter) - LETTERS.index(self.letter)) % 7
        if abs(steps * 12 / 7 - semitones) > abs((steps - 7) * 12 / 7 - semitones):
            steps -= 7
        new = Key.__new__(Key)
        new.__dict__.update(self.__dict__, letter=letter, accidental={1: "#", -1: "b", 0: ""}[offset])
        if self.extra:
            new.extra, new.rest = self._moved_extra(semitones, steps)
        return new, steps

    def _moved_extra(self, semitones: int, steps: int) -> tuple[dict[str, int], str]:
        """The key field's own accidentals moved, and the rest of the field rewritten with them."""
        moved = {}

        def move(match: re.Match) -> str:
            letter = match.group(2).upper()
            new_letter = LETTERS[(LETTERS.index(letter) + steps) % 7]
            pitch = NATURAL_PITCH[letter] + ACCIDENTAL_VALUE[match.group(1)] + semitones
            moved[new_letter] = (pitch - NATURAL_PITCH[new_letter] + 6) % 12 - 6
            if moved[new_letter] not in ACCIDENTAL_TEXT:
                raise TransposeError(f"the key's {match.group()} would need a triple accidental")
            spelled = new_letter.lower() if match.group(2).islower() else new_letter
            return ACCIDENTAL_TEXT[moved[new_letter]] + spelled

        return moved, re.sub(r"([\^_=]+)([A-Ga-g])", move, self.rest)

    def text(self) -> str:
        return f"{self.lead}{self.letter}{self.accidental}{self.gap}{self.word}{self.rest}"

    def name(self) -> str:
        """The key in one spelling, whatever the field's: ``G``, ``Em``, ``Ador``, ``Dmix``.

        >>> Key("E Minor").name(), Key("AMixolydian").name(), Key("Bb").name()
        ('Em', 'Amix', 'Bb')
        """
        mode = next(name for name, shift in MODE_FIFTHS.items() if shift == self.mode_fifths)
        return self.letter + self.accidental + {"maj": "", "min": "m"}.get(mode, mode)


def transpose_tune(tune: str, semitones: int = 0, to_key: str | None = None) -> str:
    """Move a tune by ``semitones`` (or to the tonic of ``to_key``), re-spelling every note.

    Raises:
        TransposeError: the tune has no key, a key this cannot move, or a note that would need a triple accidental.
    """
    if to_key is not None:
        semitones = _semitones_to(_first_key(tune)[1], to_key)
    if isinstance(semitones, bool) or not isinstance(semitones, int):
        raise TransposeError(f"--semitones must be a whole number, got {semitones!r}")
    return "\n".join(_walk(tune, _Mover(semitones)))


def spelled_out(tune: str) -> str:
    """The tune in C's key signature, with every sharp, flat and natural it needs written on its note.

    For readers that neither carry an accidental on through its bar nor follow
    inline key changes (music21, as the MIDI renderer uses it): what abc2midi
    plays, spelled so that any reader plays the same.

    >>> print(spelled_out("X:1\\nK:D\\n=c>dc ^G g|[K:Bb] B=B B|"))
    X:1
    K:C
    c>dc ^G ^g|[K:C] _B=B B|
    """
    return "\n".join(_walk(tune, _Mover(0, spell_out=True)))


def written_pitches(tune: str) -> list[int]:
    """The MIDI pitches of a tune's notes as written (repeats not expanded), read as abc2midi reads them.

    >>> written_pitches("X:1\\nK:D\\nDF^G =f c'|")
    [62, 66, 68, 77, 85]
    """
    return [pitch for _, _, _, pitch, _ in _read_notes(tune)]


def note_pitches(tune: str) -> list[tuple[int, int, int, int]]:
    """Where each note (grace notes aside) stands and its MIDI pitch: ``(line, start, end, pitch)``.

    >>> note_pitches("X:1\\nK:D\\n{g}f2-e|")
    [(2, 3, 4, 78), (2, 6, 7, 76)]
    """
    return [(line, start, end, pitch) for line, start, end, pitch, grace in _read_notes(tune) if not grace]


def _read_notes(tune: str) -> list[tuple[int, int, int, int, bool]]:
    notes: list[tuple[int, int, int, int, bool]] = []
    _walk(tune, _Mover(0, notes))
    return notes


def key_name(tune: str) -> str:
    """A tune's first key in one spelling (``Em`` for ``K:E minor``); raises TransposeError if it has none."""
    return _first_key(tune)[1].name()


def moved_key_name(tune: str, semitones: int) -> str:
    """The name of a tune's first key once moved by ``semitones``, spelled as ``transpose_tune`` spells it.

    >>> moved_key_name("X:1\\nK:Em\\nE|", 5), moved_key_name("X:1\\nK:Ador\\nA|", -2)
    ('Am', 'Gdor')
    """
    return _first_key(tune)[1].moved(semitones)[0].name()


def key_fifths(tune: str) -> int:
    """Sharps (positive) or flats (negative) in the signature of a tune's first K: field.

    >>> key_fifths("X:1\\nK:Ador\\nA|"), key_fifths("X:1\\nK:Bb\\nB|")
    (1, -2)
    """
    return _first_key(tune)[1].fifths


def _first_key(tune: str) -> tuple[int, "Key"]:
    """The line number of a tune's header K: field, and its key."""
    for index, line in enumerate(split_header_body(tune)[0]):
        field = parse_field_line(line.strip())
        if field and field[0] == "K":
            return index, _read_key(field[1])
    raise TransposeError("the tune has no K: field")


def _walk(tune: str, mover: "_Mover") -> list[str]:
    """The tune's lines with its key fields and music moved by ``mover``; other fields as they were."""
    header, body = split_header_body(tune)
    key_index, key = _first_key(tune)
    lines = list(header)
    lines[key_index] = "K:" + mover.change_key(key)
    for line in body:
        mover.line_number = len(lines)
        field = parse_field_line(line)
        if field and field[0] == "K":
            lines.append("K:" + mover.change_key(_read_key(field[1])))
        else:
            lines.append(line if field else mover.music_line(line))
    return lines


def _read_key(text: str) -> Key:
    if not text.strip() or text.strip().lower() in ("none", "hp"):
        raise TransposeError(f"key {text.strip() or '(empty)'!r} has no tonic to move")
    return Key(text)


def _semitones_to(key: Key, to_key: str) -> int:
    """The move, -6 to +5 semitones, to ``to_key``: its tonic (``G``), or its signature when it names a mode (``Am``).

    >>> _semitones_to(Key("D"), "G"), _semitones_to(Key("Ador"), "Bb"), _semitones_to(Key("G"), "Am")
    (5, 1, 5)
    """
    target = Key(str(to_key))
    if target.word:
        return (7 * (target.fifths - key.fifths) + 6) % 12 - 6
    return (target.tonic_pitch - key.tonic_pitch + 6) % 12 - 6


class _Mover:
    """Transposes music lines in order, tracking the key and each bar's accidentals."""

    def __init__(self, semitones: int, notes: list | None = None, spell_out: bool = False):
        self.semitones = semitones
        self.spell_out = spell_out  # write every accidental the key signature does not give
        self.notes = notes  # when given, gets (line, start, end, MIDI pitch, in a grace) for each note read
        self.line_number = 0
        self.bar_reset()

    def change_key(self, key: Key) -> str:
        self.old_signature = key.signature()
        new_key, self.letter_steps = key.moved(self.semitones)
        self.new_signature = new_key.signature()
        self.bar_reset()
        if self.spell_out:  # every accidental is written: the signature is C's
            self.new_signature = dict.fromkeys(LETTERS, 0)
            return "C"
        return new_key.text()

    def bar_reset(self) -> None:
        # The input is read as abc2midi -NGRA reads it: a grace note's accidental does not
        # carry to the notes after it.
        self.read_accidentals: dict[str, int] = {}  # letter -> accidental in this bar
        self.grace_accidentals: dict[str, int] | None = None  # inside {...}: the bar's, then the grace's own
        # The output is read four ways: an accidental lasting for its letter in every octave
        # (abc2midi) or in one octave (music21), with or without those of grace notes.
        self.written = {reader: {} for reader in WRITTEN_READERS}

    def music_line(self, line: str) -> str:
        return "".join(self._token(token) for token in scan(line))

    def _token(self, token: Token) -> str:
        kind, text = token.kind, token.text
        if isinstance(token, Note) and not token.is_rest:
            return self._note(token) + text[len(token.accidental) + 1 + len(token.octave_marks) :]
        if kind == "symbol":
            return _move_chord_symbol(text, self.semitones, self.letter_steps)
        if isinstance(token, Field) and token.letter == "K":
            return "[K:" + self.change_key(_read_key(token.value)) + "]"
        if isinstance(token, BarLine) and ("|" in token.symbol or token.symbol == "::"):
            self.bar_reset()
        if kind == "microtone":
            raise TransposeError(f"{text!r} is an accidental with no note after it (a microtone, or e-mail's =20)")
        if kind in ("grace_start", "grace_end"):
            self.grace_accidentals = dict(self.read_accidentals) if kind == "grace_start" else None
        return text

    def _note(self, token: Note) -> str:
        upper = token.letter.upper()
        accidentals = self.read_accidentals if self.grace_accidentals is None else self.grace_accidentals
        if token.accidental:
            accidentals[upper] = ACCIDENTAL_VALUE[token.accidental]
        accidental = accidentals.get(upper, self.old_signature[upper])
        pitch = 12 * token.octave + NATURAL_PITCH[upper] + accidental + self.semitones
        position = 7 * token.octave + LETTERS.index(upper) + self.letter_steps
        new_octave, new_upper = divmod(position, 7)
        new_letter = LETTERS[new_upper]
        new_accidental = pitch - 12 * new_octave - NATURAL_PITCH[new_letter]
        if new_accidental not in ACCIDENTAL_TEXT:
            raise TransposeError(f"{token.accidental}{token.letter}{token.octave_marks} would need a triple accidental")
        if self.notes is not None:
            end = token.start + len(token.accidental) + 1 + len(token.octave_marks)
            self.notes.append((self.line_number, token.start, end, 60 + pitch, self.grace_accidentals is not None))
        return self._written(new_letter, new_octave, new_accidental)

    def _written(self, letter: str, octave: int, accidental: int) -> str:
        """The note as text, with its accidental wherever any reader would otherwise play it wrong."""
        in_grace = self.grace_accidentals is not None
        prefix = ACCIDENTAL_TEXT[accidental] if self.spell_out and accidental != self.new_signature[letter] else ""
        place = {"letter": letter, "octave": (letter, octave)}
        for (scope, _), state in self.written.items():
            if state.get(place[scope], self.new_signature[letter]) != accidental:
                prefix = ACCIDENTAL_TEXT[accidental]
        if prefix:
            for (scope, graces_count), state in self.written.items():
                if graces_count or not in_grace:
                    state[place[scope]] = accidental
        if octave >= 1:
            return prefix + letter.lower() + "'" * (octave - 1)
        return prefix + letter + "," * -octave


def _move_chord_symbol(text: str, semitones: int, letter_steps: int) -> str:
    """Move the root and bass of a chord symbol such as ``"D/F#"``; annotations stay."""

    def move(match: re.Match) -> str:
        letter, accidental = match.group(2), ACCIDENTAL_SHIFT[match.group(3)]
        new_letter = LETTERS[(LETTERS.index(letter) + letter_steps) % 7]
        offset = (NATURAL_PITCH[letter] + accidental + semitones - NATURAL_PITCH[new_letter] + 6) % 12 - 6
        if offset not in (-1, 0, 1):  # a double accidental: name the chord by its sound instead
            pitch = (NATURAL_PITCH[letter] + accidental + semitones) % 12
            new_letter = next(name for name in LETTERS if (pitch - NATURAL_PITCH[name]) % 12 in (0, 1))
            offset = (pitch - NATURAL_PITCH[new_letter]) % 12
        return match.group(1) + new_letter + {1: "#", -1: "b", 0: ""}[offset]

    inner = text[1:-1]
    if not re.match(r"\(?[A-G]", inner):
        return text
    return '"' + re.sub(r"(^\(?|/)([A-G])([#b]?)", move, inner) + '"'
