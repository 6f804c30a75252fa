"""The ABC syntax abcrnn reads, each piece spelled once, with where the ABC 2.1 standard defines it.

The standard: https://abcnotation.com/wiki/abc:standard:v2.1 (sections named below).
Every module that finds bar lines, decorations, chord symbols or inline fields in music
uses these patterns, so that an edge case is mended in one place. They are regular
expression sources, to be combined; compiled forms follow for the common uses.

Most readers take the music from ``scan``, which reads it once into typed tokens (notes
and rests with their spelling and written length, bar lines with their endings, chords'
and grace notes' brackets, tuplets, fields, chord symbols, decorations; each token knows
whether it belongs to grace notes): the transposer and pitch reader (``transpose``), the
note timer (``timing``), bar lengths (``durations``) and the bar follower built on them
(``following``), numbered endings (``endings``), the bars, part endings, home and
decoration letters of ``bars``, the playable text and its ornaments (``sound.playable``,
``sound.ornaments``) and the features the explain page correlates cells with
(``pages.explain``). The model's copy memory and the scorer's bar kinds read bars by
``BAR_CHARACTER`` alone, one character at a time, as the model does; the corpus's duplicate
check reads pitches as the shipped corpora were built (``training.corpus.pitch_sequence``).

>>> BAR_LINE_PATTERN.findall("|:AB c|d2 :|2 e||f|]")
['|:', '|', ':|', '||', '|]']
>>> MARKUP_PATTERN.sub("", '"D"d2 !trill!e [K:G]f')
'd2 e f'
"""

import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

# 4.8 Repeat/bar symbols: thick and thin bars, repeats, and the double repeat ::.
# Longer symbols first, so that || is one bar line and not two.
BAR_LINE = r"\|\]|\|\||\[\||:\||\|:|::|\|"
# The bar lines that end a tune's music (a closing |: would open a repeat).
CLOSING_BAR_LINE = r"\|\]|\|\||:\||::|\|"
# Bar lines that end a part: repeats, double and thick bars (not a plain |).
PART_BOUNDARY = r"\|:|:\||::|\|\||\|\]|\[\|"
# The bar lines that close a part: a repeat's end, a double or a thick bar.
PART_END = r":\||::|\|\||\|\]"
# The bar lines that end a repeat (:: ends one and starts the next).
REPEAT_END = r":\||::"
# The character every bar line symbol contains.
BAR_CHARACTER = "|"
# 4.19 Annotations and 4.18 Chord symbols: text in double quotes.
QUOTE = '"'
CHORD_SYMBOL = r'"[^"]*"'
# 4.14 Decorations: !name!, and the older +name+.
DECORATION = r"![^!]*!"
# ... as abc2midi reads one when it plays: a decoration ends with its line.
DECORATION_IN_LINE = r"![^!\n]*!"
PLUS_DECORATION = r"\+[^+]*\+"
# 4.12 Grace notes: in braces.
GRACE_NOTES = r"\{[^}]*\}"
# 3.1 and 3.2: a field written inside the music, [K:G], [M:3/4].
INLINE_FIELD = r"\[[A-Za-z]:[^]]*\]"
# 4.1 Pitch, 4.2 Accidentals, 4.3 Note lengths, 4.5 Rests: a note or rest and its length (x is an
# invisible rest, y a spacer of no length; Z, a rest of whole bars, is not read here).
NOTE_WITH_LENGTH = r"(?:\^\^|\^|__|_|=)?(?P<letter>[A-Ga-gzxy])[,']*(?P<multiplier>\d*)(?P<slashes>/*)(?P<divisor>\d*)"
# 4.13 Duplets, triplets, quadruplets: (p, (p:q or (p:q:r before the notes they change.
TUPLET = r"\((?P<p>[2-9])(?::(?P<q>\d*))?(?::(?P<r>\d*))?"
# 4.17 Chords: notes sounding together in brackets, with a length of their own after them.
CHORD = r"\[(?P<notes>[^\]|:]*)\](?P<chord_multiplier>\d*)(?P<chord_slashes>/*)(?P<chord_divisor>\d*)"
# 4.9 First and second repeats: the number that starts an ending, after its bar line.
ENDING_NUMBER = r"\[?\d[\d,-]*"
# What is written in the music but is no note: chord symbols, decorations, inline fields.
MARKUP = f"{CHORD_SYMBOL}|{DECORATION}|{INLINE_FIELD}"

BAR_LINE_PATTERN = re.compile(BAR_LINE)
MARKUP_PATTERN = re.compile(MARKUP)


# The scan: a music line read once into typed tokens (the module doc's patterns, in one order).
# A bar line takes the number of the ending it starts (|1, :|2, | [2, across a line continuation
# \); a bracketed ending may also stand alone ([2 after a line's end). A [ opens a chord only
# where its ] follows before any bar line; a { opens grace notes until its }.
_SCAN = re.compile(
    f"(?P<comment>%.*)|(?P<symbol>{CHORD_SYMBOL})|(?P<decoration>{DECORATION_IN_LINE}|\\+[A-Za-z0-9.]*\\+)"
    f"|(?P<field>{INLINE_FIELD})|(?P<bar>{BAR_LINE})(?:\\\\?\\s*(?P<ending>{ENDING_NUMBER}))?"
    f"|(?P<ending_alone>\\[\\d[\\d,-]*)|(?P<tuplet>{TUPLET})|(?P<chord_start>\\[(?=[^\\]|:]*\\]))"
    r"|(?P<chord_end>\](?P<chord_multiplier>\d*)(?P<chord_slashes>/*)(?P<chord_divisor>\d*))"
    r"|(?P<grace_start>\{)|(?P<grace_end>\})"
    f"|(?P<note>(?P<accidental>\\^\\^|\\^|__|_|=)?(?P<letter>[A-Ga-gzxy])(?P<octave>[,']*)"
    r"(?P<multiplier>\d*)(?P<slashes>/*)(?P<divisor>\d*))"
    # An accidental with no note after it: a microtone (^/ ^3/4), or e-mail's =20.
    r"|(?P<microtone>[\^_=]+[/\d])|(?P<broken>[<>]+)"
    # 4.14's one-letter decorations (staccato, roll, fermata, trill, bowings) and 4.11's slur start.
    r"|(?P<mark>[.~HLMOPSTuv]|\((?![2-9]))|(?P<space>\s+)|(?P<other>.)"
)


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of music as written: its kind (``_SCAN``'s group names), where it stands in the text, and
    whether it belongs to grace notes (``{g}``, the braces included; a brace that opens or closes none
    does not)."""

    kind: str
    text: str
    start: int
    end: int
    grace: bool = field(default=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class Note(Token):
    """A note or rest (z; x and y are spacers) with its accidental, octave marks and written length."""

    accidental: str  # ^ ^^ _ __ = or ""
    letter: str
    octave_marks: str
    length: Fraction  # in unit notes (L:), as written: before broken rhythm, tuplets and chords

    @property
    def is_rest(self) -> bool:
        return self.letter in "zxy"

    @property
    def is_spacer(self) -> bool:
        """x or y: written, but given no time (music21 and the validator time x as nothing)."""
        return self.letter in "xy"

    @property
    def octave(self) -> int:
        """Octaves above the one from middle C (C to B): c is 1, C, is -1."""
        return int(self.letter.islower()) + self.octave_marks.count("'") - self.octave_marks.count(",")


@dataclass(frozen=True, slots=True)
class BarLine(Token):
    """A bar line (``symbol`` as BAR_LINE spells it; empty for a bracketed ending standing alone) and the
    number of the ending it starts, if any."""

    symbol: str
    ending: str | None

    @property
    def passes(self) -> set[int]:
        """The passes the numbered ending starting here is played on (``ending_passes``)."""
        return ending_passes(self.ending)


def ending_passes(ending: str | None) -> set[int]:
    """The passes a numbered ending (ENDING_NUMBER) is played on; empty for none.

    >>> [sorted(ending_passes(ending)) for ending in ("[1-3", "2,4", "1,", None)]
    [[1, 2, 3], [2, 4], [1], []]
    """
    passes = set()
    for part in filter(None, (ending or "").lstrip("[").split(",")):
        low, _, high = part.partition("-")
        passes |= set(range(int(low), int(high or low) + 1))
    return passes


@dataclass(frozen=True, slots=True)
class Field(Token):
    """A field written inside the music, ``[K:G]``."""

    letter: str
    value: str


@dataclass(frozen=True, slots=True)
class Tuplet(Token):
    """``(p:q:r``: p notes in the time of q, for the next r notes (q and r None where not written)."""

    p: int
    q: int | None
    r: int | None


@dataclass(frozen=True, slots=True)
class ChordEnd(Token):
    """The ] that closes a chord, and the length written after it (in multiples of its notes' length)."""

    length: Fraction


def scan(music: str) -> list[Token]:
    """The tokens of music text, every character in one of them, in order.

    >>> [(token.kind, token.text) for token in scan('"G"!trill!^g2|1 [ce]/ (3z')][:7]
    [('symbol', '"G"'), ('decoration', '!trill!'), ('note', '^g2'), ('bar', '|1'), ('space', ' '), \
('chord_start', '['), ('note', 'c')]
    >>> note = scan("_B,3/2")[0]
    >>> note.accidental, note.letter, note.octave, note.length
    ('_', 'B', -1, Fraction(3, 2))
    """
    return list(_scanned(music))


def open_quote(line: str) -> int | None:
    """Where a line of music leaves a chord symbol or annotation open: the position of a quote with none after it to
    close it on the line (None where there is none). Players part there: a sampled tune with one played 70 notes
    in abcrnn's MIDI and 88 in abc2midi's.

    >>> open_quote('"G"GAB "D'), open_quote('"G"GAB "D"d2'), open_quote('GAB % a "comment')
    (7, None, None)
    """
    if QUOTE not in line:
        return None
    return next((token.start for token in _scanned(line) if token.kind == "other" and token.text == QUOTE), None)


def _scanned(music: str):
    grace = False  # inside grace notes' braces
    for match in _SCAN.finditer(music):
        kind = "bar" if match.lastgroup == "ending" else match.lastgroup
        text, start, end = match.group(), match.start(), match.end()
        grace = grace or kind == "grace_start"
        if kind == "note":
            yield Note(kind, text, start, end, match.group("accidental") or "", match.group("letter"),
                       match.group("octave"), written_length(*match.group("multiplier", "slashes", "divisor")),
                       grace=grace)
        elif kind == "bar":
            yield BarLine(kind, text, start, end, match.group("bar"), match.group("ending"), grace=grace)
        elif kind == "ending_alone":
            yield BarLine("bar", text, start, end, "", text, grace=grace)
        elif kind == "field":
            yield Field(kind, text, start, end, text[1], text[3:-1], grace=grace)
        elif kind == "tuplet":
            q, r = match.group("q", "r")
            p = int(match.group("p"))
            yield Tuplet(kind, text, start, end, p, int(q) if q else None, int(r) if r else None, grace=grace)
        elif kind == "chord_end":
            lengths = match.group("chord_multiplier", "chord_slashes", "chord_divisor")
            yield ChordEnd(kind, text, start, end, written_length(*lengths), grace=grace)
        else:
            yield Token(kind, text, start, end, grace=grace)
        grace = grace and kind != "grace_end"


@lru_cache(maxsize=512)  # the lengths written are few, and asked for at every note
def written_length(multiplier: str, slashes: str, divisor: str) -> Fraction:
    """A written length in unit notes: ``2`` is two, ``/`` or ``/2`` half, ``3/2`` one and a half, ``//`` a quarter.

    A divisor of 0 (``A/0``, which a model at a high temperature writes) is read as none, as abc2midi reads it.

    >>> written = [("", "", ""), ("2", "", ""), ("", "/", ""), ("3", "/", "2"), ("", "//", ""), ("", "/", "0")]
    >>> [str(written_length(*parts)) for parts in written]
    ['1', '2', '1/2', '3/2', '1/4', '1/2']
    """
    number = Fraction(int(multiplier) if multiplier else 1)
    if divisor and int(divisor):
        return number / int(divisor)
    return number / 2 ** len(slashes)
