"""The model's context: where each character stands in its bar, its part and its key.

To write whole bars a character model must count: how much of a 6/8 bar ``AFA dfe`` has used
is written in the text, but an LSTM has to add it up from the lengths, and the shipped model
got 12% of its bars wrong doing so (with the copy gate; its endings came home half the time).
Here the counting is done for it. At every character a ``ContextTracker`` reads the tune so far
(``text.following``, the bar guard's reader) and gives one id per context, each fed to the first
LSTM layer as a one-hot beside the character's embedding (``model.build_model``):

- ``remaining``: how much of the bar being written is left, in half unit notes up to
  ``REMAINING_STEPS`` (more counts as that), or that the bar is full, or over; 0 where it
  cannot be said (in the header, in free meter, in a bar the reader is unsure of);
- ``bar_of_part``: bars completed since the part began (its anacrusis counts as one), up to 15;
- ``parts_closed``: bar lines that closed a part so far (``:|``, ``::``, ``||``, ``|]``), up to 7:
  how far through its form the tune is;
- ``tonic``: the letter the current key names as its tonic (``K:``, also a ``K:`` line inside
  the music), C to B.

The context is a function of the text so far, so a sampled tune's context is read from what
the model has written, exactly as a training tune's is: the same tracker runs over each tune
beforehand for training, and one character at a time for sampling and scoring.
"""

import copy
import math

import numpy as np

from abcrnn.text.abc import header_fields, parse_field_line
from abcrnn.text.pitches import LETTERS, key_tonic_letter
from abcrnn.text.following import BarFollower, bar_units_of

CONTEXTS = ("remaining", "bar_of_part", "parts_closed", "tonic")
REMAINING_STEPS = 24  # half unit notes: up to 12 unit notes left are told apart
MOST_BARS = 15
MOST_PARTS = 7
# Each context's ids: 0 "not known", then its values.
BANDS = (3 + REMAINING_STEPS, 2 + MOST_BARS, 2 + MOST_PARTS, 1 + len(LETTERS))
OFFSETS = tuple(int(offset) for offset in np.cumsum((0,) + BANDS[:-1]))  # each context's first row among all


def remaining_band(full, length) -> int:
    """The ``remaining`` id of a bar of ``length`` unit notes so far under a full bar of ``full``.

    >>> from fractions import Fraction
    >>> [remaining_band(Fraction(6), Fraction(n, 2)) for n in (13, 12, 11, 1, 0)], remaining_band(None, 3)
    ([1, 2, 3, 13, 14], 0)
    """
    if full is None or length is None:
        return 0
    left = full - length
    if left < 0:
        return 1
    if left == 0:
        return 2
    return 2 + min(math.ceil(2 * left), REMAINING_STEPS)  # the half unit notes left, rounded up


# The metres the cadence bias tells apart (``model.cadence``): a tune's M: field as it stands when its music
# starts; id 0 for any other, or none.
METRES = (("6/8",), ("9/8",), ("3/4", "3/8"), ("C", "C|", "4/4", "2/2"), ("2/4",))


def metre_id(meter: str) -> int:
    """The id of a meter among ``METRES`` (1 on), 0 for one they lack.

    >>> [metre_id(meter) for meter in ("6/8", " C| ", "2/4", "7/8", "")]
    [1, 4, 5, 0, 0]
    """
    return next((number for number, meters in enumerate(METRES, 1) if meter.strip() in meters), 0)


class TuneReader:
    """One tune's context, read a character at a time."""

    def __init__(self):
        self.line = ""  # the line being written
        self.header = ""
        self.music: str | None = None  # the music so far, once the K: line has ended
        self.follower: BarFollower | None = None
        self.tonic = 0
        self.metre = 0  # ``metre_id`` of the header's M:, once the music starts

    def copied(self) -> "TuneReader":
        """An independent copy: the reader's and its follower's fields are all immutable (text, numbers, fractions),
        so copying the two objects is enough (a third of the time ``copy.deepcopy`` took in sampling)."""
        twin = copy.copy(self)
        twin.follower = copy.copy(self.follower)
        return twin

    def read(self, character: str) -> tuple[int, int, int, int]:
        """The context after ``character``: the ids for predicting the character that follows it."""
        if self.music is None:
            self._read_header(character)
            if self.music is None:
                return (0, 0, 0, self.tonic)
        else:
            self.music += character
            if character == "\n":  # a K: line inside the music changes the key from here
                field = parse_field_line(self.music[self.music.rfind("\n", 0, len(self.music) - 1) + 1 : -1])
                if field and field[0] == "K":
                    self.tonic = _tonic_id(field[1])
        follower = self.follower
        return (
            remaining_band(follower.full, follower.bar_length(self.music)),
            1 + min(follower.part_bars, MOST_BARS),
            1 + min(follower.part_ends, MOST_PARTS),
            self.tonic,
        )

    def _read_header(self, character: str) -> None:
        if character != "\n":
            self.line += character
            return
        self.header += self.line + "\n"
        field = parse_field_line(self.line)
        self.line = ""
        if field and field[0] == "K":  # the music starts after the K: line
            self.tonic = _tonic_id(field[1])
            self.music = ""
            self.follower = BarFollower(bar_units_of(self.header))
            self.metre = metre_id(header_fields(self.header).get("M", ""))


def _tonic_id(key: str) -> int:
    letter = key_tonic_letter(key)
    return 1 + LETTERS.index(letter) if letter else 0


class ContextTracker:
    """The context of many streams at once, each a tune from its start: ``feed(ids)`` -> ``(streams, 4)`` ids."""

    def __init__(self, characters: str, streams: int):
        self.characters = characters
        self.readers = [TuneReader() for _ in range(streams)]

    def select(self, rows) -> "ContextTracker":
        """A tracker holding only the given streams, in that order."""
        chosen = object.__new__(ContextTracker)
        chosen.characters, chosen.readers = self.characters, [self.readers[int(row)] for row in rows]
        return chosen

    @classmethod
    def joined(cls, trackers: list["ContextTracker"]) -> "ContextTracker":
        """One tracker holding copies of the streams of several, one after another."""
        joined = object.__new__(ContextTracker)
        joined.characters = trackers[0].characters
        joined.readers = [reader.copied() for tracker in trackers for reader in tracker.readers]
        return joined

    def feed(self, ids: np.ndarray) -> np.ndarray:
        """Read one character id per stream; return each stream's context ids."""
        return np.array([reader.read(self.characters[i]) for reader, i in zip(self.readers, ids)], dtype=np.int64)

    def metres(self) -> np.ndarray:
        """Each stream's ``metre_id`` as it stands."""
        return np.array([reader.metre for reader in self.readers], dtype=np.int64)


def context_ids(tune: str) -> np.ndarray:
    """The context after each character of a tune read from its start, ``(len(tune), len(CONTEXTS))`` int8.

    >>> context_ids("X:1\\nM:6/8\\nK:G\\nGAB|").tolist()[-5:]
    [[14, 1, 1, 5], [12, 1, 1, 5], [10, 1, 1, 5], [8, 1, 1, 5], [8, 1, 1, 5]]
    """
    return contexts_and_metres(tune)[0]


def contexts_and_metres(tune: str) -> tuple[np.ndarray, np.ndarray]:
    """``context_ids`` and the ``metre_id`` after each character, ``(len(tune),)``.

    >>> ids, metres = contexts_and_metres("X:1\\nM:6/8\\nK:G\\nGAB|")
    >>> metres.tolist()[-5:], bool((ids == context_ids("X:1\\nM:6/8\\nK:G\\nGAB|")).all())
    ([1, 1, 1, 1, 1], True)
    """
    reader, ids, metres = TuneReader(), [], []
    for character in tune:
        ids.append(reader.read(character))
        metres.append(reader.metre)
    return np.array(ids, dtype=np.int8).reshape(len(tune), len(CONTEXTS)), np.array(metres, dtype=np.int64)
