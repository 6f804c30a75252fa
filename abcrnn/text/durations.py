"""How long a bar of ABC music is, read quickly from the text (for the sampler's bar guard).

``text.bars`` measures bars with music21's tokens, which is exact but far too slow to ask
at every bar line of a tune being sampled; this reads the lengths the ABC 2.1 standard
gives (``tokens``: notes and rests with their lengths, chords, tuplets) and says "not
sure" (None) for anything rarer, so that a caller can leave such a bar alone. Broken
rhythm (``A>B``) keeps the pair's total, so it changes no bar's length. The invisible rest
``x`` is given no length, as music21 (which the validator reads with) gives it none.
"""

import re
from fractions import Fraction
from functools import lru_cache

from abcrnn.text.abc import parse_field_line
from abcrnn.text.tokens import (
    CHORD,
    ENDING_NUMBER,
    GRACE_NOTES,
    MARKUP,
    NOTE_WITH_LENGTH,
    PLUS_DECORATION,
    TUPLET,
)

_NOT_MUSIC = re.compile(f"{MARKUP}|{PLUS_DECORATION}|{GRACE_NOTES}|%[^\\n]*")
_LENGTH_TOKEN = re.compile(f"{TUPLET}|{CHORD}|{NOTE_WITH_LENGTH}|(?P<unsure>[Z\"!{{}}\\[\\]])")
_ENDING = re.compile(f"^\\s*{ENDING_NUMBER}")
# The time a tuplet's p notes take, in notes of their written length, where it does not depend on the meter.
TUPLET_TIME = {2: 3, 3: 2, 4: 3, 6: 2, 8: 3}


@lru_cache(maxsize=512)  # a sampler asks at every bar line; the lengths written are few
def note_length(multiplier: str, slashes: str, divisor: str) -> Fraction:
    """A written length in unit notes: ``2`` is two, ``/`` or ``/2`` half, ``3/2`` one and a half, ``//`` a quarter.

    >>> written = [("", "", ""), ("2", "", ""), ("", "/", ""), ("3", "/", "2"), ("", "//", "")]
    >>> [str(note_length(*parts)) for parts in written]
    ['1', '2', '1/2', '3/2', '1/4']
    """
    number = Fraction(int(multiplier) if multiplier else 1)
    if divisor:
        return number / int(divisor)
    return number / 2 ** len(slashes)


@lru_cache(maxsize=4096)  # the sampler's guard measures a bar as it grows, and again once closed
def bar_units(bar: str) -> Fraction | None:
    """The length of one bar's music in unit notes (``L:``); None where this reader is not sure.

    >>> [bar_units(bar) for bar in ["GAB c2d", '"D"(3def g>f e2', "[ceg]2 z/B/ A", "{g}A2 !roll!B", "Z2"]]
    [Fraction(6, 1), Fraction(6, 1), Fraction(4, 1), Fraction(3, 1), None]
    """
    lines = [line for line in bar.split("\n") if not parse_field_line(line)]  # K: or P: lines in the music
    music = _ENDING.sub("", _NOT_MUSIC.sub("", "\n".join(lines)))
    total, factor, left = Fraction(0), Fraction(1), 0
    for token in _LENGTH_TOKEN.finditer(music):
        if token.group("unsure"):
            return None
        if token.group("p"):
            p = int(token.group("p"))
            if p not in TUPLET_TIME and not token.group("q"):
                return None
            factor = Fraction(int(token.group("q") or TUPLET_TIME[p]), p)
            left = int(token.group("r") or p)
            continue
        if token.group("notes") is not None:
            inner = re.search(NOTE_WITH_LENGTH, token.group("notes"))
            if not inner:
                return None
            length = note_length(*inner.group("multiplier", "slashes", "divisor")) * note_length(
                *token.group("chord_multiplier", "chord_slashes", "chord_divisor"))
        elif token.group("letter") in "xy":  # a spacer; and music21 (the validator) gives x no time
            continue
        else:
            length = note_length(*token.group("multiplier", "slashes", "divisor"))
        total += length * (factor if left else 1)
        left = max(0, left - 1)
    return total
