"""How long a bar of ABC music is, read quickly from the text (for the sampler's bar guard).

``text.bars`` measures bars with music21's tokens, which is exact but far too slow to ask
at every bar line of a tune being sampled; this reads the lengths the ABC 2.1 standard
gives (``tokens``: notes and rests with their lengths, chords, tuplets) and says "not
sure" (None) for anything rarer, so that a caller can leave such a bar alone. Broken
rhythm (``A>B``) keeps the pair's total, so it changes no bar's length. The invisible rest
``x`` is given no length, as music21 (which the validator reads with) gives it none.
"""

from fractions import Fraction
from functools import lru_cache

from abcrnn.text.abc import parse_field_line
from abcrnn.text.tokens import BarLine, ChordEnd, Note, Tuplet, scan

# The time a tuplet's p notes take, in notes of their written length, where it does not depend on the meter.
TUPLET_TIME = {2: 3, 3: 2, 4: 3, 6: 2, 8: 3}
# Left by themselves, these leave a bar's length in doubt: a rest of whole bars (Z), a chord
# symbol, decoration, chord or grace notes that does not close.
_UNSURE = set('Z"!{}[]')
_SKIPPED = {"comment", "symbol", "decoration", "field"}


@lru_cache(maxsize=4096)  # the sampler's guard measures a bar as it grows, and again once closed
def bar_units(bar: str) -> Fraction | None:
    """The length of one bar's music in unit notes (``L:``); None where this reader is not sure.

    >>> [bar_units(bar) for bar in ["GAB c2d", '"D"(3def g>f e2', "[ceg]2 z/B/ A", "{g}A2 !roll!B", "Z2"]]
    [Fraction(6, 1), Fraction(6, 1), Fraction(4, 1), Fraction(3, 1), None]
    """
    lines = [line for line in bar.split("\n") if not parse_field_line(line)]  # K: or P: lines in the music
    total, factor, left = Fraction(0), Fraction(1), 0
    chord: list[Note] | None = None  # the notes of the chord being read
    tokens = scan("\n".join(lines))
    for token in tokens:
        if token.grace:
            continue
        if chord is not None:  # a chord's notes, to its ]: the first one's length is the chord's
            if isinstance(token, Note):
                chord.append(token)
            elif isinstance(token, ChordEnd):
                if not chord:
                    return None
                total += chord[0].length * token.length * (factor if left else 1)
                left, chord = max(0, left - 1), None
        elif token.kind in _SKIPPED or token.kind == "space":
            continue
        elif token.kind == "chord_start":
            chord = []
        elif isinstance(token, Tuplet):
            if token.p not in TUPLET_TIME and token.q is None:
                return None
            factor, left = Fraction(token.q or TUPLET_TIME[token.p], token.p), token.r or token.p
        elif isinstance(token, Note) and not token.is_spacer:
            total += token.length * (factor if left else 1)
            left = max(0, left - 1)
        elif isinstance(token, BarLine):  # an ending's number has no length; |] or [| in a bar is not sure
            if not _UNSURE.isdisjoint(token.symbol):
                return None
        elif token.kind == "chord_end" or token.text in _UNSURE:
            return None
    unclosed_grace = tokens and tokens[-1].grace and tokens[-1].kind != "grace_end"
    return None if unclosed_grace or chord is not None else total
