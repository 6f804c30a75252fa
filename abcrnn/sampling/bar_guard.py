"""The bar guard: while a tune is sampled, a bar line may not close a bar short of its meter.

A model that has mostly seen 6/8 jigs can slip into 6/8 bars under M:9/8, and every bar
after copies the slip. The guard follows each tune's bars as they are written and, when
the model draws a bar line (``|`` or the ``:`` of ``:|``) after a bar shorter than the
meter, the sampler draws again without bar lines, so the bar goes on to its full length.
A short bar stays allowed where the validator may allow it (``text.bars``): the first bar
of a part (an anacrusis), a bar that with the part's or the tune's anacrusis makes a full
one, and a bar short by no more than a lead-in (``LEAD_IN_SHARE``), which may close a part
before the next part's lead-in. Where a bar cannot be read for sure (``text.durations``), or the meter or unit note
changes inside the music, the guard lets the model be.
"""

import re
from fractions import Fraction

from abcrnn.text.abc import default_unit_length, header_fields
from abcrnn.text.bars import meter_length
from abcrnn.text.durations import bar_units, note_length
from abcrnn.text.tokens import BAR_LINE_PATTERN, PART_BOUNDARY

GUARDED_CHARACTERS = "|:"  # the characters that start a bar line closing a bar
# A part's closing bar may leave out the next part's lead-in, which is not written yet: a bar
# short by up to this share of a bar is let through (the corpus's lead-ins are one to three
# unit notes; a 6/8 bar under M:9/8 is short by a third).
LEAD_IN_SHARE = Fraction(1, 4)
_PART_BOUNDARY = re.compile(PART_BOUNDARY)
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
    return full / (4 * note_length(unit.group(1), "/", unit.group(2)))


class BarGuard:
    """Follows one tune's music, bar by bar, to say whether a bar line may close the bar being written."""

    def __init__(self, full: Fraction | None):
        self.full = full  # a full bar in unit notes; None: the guard is off
        self.checked = 0  # where the bar being written starts in the music
        self.first_of_part = True
        self.opening: Fraction | None = None  # the tune's anacrusis
        self.anacrusis: Fraction | None = None  # the part's
        self.bars = 0  # bars with notes completed so far

    def allows_bar_line(self, music: str) -> bool:
        """Whether a bar line may come next after ``music`` (the tune's text after its K: line)."""
        self._catch_up(music)
        if self.full is None:
            return True
        # A [ just before is the start of a thick-thin bar line ([|, ABC 2.1 4.8), not of the bar's music.
        length = bar_units(music[self.checked :].rstrip("["))
        if length is None or length == 0 or length >= self.full or self.first_of_part:
            return True
        if self.full - length <= self.full * LEAD_IN_SHARE:  # a part's last bar, before the next part's lead-in
            return True
        return any(lead_in is not None and length + lead_in == self.full for lead_in in (self.anacrusis, self.opening))

    def _catch_up(self, music: str) -> None:
        """Note every bar completed since the last call (a bar line at the very end may still grow: not yet)."""
        if self.full is not None and _CHANGE.search(music, self.checked):
            self.full = None
        for line in BAR_LINE_PATTERN.finditer(music, self.checked):
            if line.end() == len(music):
                break
            length = bar_units(music[self.checked : line.start()])
            if length:  # a bar with notes (a bar line's own :| |: pieces have none)
                if self.first_of_part:
                    self.anacrusis = length if self.full is not None and length < self.full else None
                    if self.opening is None and self.anacrusis is not None and not self.bars:
                        self.opening = length
                self.bars += 1
                self.first_of_part = False
            if _PART_BOUNDARY.fullmatch(line.group()):
                self.first_of_part = True
            self.checked = line.end()

