"""Bars and repeats as abc2midi, the reference ABC player, plays them.

``bars`` reads music written on one line (``playable`` joins a tune's lines) into bars,
each with the bar line that ends it and the numbered ending it starts, from the scan's
tokens (``text.tokens``); ``unfold_repeats`` puts them in the order they are played.

>>> [(bar.music, bar.line) for bar in unfold_repeats(bars("GABc :| d2-d2 |1 e4 :|2 g4 |]"))]
[('GABc ', '|'), ('GABc ', '|'), ('d2-d2 ', '|'), (' e4 ', '|'), ('d2-d2 ', '|'), (' g4 ', '|]')]
"""

from dataclasses import dataclass

from abcrnn.text.tokens import BAR_CHARACTER, BarLine, Token, ending_passes, scan


@dataclass
class Bar:
    """A bar as written, or as played once its repeats are unfolded."""

    music: str  # what the bar holds, inline fields included
    line: str  # the bar line that ends it
    ending: set[int] | None  # the passes a numbered ending starting here is played on
    jumps_back: bool = False  # as played: a repeat goes back after it


def bars(music: str) -> list[Bar]:
    """The bars of music on one line, each with the bar line that ends it and the ending it starts."""
    found, position, ending = [], 0, None
    for start, end, line, number in _bar_lines(scan(music)):
        if music[position:start].strip() or line:
            found.append(Bar(music[position:start], line, ending))
        ending, position = (ending_passes(number) if number else None), end
    if music[position:].strip():
        found.append(Bar(music[position:], "", ending))
    return found


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


def _ends_repeat(line: str) -> bool:
    return line.startswith(":")


def _starts_repeat(line: str) -> bool:
    return line.endswith(":")


def unfold_repeats(bars: list[Bar]) -> list[Bar]:
    """The bars in the order abc2midi plays them, their repeat marks gone.

    ``|:`` starts a repeat and ``::`` ends one and starts the next. A ``:|``
    goes back to the last of these, or to the bar after the last repeat, or to
    the start. A double bar ``||`` is where the next repeat starts only once a
    repeat has been played (as abc2midi reads it, measured on the corpus: in
    ``A || B :|`` the whole of A and B repeats; in ``A :| B || C :|``, C). A
    numbered ending is played on its passes and skipped on the others; it
    lasts until a bar line other than ``|``.
    """
    played: list[Bar] = []
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
            played.append(Bar(bar.music, bar.line.replace(":", "") or "|", None))
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
