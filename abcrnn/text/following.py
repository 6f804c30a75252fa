"""Following a tune's bars as its music is written, one character at a time.

The sampler's bar guard asks, before a bar line, how long the bar being written is; the
model's context (``model.context``) asks, at every character, how much of the bar is left and
where the bar stands in its part. Both read the music written so far with ``BarFollower``:
it notes each bar as its bar line passes (``tokens.scan``), with the lengths
``durations.bar_units`` reads, and the anacruses the validator allows (``text.bars``).
Where the meter or unit note changes inside the music it stops measuring (``full`` None).
"""

import re
from fractions import Fraction

from abcrnn.text.abc import default_unit_length, header_fields
from abcrnn.text.bars import meter_length
from abcrnn.text.durations import bar_units
from abcrnn.text.tokens import BAR_LINE_PATTERN, PART_BOUNDARY, PART_END, BarLine, scan, written_length

_PART_BOUNDARY = re.compile(PART_BOUNDARY)
_PART_END = re.compile(PART_END)
_CHANGE = re.compile(r"\[[ML]:|(?:^|\n)[ML]:")  # a meter or unit note change inside the music


def bar_units_of(tune_header: str) -> Fraction | None:
    """A full bar of the header's meter, in its unit notes; None for free meter or an unreadable field.

    >>> bar_units_of("X:1\\nM:9/8\\nL:1/8\\nK:G\\n"), bar_units_of("X:1\\nM:C|\\nK:D\\n")
    (Fraction(9, 1), Fraction(8, 1))
    """
    fields = header_fields(tune_header)
    meter = fields.get("M", "").strip()
    full = meter_length(meter) if meter else None
    unit = re.fullmatch(r"(\d+)/(\d+)", fields.get("L", "").strip() or default_unit_length(meter or "4/4"))
    if full is None or not unit or int(unit.group(1)) == 0:
        return None
    return full / (4 * written_length(unit.group(1), "/", unit.group(2)))


class BarFollower:
    """One tune's bars so far: where the bar being written starts, and what came before it."""

    def __init__(self, full: Fraction | None):
        self.full = full  # a full bar in unit notes; None: not measured
        self.checked = 0  # where the bar being written starts in the music
        self.first_of_part = True
        self.opening: Fraction | None = None  # the tune's anacrusis
        self.anacrusis: Fraction | None = None  # the part's
        self.bars = 0  # bars with notes completed so far
        self.part_bars = 0  # of those, since the part began
        self.part_ends = 0  # bar lines that closed a part (:| :: || |])
        self.last_length: Fraction | None = None  # the last bar with notes completed, in unit notes

    def bar_length(self, music: str) -> Fraction | None:
        """How long the bar being written at the end of ``music`` is so far, in unit notes; None if unsure."""
        self.catch_up(music)
        # A [ just before is the start of a thick-thin bar line ([|, ABC 2.1 4.8), not of the bar's music.
        return bar_units(music[self.checked :].rstrip("["))

    def catch_up(self, music: str) -> None:
        """Note every bar completed since the last call (a bar line at the very end may still grow: not yet)."""
        if self.full is not None and _CHANGE.search(music, self.checked):
            self.full = None
        start = self.checked
        if not BAR_LINE_PATTERN.search(music, start):
            return  # no bar line since the last: nothing to scan (the scan's bar lines are these)
        for line in scan(music[start:]):
            if not isinstance(line, BarLine) or not line.symbol:
                continue
            end = start + line.start + len(line.symbol)  # the ending's number, if any, is the next bar's
            if end == len(music):
                break
            length = bar_units(music[self.checked : start + line.start])
            if length:  # a bar with notes (a bar line's own :| |: pieces have none)
                if self.first_of_part:
                    self.anacrusis = length if self.full is not None and length < self.full else None
                    if self.opening is None and self.anacrusis is not None and not self.bars:
                        self.opening = length
                self.bars += 1
                self.last_length = length
                self.part_bars += 1
                self.first_of_part = False
            if _PART_BOUNDARY.fullmatch(line.symbol):
                self.first_of_part = True
                self.part_bars = 0
            if _PART_END.fullmatch(line.symbol):
                self.part_ends += 1
            self.checked = end
