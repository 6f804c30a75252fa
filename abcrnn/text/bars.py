"""Bars as written: their lengths, and whether they fit the meter.

music21 quietly re-bars an over-long bar, so bar lengths are measured here from
music21's ABC tokens (which already apply note lengths, broken rhythms and
``L:`` changes) between the bar lines as written.

A short bar is allowed only as an anacrusis: the first bar of a part (at the
start of the tune, after a repeat or double bar, or after a meter change), or
the bar that closes a part when it complements that part's anacrusis, the
tune's opening one, or the lead-in written after the double bar. A bar that
closes a part in full is also fine (the lead-in written inside it). Endings
(``|1``, ``:|2``) close the same part they belong to.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

from abcrnn.text.abc import header_fields, music_lines, parse_field_line, split_header_body
from abcrnn.text.pitches import dominant_letter, key_tonic_letter
from abcrnn.text.tokens import BAR_LINE_PATTERN, PART_BOUNDARY, PART_END, BarLine, Note, scan

_PART_BOUNDARY = re.compile(PART_BOUNDARY)
_PART_END = re.compile(PART_END)
_UNWRITTEN = {"symbol", "decoration", "field", "space"}  # what written_bars leaves out
_NOTE_LETTERS = set("ABCDEFGabcdefg")


@dataclass
class Bar:
    """One bar as written: its notes and length in quarter notes, under its meter."""

    number: int
    text: str
    length: Fraction
    meter: str
    ending: bool = False  # starts a numbered ending (|1, :|2, [2)
    closes_part: bool = False  # followed by a repeat or double bar, or the end of the tune
    starts_part: bool = False  # first bar of the tune, or after a repeat, double bar or meter change


def meter_length(meter: str) -> Fraction | None:
    """A meter's bar length in quarter notes; None for free meter.

    >>> meter_length("6/8"), meter_length("C|"), meter_length("none")
    (Fraction(3, 1), Fraction(4, 1), None)
    """
    meter = meter.strip()
    if meter in ("C", "C|"):
        return Fraction(4)
    match = re.fullmatch(r"(\d+(?:\+\d+)*)\s*/\s*(\d+)", meter)
    if not match:
        return None
    return Fraction(sum(int(n) for n in match.group(1).split("+")) * 4, int(match.group(2)))


def beat_length(meter: str) -> Fraction:
    """A beat's length in quarter notes: a dotted quarter in 6/8, 9/8 and 12/8, a half in C| and 2/2,
    else the meter's own note.

    >>> [str(beat_length(meter)) for meter in ("6/8", "C|", "3/4", "C", "none")]
    ['3/2', '2', '1', '1', '1']
    """
    numerator, _, denominator = meter.strip().replace("C|", "2/2").replace("C", "4/4").partition("/")
    if not denominator.isdigit():
        return Fraction(1)
    if numerator in ("6", "9", "12") and denominator == "8":
        return Fraction(3, 2)
    return Fraction(4, int(denominator))


def _describe(length: Fraction, full: Fraction, meter: str) -> str:
    """A bar length in the meter's own units, e.g. 5/8."""
    denominator = int(meter.split("/")[1]) if "/" in meter else 4
    units = length * denominator / 4
    return f"{units.numerator}/{denominator}" if units.denominator == 1 else f"{float(units):g}/{denominator}"


def part_count(tune: str) -> int:
    """How many parts a tune has: sections after a repeat or double bar (endings excluded)."""
    try:
        bars = read_bars(tune, header_fields(tune).get("M", "none"))
    except Exception:  # a tune music21 cannot tokenize has no parts we can count
        return 0

    def lone_lead_in(bar: Bar) -> bool:
        return bar.closes_part and bar.length < (meter_length(bar.meter) or 0)

    return sum(bar.starts_part and not bar.ending and not lone_lead_in(bar) for bar in bars)


def strip_decorations(tune: str) -> str:
    """Remove decoration letters (H fermata, T trill, u up-bow, ...) from music lines.

    music21's tokenizer drops a note written after some of them (``HA2``),
    which would make its bar look short.

    >>> strip_decorations('K:D\\n"Am"HA2 TB [M:3/4] uc|')
    'K:D\\n"Am"A2 B [M:3/4] c|'
    """
    header, body = split_header_body(tune)
    lines = [line if parse_field_line(line) else
             "".join(token.text for token in scan(line) if not (token.kind == "mark" and token.text.isalpha()))
             for line in body]  # fmt: skip
    return "\n".join(header + lines)


def read_bars(tune: str, meter: str) -> list[Bar]:
    """The tune's non-empty bars as written, with lengths from music21's ABC tokens."""
    from music21 import abcFormat

    from abcrnn.text.parsing import quiet

    handler = abcFormat.ABCHandler()
    with quiet():
        handler.process(strip_decorations(tune))
    bars: list[Bar] = []
    length, notes, in_grace, in_body, ending, starts_part = Fraction(0), [], False, False, False, True
    for token in handler.tokens:
        source = token.src.strip()
        meter_change = re.fullmatch(r"\[?M:([^\]]*)\]?", source)
        if isinstance(token, abcFormat.ABCMetadata) and source.startswith("K:"):
            in_body = True
        elif meter_change and in_body:
            meter, starts_part = meter_change.group(1).strip(), True
        elif isinstance(token, (abcFormat.ABCGraceStart, abcFormat.ABCGraceStop)):
            in_grace = isinstance(token, abcFormat.ABCGraceStart)
        elif isinstance(token, abcFormat.ABCBar) and re.fullmatch(r"\[?\d[\d,-]*", source):
            ending = True  # [1 or [2: a numbered ending starts with the next bar
        elif isinstance(token, abcFormat.ABCBar):
            boundary = bool(_PART_BOUNDARY.search(source))
            if length > 0:
                bars.append(Bar(len(bars) + 1, " ".join(notes), length, meter, ending, boundary, starts_part))
                starts_part = False
            starts_part = starts_part or boundary
            length, notes, ending = Fraction(0), [], False
        elif isinstance(token, abcFormat.ABCNote) and not in_grace and token.quarterLength:
            length += _note_length(token)
            notes.append(source)
    if length > 0:
        bars.append(Bar(len(bars) + 1, " ".join(notes), length, meter, ending, True, starts_part))
    elif bars:
        bars[-1].closes_part = True
    return bars


def _note_length(token) -> Fraction:
    """A note's or chord's length in quarter notes, inside a tuplet if it is in one."""
    length = Fraction(token.quarterLength).limit_denominator(192)
    tuplet = getattr(token, "activeTuplet", None)
    if tuplet is not None:
        length *= Fraction(tuplet.numberNotesNormal, tuplet.numberNotesActual)
    return length


def bar_length_errors(tune: str, meter: str) -> list[str]:
    """Every bar whose length does not fit its meter, allowing anacruses (see module doc)."""
    bars = read_bars(tune, meter)
    errors, anacrusis, carried = [], None, False
    opening = bars[0].length if bars and bars[0].length < (meter_length(bars[0].meter) or 0) else None
    for index, bar in enumerate(bars):
        full = meter_length(bar.meter)
        if full is None:
            continue
        if bar.starts_part and not bar.ending:
            anacrusis = anacrusis if carried else None
            carried = False
        if bar.length == full:
            continue
        written = f"bar {bar.number} ({bar.text[:30]})"
        expected = f"M:{bar.meter} bars are {_describe(full, full, bar.meter)}"
        if bar.length > full:
            errors.append(f"{written} is {_describe(bar.length, full, bar.meter)} long; {expected}")
        elif bar.starts_part and not bar.ending and anacrusis is None and index + 1 < len(bars):
            anacrusis = bar.length
            carried = bar.closes_part  # a lone lead-in before |: belongs to the part after it
        elif not (bar.closes_part and _complemented(bar, bars[index + 1 :], anacrusis, opening, full)):
            errors.append(f"{written} is {_describe(bar.length, full, bar.meter)} long; {expected}")
    return errors


def _complemented(bar: Bar, later: list[Bar], anacrusis, opening, full: Fraction) -> bool:
    """Whether a short bar closing a part makes a full bar with an anacrusis.

    Its own part's, the tune's opening one (played again after the end), or the
    next part's (the lead-in written after the double bar) all count.
    """
    following = later[0].length if later and later[0].starts_part and not later[0].ending else None
    return any(lead_in is not None and bar.length + lead_in == full for lead_in in (anacrusis, opening, following))


def written_bars(tune: str) -> list[str]:
    """A tune's bars as written, without spaces, chord symbols or decorations.

    >>> written_bars('K:D\\n|:"D"d2e !trill!fed|B2A AFA:|\\nM:9/8\\n|]')
    ['d2efed', 'B2AAFA']
    """
    return _written(" ".join(music_lines(tune)))


def _written(music: str) -> list[str]:
    """``written_bars`` of the music itself."""
    bars, bar = [], []
    for token in scan(music):
        if isinstance(token, BarLine):  # an ending standing alone ([2) starts a bar too
            bars.append("".join(bar))
            bar = []
        elif token.kind not in _UNWRITTEN and token.text != "\\":
            bar.append(token.text)
    bars.append("".join(bar))
    return [bar for bar in (bar.strip(":[]") for bar in bars) if any(letter in _NOTE_LETTERS for letter in bar)]


def opening(tune: str, through: int | None = None) -> str:
    """The start of a tune to sample the rest again from: its first part, or through the bar holding a character.

    ``through`` is a character offset in ``tune`` (a note the user picked); the opening ends at the
    first bar line after it. Without it the opening is the first part, up to its repeat or double bar
    (or the first half of the bars, where the tune marks no part).

    >>> opening("X:1\\nK:D\\n|:ABc def|gfe d3:|\\n|:fga bag|fed d3:|")
    'X:1\\nK:D\\n|:ABc def|gfe d3:|'
    >>> opening("X:1\\nK:D\\nABc def|gfe d3|fga bag|fed d3|]", through=12)
    'X:1\\nK:D\\nABc def|'
    """
    from abcrnn.errors import AbcrnnError

    header, _ = split_header_body(tune)
    body_start = len("\n".join(header)) + 1
    if through is not None and not body_start <= through < len(tune):
        raise AbcrnnError("choose a note in the music to continue from (not in the header)")
    lines = [line for line in BAR_LINE_PATTERN.finditer(tune, body_start)
             if re.search(r"[A-Ga-g]", tune[body_start : line.start()])]  # fmt: skip
    if through is not None:
        ends = [line for line in lines if line.end() > through]
    else:
        ends = [line for line in lines[:-1] if _PART_BOUNDARY.fullmatch(line.group())] or lines[len(lines) // 2 - 1 :]
    if len(lines) < 2 or not ends or ends[0] is lines[-1]:
        raise AbcrnnError("nothing would be left to sample again: choose an earlier bar")
    return tune[: ends[0].end()]


def part_finals(tune: str) -> list[str]:
    """The letter each part ends on, in order: at each repeat, double or thick bar that does not close
    a first ending (``:|2`` goes on), and at the end of the tune.

    >>> part_finals("X:1\\nK:G\\n|:EAA ABd|1 edB A2G:|2 edB A3||\\n|:eaa age|dBA E3:|")
    ['A', 'E']
    """
    return [letter for _, _, letter in part_endings("\n".join(music_lines(tune)))]


def part_last_bars(tune: str) -> list[str]:
    """Each part's last bar as ``written_bars`` reads it (``part_endings``' parts: a second ending's bar closes
    the first part).

    >>> part_last_bars("X:1\\nK:G\\n|:GAB dBG|1 cBA G2A:|2 !roll!cBA G3||\\n|:gfe dBG|cBA G3:|")
    ['cBAG3', 'cBAG3']
    """
    music = "\n".join(music_lines(tune))
    return [next(iter(_written(music[start:end])), "") for start, end, _ in part_endings(music)]


def closes_as_first_part(tune: str) -> bool | None:
    """Whether the tune's last part closes with its first part's last bar, as written (``part_last_bars``); None
    for a tune of one part.

    >>> closes_as_first_part("X:1\\nK:G\\n|:GAB dBG|cBA G3:|\\n|:gfe dBG|!roll!c BA G3:|"), closes_as_first_part("X:1\\nK:G\\nGAB G3|]")
    (True, None)
    """
    bars = part_last_bars(tune)
    return bars[-1] == bars[0] if len(bars) > 1 else None


def part_endings(music: str) -> list[tuple[int, int, str]]:
    """Where each part of ``music`` ends, as ``part_finals`` reads the parts: its last bar's start (after the bar
    line before its last note), the end of the bar line closing it (the first after that note where the music
    ends without a part's closing one, else the music's end) and its last note's letter.

    >>> music = "|:EAA ABd|1 edB A2G:|2 edB A3||\\n|:eaa age|dBA E3:|"
    >>> [(music[start:end], letter) for start, end, letter in part_endings(music)]
    [(' edB A3||', 'A'), ('dBA E3:|', 'E')]
    >>> music = "GAB c2d|dBA G3|"
    >>> [music[start:end] for start, end, _ in part_endings(music)]
    ['dBA G3|']
    """
    endings, last, bar_start, last_bar, after_last = [], None, 0, 0, None
    for token in scan(music):
        if isinstance(token, Note):
            if not token.is_rest and not token.grace:
                last, last_bar, after_last = token.letter.upper(), bar_start, None
        elif isinstance(token, BarLine):
            if last and _PART_END.fullmatch(token.symbol) and token.ending is None:
                endings.append((last_bar, token.end, last))
                last = None
            elif last and after_last is None:
                after_last = token.end
            bar_start = token.end
    return endings + [(last_bar, after_last or len(music), last)] if last else endings


def home_letter(tune: str) -> str | None:
    """Where the tune itself says home is: the letter its first part ends on, or its key's tonic letter.

    Home is the key's tonic where the tune has one part, where its first part ends on the dominant
    (a half cadence, not a home), or where its notes do not bear the first part's last letter out
    as a home: a modal tune written with the parent key's signature (an A Dorian tune under K:G)
    dwells on its own tonic, while a tune whose first part merely strays away from home does not
    (``MODAL_SUPPORT``). Of corpora/jigs.abc's tunes, 84.9% end on this letter, 82.0% on K:'s tonic
    (86.9% where any first part's last letter but the dominant counted as home, a reading that a
    tune whose parts end alike, away from home, satisfies whatever its notes).

    >>> home_letter("X:1\\nK:G\\n|:EAA ABd|1 edB A2G:|2 edB A3||\\n|:eaa age|dBA A3:|"), home_letter("X:1\\nK:D\\nDFA d3|]")
    ('A', 'D')
    >>> home_letter("X:1\\nK:G\\n|:GAB dBG|ABc d3:|\\n|:gfe dBG|AGF G3:|")  # a half cadence on D
    'G'
    """
    return _home(part_finals(tune), tonic_letter(tune), tune)


# The first part's last letter is home only where the tune's notes have it at least this many times as
# often as K:'s tonic (of corpora/jigs.abc's tunes, 84.0% end at home so read with 1.2, 84.7% with 1.0).
MODAL_SUPPORT = 0.8


def _home(finals: list[str], tonic: str | None, tune: str) -> str | None:
    if len(finals) < 2 or finals[0] == dominant_letter(tonic):
        return tonic
    if finals[0] == tonic or tonic is None:
        return finals[0]
    counts = note_letter_counts(tune)
    return finals[0] if counts.get(finals[0], 0) >= MODAL_SUPPORT * counts.get(tonic, 0) else tonic


def note_letter_counts(tune: str) -> dict[str, int]:
    """How many notes of the tune's music are written with each letter (upper case; no rests or grace notes).

    >>> note_letter_counts("X:1\\nK:G\\n|:EAA {g}ABd|z edB A3:|")
    {'E': 2, 'A': 4, 'B': 2, 'D': 2}
    """
    counts: dict[str, int] = {}
    for token in scan("\n".join(music_lines(tune))):
        if isinstance(token, Note) and not token.is_rest and not token.grace:
            counts[token.letter.upper()] = counts.get(token.letter.upper(), 0) + 1
    return counts


def tonic_letter(tune: str) -> str | None:
    """The tonic letter the tune's K: field names, in upper case (G for K:Gmix), if it names one."""
    return key_tonic_letter(header_fields(tune).get("K", ""))


def ends_at_home(tune: str) -> bool:
    """Whether the last note written is the tune's home letter (``home_letter``).

    >>> ends_at_home("X:1\\nK:G\\n|:EAA ABd|edB A3:|\\n|:eaa age|dBA A3:|"), ends_at_home("X:1\\nK:D\\nDFA d3|A3|]")
    (True, False)
    """
    finals = part_finals(tune)  # the last is the last note's letter
    home = _home(finals, tonic_letter(tune), tune)
    return bool(finals and home and finals[-1] == home)
