"""The copy mechanism's memory: what the tune's own past proposes as the next character.

A folk tune is built from phrases that return: bar 5 answers bar 1, a second ending echoes
the first, the second part comes home the way the first did. The LSTM alone barely uses
this (a bar that repeats an earlier one cost the plain model 2.11 bits per character, a new
one 2.32). So at every character a ``CopyTracker`` reads the tune's music so far and
proposes, from each of its sources, the character that would come next if the tune
repeated itself:

- ``match``: the character after the most recent earlier occurrence of the longest suffix
  (at most ``LONGEST_MATCH`` characters) of the music so far;
- ``bar-1``, ``bar-2``, ``bar-4``, ``bar-8``: the character at the same place in the bar
  1, 2, 4 or 8 bars back (a bar's leading spaces, line breaks, repeat colons, ending numbers
  and brackets are skipped, so ``|:A2`` and ``|2 A2`` line up with ``|A2``);
- ``part``: the character at the same place in the same bar of the part before (parts close
  at ``tokens.PART_END``; a second ending takes the place of the first, so the part before
  ends on its way home). Human tunes end their parts alike: of corpora/jigs-valid.abc's
  tunes, 59% end the second part with the bar that ends the first at the same place in its
  part, where ``bar-8`` finds that bar in 17% (an anacrusis or a first ending shifts the
  count); samples of the model without this source ended so in 8%.

Each proposal comes with its *run*: how many characters in a row that source has been right
(for ``match``, the match's length), in ``RUN_BUCKETS`` bands. The network's copy gate
(``model.copy_gate_class``) raises each proposed character's logit by an amount it reads from
the LSTM state and the runs: a pointer over a few positions chosen by the tune's structure,
instead of attention over all of them (Merity et al. 2017), added to the logits rather than
mixed into the probabilities, so that the network keeps its veto.

For sampling, a tracker made with ``break_loops`` proposes nothing where the music so far ends
with the same passage (``MIN_LOOP`` characters or more) twice in a row: a passage played twice
is left to the network to play a third time. Without it, 17% of 100 sampled jigs played a
passage three times running (the corpus jigs: 0.5%), and a few looped until ``--max-chars``.
Scoring never breaks loops, so the engine's probabilities stay the Keras model's.

Only the current tune's music is read (after its ``K:`` line), and a tracker starts empty at
every tune. The same code proposes for training (run over whole tunes beforehand, so the
memory of the tune survives the window boundaries of stateful training) and for sampling and
scoring (one character at a time), so the two agree by construction.
"""

import functools
import re

import numpy as np
from abcrnn.text.tokens import BAR_CHARACTER, PART_END

SOURCES = ("match", "bar-1", "bar-2", "bar-4", "bar-8", "part")
BARS_BACK = (1, 2, 4, 8)  # the bar sources, in SOURCES order after "match"
# Bundles made before the ``part`` source read the first five (their config has no copy_sources).
EARLIER_SOURCES = 5
# Bars of a part the ``part`` source follows; later bars of a longer part get no proposal from it.
MOST_PART_BARS = 32
# Characters; a longer match counts as one of this length. Long, so that the gate can tell a
# copy that has gone on longer than tunes do: the longest verbatim repeat within a tune of
# corpora/folk.abc is under 80 characters in 99% of tunes. (With 32, a sampled tune could
# loop through the same four bars until --max-chars.)
LONGEST_MATCH = 128
# A run of r characters falls in band 1 + (edges <= r); band 0 means "no proposal".
RUN_EDGES = (1, 2, 3, 4, 6, 9, 13, 21, 34, 55, 89)
RUN_BUCKETS = len(RUN_EDGES) + 2
# Characters that do not count as a bar's start: spaces and line breaks, the colons of
# repeats (|: ::), the brackets and numbers of endings ([1 |2) and of |] and [|.
SKIPPED_AT_BAR_START = " \n:[]0123456789"
# The shortest passage whose third playing ``break_loops`` leaves to the network: a bar of a
# jig or a reel or longer (a figure within a bar, such as "dBd dBd", may come round freely).
MIN_LOOP = 6


def run_buckets(available: np.ndarray, runs: np.ndarray) -> np.ndarray:
    """Each proposal's run band: 0 where there is no proposal.

    >>> run_buckets(np.array([True, True, True, False]), np.array([0, 3, 40, 5])).tolist()
    [1, 4, 10, 0]
    """
    return np.where(available, 1 + np.searchsorted(RUN_EDGES, runs, side="right"), 0)


class CopyTracker:
    """The proposals of every source for many streams at once, one character at a time.

    ``feed(ids)`` reads one character per stream and returns, for the character that comes
    next, each source's proposed id and run band, each of shape ``(streams, len(SOURCES))``.
    """

    def __init__(self, characters: str, streams: int, capacity: int = 256, break_loops: bool = False,
                 sources: int = len(SOURCES)):
        self.break_loops = break_loops  # the sampler's choice: see the module's docstring
        self.sources = sources  # how many of SOURCES ``feed`` returns (a bundle's copy_sources)
        index = {character: position for position, character in enumerate(characters)}
        self._bar = index.get(BAR_CHARACTER, -1)
        self._newline, self._key, self._colon = (index.get(c, -1) for c in "\nK:")
        self._skipped = np.zeros(len(characters) + 1, dtype=bool)
        self._skipped[[index[c] for c in SKIPPED_AT_BAR_START if c in index]] = True
        self._closes_part, self._digit = _part_tables(characters)
        self._digit_one = index.get("1", -1)  # a first ending
        # Each stream's music so far; -1 after its end, which no character equals.
        self.music = np.full((streams, capacity), -1, dtype=np.int32)
        self.length = np.zeros(streams, dtype=np.int64)
        # runs[s, p]: length (at most LONGEST_MATCH) of the match between the music ending
        # at its last character and the music ending at the earlier position p.
        self.runs = np.zeros((streams, capacity), dtype=np.int16)
        self._next_runs = np.zeros_like(self.runs)  # the runs after the next character are written here
        self.bar_starts = np.zeros((streams, 16), dtype=np.int64)
        self.bars = np.ones(streams, dtype=np.int64)  # bar 0 starts where the music does
        # The parts: each part's bars by their place in it, in three slots by part number (``_follow_parts``).
        self.part = np.zeros(streams, dtype=np.int64)
        self.part_bar = np.zeros(streams, dtype=np.int64)  # the place in its part of the bar being written
        self.part_bars = np.full((streams, 3, MOST_PART_BARS), -1, dtype=np.int64)
        self.part_bars[:, 0, 0] = 0
        self.first_ending = np.full(streams, -1, dtype=np.int64)  # the place where the part's first ending began
        self.reopened = np.zeros(streams, dtype=bool)  # the empty bar after a part's close: an ending may follow
        self.before_close = np.zeros((streams, 2), dtype=np.int64)  # its place and first ending before the close
        self.in_header = np.ones(streams, dtype=bool)
        self.line_length = np.zeros(streams, dtype=np.int64)
        self.key_line = np.zeros(streams, dtype=bool)
        shape = (streams, len(SOURCES))
        self.proposals = np.zeros(shape, dtype=np.int64)
        self.available = np.zeros(shape, dtype=bool)
        self.source_runs = np.zeros(shape, dtype=np.int64)

    def select(self, rows) -> "CopyTracker":
        """A tracker holding only the given streams, in that order."""
        chosen = object.__new__(CopyTracker)
        for name, value in vars(self).items():
            chosen.__dict__[name] = value[rows] if _is_per_stream(name, value) else value
        return chosen

    @classmethod
    def joined(cls, trackers: list["CopyTracker"]) -> "CopyTracker":
        """One tracker holding the streams of several, one after another (memories padded to the widest)."""
        joined = object.__new__(CopyTracker)
        for name, value in vars(trackers[0]).items():
            if not _is_per_stream(name, value):
                joined.__dict__[name] = value
                continue
            values = [vars(tracker)[name] for tracker in trackers]
            if value.ndim == 2:  # the memories and bar starts grow as the music does: pad to the widest
                width = max(array.shape[1] for array in values)
                fill = -1 if name == "music" else 0
                values = [np.pad(array, ((0, 0), (0, width - array.shape[1])), constant_values=fill)
                          for array in values]  # fmt: skip
            joined.__dict__[name] = np.concatenate(values)
        return joined

    def feed(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Read one character id per stream; return the proposals and run bands for the next one."""
        ids = np.asarray(ids, dtype=np.int64)
        in_music = ~self.in_header
        if in_music.any():
            self._read_music(ids, in_music)
        if self.in_header.any():
            self._read_header(ids, self.in_header.copy())
        self._propose(~self.in_header)
        shown = slice(0, self.sources)
        return self.proposals[:, shown].copy(), run_buckets(self.available[:, shown], self.source_runs[:, shown])

    def part_proposal(self) -> tuple[np.ndarray, np.ndarray]:
        """The ``part`` source's proposal for the next character (-1: none), whatever the sources ``feed``
        returns, and whether a bar of the music starts there (``pointer.BarPointer`` reads both)."""
        column = len(SOURCES) - 1
        proposal = np.where(self.available[:, column], self.proposals[:, column], -1)
        bar_start = ~self.in_header & (self.bar_starts[np.arange(len(proposal)), self.bars - 1] == self.length)
        return proposal, bar_start

    def _read_header(self, ids: np.ndarray, rows: np.ndarray) -> None:
        """Follow header lines; the music starts after the line break that ends a K: line."""
        ends = rows & (ids == self._newline)
        self.in_header &= ~(ends & self.key_line & (self.line_length >= 2))
        self.key_line = np.where(self.line_length == 0, ids == self._key, self.key_line)
        self.key_line &= (self.line_length != 1) | (ids == self._colon)
        self.line_length = np.where(ends, 0, self.line_length + 1)
        self.key_line &= ~ends

    def _read_music(self, ids: np.ndarray, rows: np.ndarray) -> None:
        self._grow(int(self.length.max()) + 1)
        # The bar sources' runs: was the proposal made for this character right?
        hits = self.available[:, 1:] & (self.proposals[:, 1:] == ids[:, None])
        self.source_runs[:, 1:] = np.where(rows[:, None] & hits, self.source_runs[:, 1:] + 1, 0)
        n = self.length
        streams = np.flatnonzero(rows)
        width = int(n[streams].max())
        if width:
            # Appending a character moves each alignment on by one: the match that ended at
            # p - 1 now ends at p if the music there is the same character, and is gone if not.
            # (Past a stream's end, and in a stream still in its header, the music is -1: no match.)
            same = self.music[:, :width] == ids[:, None]
            moved = self._next_runs
            moved[:, 0] = 1
            np.add(self.runs[:, : width - 1], 1, out=moved[:, 1:width])
            np.minimum(moved[:, 1:width], LONGEST_MATCH, out=moved[:, 1:width])
            moved[:, :width] *= same
            self.runs, self._next_runs = moved, self.runs
        self.music[streams, n[streams]] = ids[streams]
        self._follow_bars(ids, rows, n)
        self.length = np.where(rows, n + 1, n)

    def _follow_bars(self, ids: np.ndarray, rows: np.ndarray, n: np.ndarray) -> None:
        """A bar line starts a bar after it; skipped characters move an empty bar's start on."""
        current = self.bars - 1
        start = self.bar_starts[np.arange(len(ids)), current]
        empty = start == n
        move = rows & ((ids == self._bar) & empty | self._skipped[ids] & empty)
        new = rows & (ids == self._bar) & ~empty
        if (self.bars[new] >= self.bar_starts.shape[1]).any():
            self.bar_starts = np.pad(self.bar_starts, ((0, 0), (0, self.bar_starts.shape[1])))
        self.bar_starts[np.flatnonzero(move), current[move]] = n[move] + 1
        self.bar_starts[np.flatnonzero(new), self.bars[new]] = n[new] + 1
        self.bars = self.bars + new
        self._follow_parts(ids, rows, n, new)

    def _follow_parts(self, ids: np.ndarray, rows: np.ndarray, n: np.ndarray, new: np.ndarray) -> None:
        """Place each bar in its part: a new bar takes the next place; a part's close starts the next part
        at place 0, unless an ending number follows (``:|2``); a second ending takes the first's place."""
        streams = np.arange(len(ids))
        current = self.bars - 1
        self.part_bar = self.part_bar + new
        self._place(new, current)
        empty = self.bar_starts[streams, current] == n + 1  # nothing written in the bar being written yet
        before = self.music[streams, np.maximum(n - 1, 0)]
        closes = rows & empty & (n > 0) & self._closes_part[before, ids] & ~self.reopened
        if closes.any():
            self._unplace(closes)
            self.before_close[closes] = np.stack([self.part_bar, self.first_ending], axis=1)[closes]
            self.part = self.part + closes
            self.part_bar[closes], self.first_ending[closes] = 0, -1
            self.part_bars[np.flatnonzero(closes), self.part[closes] % 3] = -1
            self._place(closes, current)
            self.reopened |= closes
        ending = rows & empty & self._digit[ids]
        if ending.any():
            self._unplace(ending)
            back = ending & self.reopened  # ``:|2``: the part goes on
            self.part = self.part - back
            self.part_bar[back], self.first_ending[back] = self.before_close[back, 0], self.before_close[back, 1]
            first = ending & (ids == self._digit_one)
            self.first_ending[first] = self.part_bar[first]
            later = ending & ~first & (self.first_ending >= 0)
            self.part_bar[later] = self.first_ending[later]
            self._place(ending, current)
        self.reopened &= empty & ~ending

    def _place(self, rows: np.ndarray, bars: np.ndarray) -> None:
        """Record each given stream's bar at its place in its part."""
        rows = rows & (self.part_bar < MOST_PART_BARS)
        self.part_bars[np.flatnonzero(rows), self.part[rows] % 3, self.part_bar[rows]] = bars[rows]

    def _unplace(self, rows: np.ndarray) -> None:
        """Forget the place of each given stream's bar being written (it is about to move)."""
        rows = rows & (self.part_bar < MOST_PART_BARS)
        self.part_bars[np.flatnonzero(rows), self.part[rows] % 3, self.part_bar[rows]] = -1

    def _propose(self, rows: np.ndarray) -> None:
        self.available[:] = False
        self.proposals[:] = 0
        streams = np.flatnonzero(rows & (self.length > 0))
        if not len(streams):
            return
        n = self.length[streams]
        width = int(n.max())
        runs = self.runs[:, :width] if len(streams) == len(rows) else self.runs[streams, :width]
        end = width - 1 - runs[:, ::-1].argmax(axis=1)  # the longest match, and of those the most recent
        longest = runs[np.arange(len(streams)), end]
        self.proposals[streams, 0] = np.where(longest >= 1, self.music[streams, np.minimum(end + 1, width - 1)], 0)
        self.available[streams, 0] = longest >= 1
        self.source_runs[streams, 0] = longest
        # The match ends ``period`` characters back; as long as that, the passage was played twice running.
        period = n - 1 - end
        looping = streams[(longest >= period) & (period >= MIN_LOOP)] if self.break_loops else streams[:0]
        current = self.bars[streams] - 1
        offset = n - self.bar_starts[streams, current]
        for column, back in enumerate(BARS_BACK, start=1):
            earlier_bar = current - back
            position = self.bar_starts[streams, np.maximum(earlier_bar, 0)] + offset
            ok = (earlier_bar >= 0) & (position < n)
            self.proposals[streams, column] = np.where(ok, self.music[streams, np.minimum(position, n - 1)], 0)
            self.available[streams, column] = ok
        place = np.minimum(self.part_bar[streams], MOST_PART_BARS - 1)
        earlier_bar = self.part_bars[streams, (self.part[streams] - 1) % 3, place]
        position = self.bar_starts[streams, np.maximum(earlier_bar, 0)] + offset
        ok = (self.part[streams] >= 1) & (self.part_bar[streams] < MOST_PART_BARS) & (earlier_bar >= 0) & (position < n)
        self.proposals[streams, len(SOURCES) - 1] = np.where(ok, self.music[streams, np.minimum(position, n - 1)], 0)
        self.available[streams, len(SOURCES) - 1] = ok
        self.available[looping] = False

    def _grow(self, needed: int) -> None:
        if needed > self.music.shape[1]:
            extra = max(needed, 2 * self.music.shape[1]) - self.music.shape[1]
            self.music = np.pad(self.music, ((0, 0), (0, extra)), constant_values=-1)
            self.runs = np.pad(self.runs, ((0, 0), (0, extra)))
            self._next_runs = np.zeros_like(self.runs)


def _is_per_stream(name: str, value) -> bool:
    """Whether a tracker's attribute holds a row per stream (its tables of characters do not)."""
    return isinstance(value, np.ndarray) and name not in ("_skipped", "_closes_part", "_digit")


@functools.lru_cache(maxsize=8)
def _part_tables(characters: str) -> tuple[np.ndarray, np.ndarray]:
    """Which two characters in a row close a part (``tokens.PART_END``), and which characters are digits
    (an ending's number), as tables over the ids (the last row and entry: no character)."""
    closes = np.zeros((len(characters) + 1, len(characters) + 1), dtype=bool)
    marks = [index for index, character in enumerate(characters) if re.search(re.escape(character), PART_END)]
    for first in marks:
        for second in marks:
            closes[first, second] = bool(re.fullmatch(PART_END, characters[first] + characters[second]))
    digits = np.array([character.isdigit() for character in characters] + [False])
    return closes, digits


def copy_features(characters: str, sequences: list[np.ndarray], streams: int = 256, sources: int = len(SOURCES)):
    """Each sequence's proposals and run bands, as the tracker gives them fed one character at a time.

    Sequences (each a tune from a fresh tracker) are run ``streams`` at a time, the shortest
    together. Returns one ``(proposals, bands)`` pair of int8 arrays of shape
    ``(len(sequence), sources)`` per sequence: the first ``sources`` of SOURCES.
    """
    results: list = [None] * len(sequences)
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    for first in range(0, len(order), streams):
        group = order[first : first + streams]
        longest = max(len(sequences[i]) for i in group)
        padded = np.zeros((len(group), longest), dtype=np.int64)
        for row, i in enumerate(group):
            padded[row, : len(sequences[i])] = sequences[i]
        tracker = CopyTracker(characters, len(group), capacity=max(16, longest), sources=sources)
        proposals = np.zeros((len(group), longest, sources), dtype=np.int8)
        bands = np.zeros_like(proposals)
        for column in range(longest):
            proposals[:, column], bands[:, column] = tracker.feed(padded[:, column])
        for row, i in enumerate(group):
            results[i] = (proposals[row, : len(sequences[i])], bands[row, : len(sequences[i])])
    return results
