"""The ABC syntax abcrnn reads, each piece spelled once, with where the ABC 2.1 standard defines it.

The standard: https://abcnotation.com/wiki/abc:standard:v2.1 (sections named below).
Every module that finds bar lines, decorations, chord symbols or inline fields in music
uses these patterns, so that an edge case is mended in one place. They are regular
expression sources, to be combined; compiled forms follow for the common uses.

>>> BAR_LINE_PATTERN.findall("|:AB c|d2 :|2 e||f|]")
['|:', '|', ':|', '||', '|]']
>>> MARKUP_PATTERN.sub("", '"D"d2 !trill!e [K:G]f')
'd2 e f'
"""

import re

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
