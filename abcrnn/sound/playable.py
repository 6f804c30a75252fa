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
from dataclasses import dataclass

from abcrnn.sound.ornaments import ORNAMENT_MARKS, Ornament, find_ornaments
from abcrnn.text.abc import default_unit_length, parse_field_line, split_header_body, strip_comment
from abcrnn.text.chords import read_chord
from abcrnn.text.tokens import BAR_CHARACTER, BarLine, Note, Token, scan
from abcrnn.text.transpose import TransposeError, note_pitches, spelled_out

# Fields inside the music that change how it sounds, kept as inline fields. The meter does not
# (its bars are written), and without one music21 keeps each bar as it is: with one, it tries
# to join the short bars either side of a repeat and fails ("TimeSignature already found").
SOUNDING_FIELDS = "KLQ"
# What a MIDI player ignores, and music21 loses notes after: decorations, slurs, and the lone !
# of an old line break. Rolls and trills leave their mark instead (see ornaments).
_DROPPED = {"(", ")", "!"}
_AFTER_TIE_DROPPED = {"bar", "field", "chord_end"}  # a tie after these has no note to hold


@dataclass
class _Bar:
    music: str  # what the bar holds, inline fields included
    line: str  # the bar line that ends it
    ending: set[int] | None  # the passes a numbered ending starting here is played on
    jumps_back: bool = False  # as played: a repeat goes back after it


def playable_tune(tune: str) -> str:
    """The tune with its music unfolded onto one line, ready for music21 to play as abc2midi does."""
    return playable_with_ornaments(tune)[0]


def playable_with_ornaments(tune: str) -> tuple[str, list[Ornament]]:
    """The playable text, and the rolls and trills to play on its notes."""
    header, body = split_header_body(tune)
    header = _without_meter(header)
    music = " ".join(_without_decorations(line) for line in _music_parts(body))  # a decoration ends with its line
    unfolded = "".join(bar.music + bar.line for bar in unfold_repeats(_bars(music)))
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
    return [bar.jumps_back for bar in unfold_repeats(_bars(music)) if _has_note(bar.music)]


def _has_note(music: str) -> bool:
    """Whether music holds a note or rest (what text.timing times), grace notes aside."""
    return any(isinstance(token, Note) and token.letter not in "xy" and not token.grace for token in scan(music))


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
    again), nor is a tie kept with no note before it to hold.
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
    """Whether the tie at ``index`` has no note to hold: it follows a bar line, a field, a chord symbol
    or the line's start, or a staccato note (abc2midi plays the next note again)."""
    before = next((token for token in reversed(tokens[:index]) if token.kind != "space"), None)
    if before is None or before.kind in ("symbol", "field") or before.text[-1] in "|]:":
        return True
    staccato = tokens[index - 2] if index >= 2 else None
    return (isinstance(before, Note) and before is tokens[index - 1] and not before.is_rest
            and staccato is not None and staccato.text == "." and staccato.end == before.start)


def _ornament_mark(decoration: Token, following: str) -> str:
    """A roll's or trill's mark; none where a slur, a chord symbol, grace notes or another long
    decoration comes between it and its note, as abc2midi then plays the note plain."""
    if following in ("(", '"', "!", "+", "{"):
        return ""
    return ORNAMENT_MARKS.get(decoration.text, "")


def _bars(music: str) -> list[_Bar]:
    """The bars of music on one line, each with the bar line that ends it and the ending it starts."""
    bars, position, ending = [], 0, None
    for start, end, line, number in _bar_lines(scan(music)):
        if music[position:start].strip() or line:
            bars.append(_Bar(music[position:start], line, ending))
        ending, position = (_passes(number) if number else None), end
    if music[position:].strip():
        bars.append(_Bar(music[position:], "", ending))
    return bars


def _bar_lines(tokens: list[Token]):
    """Each bar line as abc2midi reads one, as (start, end, symbol, ending number or None).

    abc2midi takes a run of bar symbols and colons with nothing between as one bar line
    (``:||:``, ``::|``, ``:|]``), and a repeat's start colon may begin the next line (``:|`` then
    ``: A``). A bracketed ending standing alone (``[2`` after a line's end) has no symbol.
    A bar line takes the space after it; the next bar's music starts after that.
    """
    index = 0
    while index < len(tokens):
        token, index = tokens[index], index + 1
        if isinstance(token, BarLine) and not token.symbol:
            yield token.start, token.end, "", token.ending
            continue
        if not isinstance(token, BarLine) and not (token.text == ":" and _joins(tokens, index, ":")):
            continue
        start, symbol = token.start, _symbol(token)
        while _ending(token) is None and _joins(tokens, index, symbol):
            token, index = tokens[index], index + 1
            symbol += _symbol(token)
        end, ending = token.end, _ending(token)
        if ending is None:
            if symbol.startswith(":") and BAR_CHARACTER in symbol and _colon_next(tokens, index):
                symbol, end, index = symbol + ":", tokens[index + 1].end, index + 2
            if index < len(tokens) and tokens[index].kind == "space":
                end, index = tokens[index].end, index + 1
        yield start, end, symbol, ending


def _symbol(token: Token) -> str:
    return token.symbol if isinstance(token, BarLine) else token.text


def _ending(token: Token) -> str | None:
    return token.ending if isinstance(token, BarLine) else None


def _joins(tokens: list[Token], index: int, run: str) -> bool:
    """Whether the token at ``index`` belongs to the bar line ``run`` before it: a bar symbol or colon
    right after it, or the ] of a thick bar; but a new bar line starts after a repeat's start."""
    if index >= len(tokens) or tokens[index].start != tokens[index - 1].end:
        return False
    token = tokens[index]
    if token.text == ":":
        return True
    if token.text == "]":
        return run.endswith(BAR_CHARACTER)
    return isinstance(token, BarLine) and token.symbol != "" and not (
        BAR_CHARACTER in run and run.endswith(":") and token.symbol[0] in "|[")


def _colon_next(tokens: list[Token], index: int) -> bool:
    """Whether a repeat's start colon begins the next line, at ``index``: a space (the line's end), then
    a lone colon."""
    return index + 1 < len(tokens) and tokens[index].kind == "space" and tokens[index + 1].text == ":"


def _passes(text: str) -> set[int]:
    """The passes an ending is for: ``[1``, ``2``, ``[1,3``, ``[1-3``.

    >>> sorted(_passes("[1-3")), sorted(_passes("2,4")), sorted(_passes("1,"))
    ([1, 2, 3], [2, 4], [1])
    """
    passes = set()
    for part in filter(None, text.lstrip("[").split(",")):
        low, _, high = part.partition("-")
        passes |= set(range(int(low), int(high or low) + 1))
    return passes


def _ends_repeat(line: str) -> bool:
    return line.startswith(":")


def _starts_repeat(line: str) -> bool:
    return line.endswith(":")


def unfold_repeats(bars: list[_Bar]) -> list[_Bar]:
    """The bars in the order abc2midi plays them, their repeat marks gone.

    ``|:`` starts a repeat and ``::`` ends one and starts the next. A ``:|``
    goes back to the last of these, or to the bar after the last repeat, or to
    the start. A double bar ``||`` is where the next repeat starts only once a
    repeat has been played (as abc2midi reads it, measured on the corpus: in
    ``A || B :|`` the whole of A and B repeats; in ``A :| B || C :|``, C). A
    numbered ending is played on its passes and skipped on the others; it
    lasts until a bar line other than ``|``.
    """
    played: list[_Bar] = []
    start, second_pass, skipping, in_ending, index, repeated = 0, False, False, False, 0, False
    for _ in range(4 * len(bars) + 4):  # each bar plays at most twice: a bound, not a loop
        if index >= len(bars):
            break
        bar, index = bars[index], index + 1
        if bar.ending is not None:
            skipping = (2 if second_pass else 1) not in bar.ending
            in_ending = not skipping
        if skipping:
            skipping = bar.line in ("|", "")  # any other bar line ends the skipped ending
            continue
        if bar.music.strip():  # between :| and |: on the next line there is nothing to play
            played.append(_Bar(bar.music, bar.line.replace(":", "") or "|", None))
        if _ends_repeat(bar.line) and not second_pass:
            second_pass, index, in_ending = True, start, False
            if played and bar.music.strip():
                played[-1].jumps_back = True
        elif _ends_repeat(bar.line) or _starts_repeat(bar.line) or (second_pass and in_ending and
                                                                     bar.line in ("||", "|]", "[|")):  # fmt: skip
            start, second_pass, in_ending = index, False, False
            repeated = repeated or _ends_repeat(bar.line)
        elif bar.line in ("||", "[|") and repeated and not second_pass:
            start = index
    if played and bars[-1].line == "":
        played[-1].line = ""
    return played


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
