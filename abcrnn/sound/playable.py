"""A tune as music21 must be given it to play what is written, the way abc2midi reads it.

music21 reads ABC leniently but does not play it faithfully: it expands
``A :| B :|`` as A A B A B (ABC repeats a ``:|`` with no ``|:`` from the last
repeat or double bar), and its tokenizer drops or changes notes around ties
between different pitches and decorations (``A-d.d``, ``f2-e``). So the MIDI
renderer feeds it a playable text instead: the music on one line with the
repeats and endings unfolded, a tie only between equal pitches, and no
decorations, slurs or annotations. Guitar chords stay, for the accompaniment
(``accompaniment``); music21 is given the text without them.
Rolls and trills are marked for the renderer to play as notes (see ornaments).

>>> print(playable_tune("X:1\\nM:2/4\\nL:1/8\\nK:G\\nGABc :|\\n|: d2-d2 |1 e4 :|2 g4 |]"))
X:1
M:none
L:1/8
K:C
GABc |GABc |d2-d2 | e4 |d2-d2 | g4 |]
"""

import re

from abcrnn.sound.ornaments import ORNAMENT_MARKS, Ornament, find_ornaments
from abcrnn.sound.repeats import bars, unfold_repeats
from abcrnn.text.abc import default_unit_length, parse_field_line, split_header_body, strip_comment
from abcrnn.text.chords import read_chord
from abcrnn.text.tokens import Note, Token, scan
from abcrnn.text.transpose import TransposeError, note_pitches, spelled_out

# Fields inside the music that change how it sounds, kept as inline fields. The meter does not
# (its bars are written), and without one music21 keeps each bar as it is: with one, it tries
# to join the short bars either side of a repeat and fails ("TimeSignature already found").
SOUNDING_FIELDS = "KLQ"
# What a MIDI player ignores, and music21 loses notes after: decorations, slurs, and the lone !
# of an old line break. Rolls and trills leave their mark instead (see ornaments).
_DROPPED = {"(", ")", "!"}


def playable_tune(tune: str) -> str:
    """The tune with its music unfolded onto one line, ready for music21 to play as abc2midi does."""
    return playable_with_ornaments(tune)[0]


def playable_with_ornaments(tune: str) -> tuple[str, list[Ornament]]:
    """The playable text, and the rolls and trills to play on its notes."""
    header, body = split_header_body(tune)
    header = _without_meter(header)
    music = " ".join(_without_decorations(line) for line in _music_parts(body))  # a decoration ends with its line
    unfolded = "".join(bar.music + bar.line for bar in unfold_repeats(bars(music)))
    text, ornaments = find_ornaments("\n".join(header + [unfolded]))
    try:
        return untie_different_pitches(spelled_out(text)), ornaments
    except TransposeError:  # a key this cannot read: music21 gets the unfolded text as it is
        return text, []


def repeat_jumps(tune: str) -> list[bool]:
    """For each bar with notes, in the order it is played, whether a repeat goes back after it.

    >>> repeat_jumps("X:1\\nM:2/4\\nL:1/8\\nK:G\\nGABc :|\\n|: d2-d2 |1 e4 :|2 g4 |]")
    [True, False, False, True, False, False]
    """
    _, body = split_header_body(tune)
    music = " ".join(_without_decorations(line) for line in _music_parts(body))
    return [bar.jumps_back for bar in unfold_repeats(bars(music)) if _has_note(bar.music)]


def _has_note(music: str) -> bool:
    """Whether music holds a note or rest (what text.timing times), grace notes aside."""
    return any(isinstance(token, Note) and not token.is_spacer and not token.grace for token in scan(music))


def _without_meter(header: list[str]) -> list[str]:
    """The header with ``M:none``, and the unit length the meter implied written out."""
    fields = {field[0]: field[1] for line in header if (field := parse_field_line(line.strip()))}
    lines = [("M:none" if line.startswith("M:") else line) for line in header]
    if "L" not in fields:
        lines.insert(len(lines) - 1, "L:" + default_unit_length(fields.get("M", "")))
    return lines


def _music_parts(body: list[str]):
    """Each music line without comments or continuations; sounding field lines as inline fields."""
    for line in body:
        field = parse_field_line(line.strip())
        if field:
            if field[0] in SOUNDING_FIELDS:
                yield f"[{field[0]}:{field[1]}]"
            continue
        # [|] is an invisible bar line (ABC 2.1): read as [| and ], it moved where a repeat starts.
        yield strip_comment(line).rstrip("\\").replace("[|]", " ")


def _without_decorations(music: str) -> str:
    """The music without decorations, slurs and annotations; rolls and trills leave their mark (see
    ornaments), and guitar chords stay. A staccato note is not tied on (abc2midi plays the next note
    again), nor is a tie kept with no note before it to hold (a rest holds none).
    """
    tokens = scan(music)
    pieces = []
    for index, token in enumerate(tokens):
        if token.kind == "symbol":
            pieces.append(token.text if read_chord(token.text[1:-1]) else "")  # an annotation goes
        elif token.kind in ("decoration", "mark") or token.text in _DROPPED:
            pieces.append(_ornament_mark(token, music[token.end : token.end + 1]))
        elif token.text == "-" and _holds_nothing(tokens, index):
            while pieces and pieces[-1].isspace():
                pieces.pop()
        else:
            pieces.append(token.text)
    return "".join(pieces)


def _holds_nothing(tokens: list[Token], index: int) -> bool:
    """Whether the tie at ``index`` has no note to hold: it follows a bar line, a field, a chord symbol,
    a rest or the line's start, or a staccato note (abc2midi plays the next note again)."""
    before = next((token for token in reversed(tokens[:index]) if token.kind != "space"), None)
    if before is None or before.kind in ("symbol", "field") or before.text[-1] in "|]:":
        return True
    if isinstance(before, Note) and before.is_rest:  # a rest holds no pitch: the note after it is played
        return True
    staccato = tokens[index - 2] if index >= 2 else None
    return (isinstance(before, Note) and before is tokens[index - 1]
            and staccato is not None and staccato.text == "." and staccato.end == before.start)


def _ornament_mark(decoration: Token, following: str) -> str:
    """A roll's or trill's mark; none where a slur, a chord symbol, grace notes or another long
    decoration comes between it and its note, as abc2midi then plays the note plain."""
    if following in ("(", '"', "!", "+", "{"):
        return ""
    return ORNAMENT_MARKS.get(decoration.text, "")


def untie_different_pitches(tune: str) -> str:
    """Remove each tie (``-``) whose notes differ in pitch: a tie holds one pitch, it cannot join two.

    >>> untie_different_pitches("X:1\\nK:D\\nf2-e A-A F-^F|")
    'X:1\\nK:D\\nf2e A-A F-^F|'
    """
    notes = note_pitches(tune)
    lines = tune.split("\n")
    removals: dict[int, list[int]] = {}
    for (line, start, end, pitch), (next_line, _, _, next_pitch) in zip(notes, notes[1:]):
        tie = re.match(r"[\d/<>]*\s*-", lines[line][end:])
        if tie and pitch != next_pitch:
            removals.setdefault(line, []).append(end + tie.end() - 1)
    for line, positions in removals.items():
        for position in sorted(positions, reverse=True):
            lines[line] = lines[line][:position] + lines[line][position + 1 :]
    return "\n".join(lines)
