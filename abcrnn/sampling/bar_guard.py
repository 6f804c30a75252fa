"""The bar guard: while a tune is sampled, a bar line may not close a bar short of its meter.

A model that has mostly seen 6/8 jigs can slip into 6/8 bars under M:9/8 (or into 9/8 bars
under M:6/8), and every bar after copies the slip. The guard follows each tune's bars as they
are written and, when the model draws a bar line (``|`` or the ``:`` of ``:|``) after a bar
shorter than the meter, the sampler draws again without bar lines, so the bar goes on to its
full length; when it draws a note in a bar already full, or a length that takes the bar past
the meter (``overfilling``), it draws again without them, so the bar line comes in time.
A short bar stays allowed where the validator may allow it (``text.bars``): the first bar
of a part (an anacrusis), a bar that with the part's or the tune's anacrusis makes a full
one, and a bar short by no more than a lead-in (``LEAD_IN_SHARE``), which may close a part
before the next part's lead-in. The validator allows such a bar only where it closes a part and
something makes it whole, and the guard holds the model to that: the ``|`` after it must become
``||``, ``|]`` or ``|:`` (``closing``); where no anacrusis written so far makes it whole, the next
part owes the lead-in that does, so its first bar may hold only that (``owed``), and the tune may
not end before it (``may_end``). Where a bar cannot be read for sure (``text.durations``), or the
meter or unit note changes inside the music, the guard lets the model be.
"""

from fractions import Fraction

from abcrnn.text.durations import bar_units
from abcrnn.text.following import BarFollower
from abcrnn.text.tokens import BAR_CHARACTER

GUARDED_CHARACTERS = "|:"  # the characters that start a bar line closing a bar
# A part's closing bar may leave out the next part's lead-in, which is not written yet: a bar
# short by up to this share of a bar is let through (the corpus's lead-ins are one to three
# unit notes; a 6/8 bar under M:9/8 is short by a third).
LEAD_IN_SHARE = Fraction(1, 4)
NOTE_STARTS = "ABCDEFGabcdefgz^_="  # the characters that start a note or a rest (ABC 2.1 4.1, 4.2, 4.5)
LENGTH_DIGITS = "0123456789"
BROKEN_RHYTHM = "<>"  # A>B: the note after it is part of the pair already written
PART_CLOSING_BARS = ("||", ":|", "[|")  # bar lines ending in | that close a part already
PART_CLOSERS = "|]:"  # what makes a | close a part: ||, |], |:


class BarGuard(BarFollower):
    """Follows one tune's music, bar by bar, to say whether a bar line may close the bar being written."""

    def overfilling(self, music: str, character: str, characters: str) -> str:
        """The characters (of ``characters``, the vocabulary) refused next if ``character`` would overfill the
        bar; "" if it may come.

        In a full bar no note may start: the bar line is due, and only a bar line (``|``, the ``:``
        of ``:|``) or a space before one may come instead (the rest of what the model wanted, a
        line break or ornaments, would only put the bar line off). A length may not take the bar
        past the meter either (``A`` with one unit note left may not become ``A2``): anything but
        the digits that would may come. Where the bar cannot be read for sure, or after a broken
        rhythm's ``>``, nothing is refused.
        """
        if character not in NOTE_STARTS and character not in LENGTH_DIGITS:
            return ""
        length = self.bar_length(music)
        if self.full is None or length is None or music.rstrip(" ").endswith(tuple(BROKEN_RHYTHM)):
            return ""
        if BAR_CHARACTER in music[self.checked :]:  # a bar line just written: the next bar starts
            return ""
        room = self.owed() or self.full  # a part's first bar that owes the lead-in holds only that
        if character in NOTE_STARTS:
            allowed = GUARDED_CHARACTERS + " " * (not music.endswith(" "))
            return "" if length < room else "".join(c for c in characters if c not in allowed)
        bar = music[self.checked :]
        over = lambda digit: (units := bar_units(bar + digit)) is not None and length <= room < units  # noqa: E731
        return "".join(digit for digit in LENGTH_DIGITS if over(digit)) if over(character) else ""

    def allows_bar_line(self, music: str) -> bool:
        """Whether a bar line may come next after ``music`` (the tune's text after its K: line)."""
        length = self.bar_length(music)
        if self.full is None or length is None or length == 0 or length >= self.full:
            return True
        if self.first_of_part:
            return length >= (self.owed() or 0)
        return self._short_by_a_lead_in(length) or self._made_whole(length)  # a part's last bar, before a lead-in

    def owed(self) -> Fraction | None:
        """The lead-in a part owes: where the part before it closed on a bar short of the meter that no anacrusis
        written so far makes whole (let through by ``LEAD_IN_SHARE``), the length the validator needs this part's
        first bar to have (``text.bars``); None where nothing is owed, or once the part's first bar is written."""
        short = self.last_length
        if self.full is None or not self.first_of_part or short is None or short >= self.full:
            return None
        if not self._short_by_a_lead_in(short) or self._made_whole(short):
            return None
        return self.full - short

    def _short_by_a_lead_in(self, length: Fraction) -> bool:
        """Whether a bar of ``length`` is short of the meter by no more than a lead-in (``LEAD_IN_SHARE``)."""
        return self.full - length <= self.full * LEAD_IN_SHARE

    def _made_whole(self, length: Fraction) -> bool:
        """Whether a bar of ``length`` makes a full one with the part's or the tune's anacrusis."""
        return any(lead_in is not None and length + lead_in == self.full for lead_in in (self.anacrusis, self.opening))

    def may_end(self, music: str) -> bool:
        """Whether the tune may end after ``music``: not while a part owes its lead-in."""
        self.catch_up(music)
        return self.owed() is None

    def closing(self, music: str) -> str:
        """Where ``music`` ends with a plain bar line's ``|`` after a bar short of the meter (not a part's first
        bar), the characters that make it close a part (``||``, ``|]``, ``|:``), as the validator needs of a
        short bar (``text.bars``); "" where anything may come."""
        if not music.endswith(BAR_CHARACTER) or music.endswith(PART_CLOSING_BARS):
            return ""
        self.catch_up(music)  # the bar line at the very end is not passed yet: the bar it closes is being written
        length = bar_units(music[self.checked : -1].rstrip("["))
        if self.full is None or length is None or self.first_of_part or not 0 < length < self.full:
            return ""
        return PART_CLOSERS
