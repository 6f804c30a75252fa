"""The musician's measures: do a tune's phrases come back, and does it come home?

A jig is built from phrases that return (bar 5 answers bar 1, the second ending echoes
the first) and its parts end on the tonic or the dominant. These measures read the tune
as music21 does, the first voice's bars as written (repeats not expanded), each bar as
the MIDI numbers of its notes in order (grace notes left out, a chord by its top note):

- ``bars_return``: the share of bars whose notes equal those of another bar of the tune;
- ``phrases_return``: the same for each two consecutive bars;
- ``ends_on_tonic``: the last note is the key's tonic (``K:Ador`` -> A), in any octave;
- ``parts_end_home``: the share of parts (ended by a repeat, a double or a final bar
  line) whose last note is the tonic or the dominant;
- ``first_part_on_tonic``: the first part ends on the key's tonic letter, and
  ``ends_as_first_part``: the last part ends on the letter the first part ended on (both read
  from the text as the critic reads a tune's home, ``bars.part_finals``: a first ending does not
  close a part; None for a tune of one part). Of the corpus jigs 84% and 90%; the shipped
  model alone writes about half of each, which is why its tunes end on the tonic half the time;
- ``closes_as_first_part``: the last part's last bar is the first part's last bar, as written
  (``bars.closes_as_first_part``; None for a tune of one part): a jig's second part mostly comes home
  with the first part's cadence (of corpora/jigs.abc's tunes 68%; of the shipped model's own, 15%);
- ``loops``: a passage of one, two or four bars comes three times running (rare in the
  corpus: a tune that does is stuck, not answering itself);
- ``range``: semitones from the lowest note to the highest;
- ``steps`` and ``leaps``: the shares of moves of at most 2 semitones and of 7 or more.

Durations are ignored: a bar that returns with one note held longer still returns.
"""

from collections import Counter

from abcrnn.text.bars import closes_as_first_part, part_finals, tonic_letter

STEP, LEAP = 2, 7  # semitones
_PART_ENDS = {"double", "final", "light-light", "light-heavy", "heavy-light", "heavy-heavy"}


def returning_share(items: list[tuple]) -> float:
    """The share of items equal to another item of the list.

    >>> returning_share([(1, 2), (3,), (1, 2), (4,)])
    0.5
    """
    counts = Counter(items)
    return sum(counts[item] > 1 for item in items) / len(items) if items else 0.0


def score_bars(score) -> tuple[list[tuple[int, ...]], list[bool]]:
    """The first voice's bars as tuples of MIDI numbers, and for each whether it ends a part."""
    part = score.parts[0] if score.parts else score
    bars, ends = [], []
    for measure in part.getElementsByClass("Measure"):
        pitches = []
        for element in measure.recurse().notes:
            if element.duration.isGrace or element.duration.quarterLength == 0:
                continue
            pitches.append(max(p.midi for p in element.pitches) if element.isChord else element.pitch.midi)
        if not pitches:
            continue
        right = measure.rightBarline
        bars.append(tuple(pitches))
        ends.append(right is not None and (getattr(right, "direction", None) == "end" or right.type in _PART_ENDS))
    return bars, ends


def plays_three_times_running(bars: list[tuple[int, ...]]) -> bool:
    """Whether a passage of one, two or four bars comes three times in a row.

    >>> plays_three_times_running([(1,), (2,), (1,), (2,), (1,), (2,)]), plays_three_times_running([(1,), (1,), (2,)])
    (True, False)
    """
    return any(bars[i : i + k] == bars[i + k : i + 2 * k] == bars[i + 2 * k : i + 3 * k]
               for k in (1, 2, 4) for i in range(len(bars) - 3 * k + 1))  # fmt: skip


def form_measures(bars: list[tuple[int, ...]], part_ends: list[bool], tonic: int | None) -> dict:
    """The measures of the module docstring, from a tune's bars (see ``score_bars``).

    >>> measures = form_measures([(62, 64), (66,), (62, 64), (69, 62)], [False, True, False, True], 2)
    >>> measures["bars_return"], measures["phrases_return"], measures["ends_on_tonic"], measures["parts_end_home"]
    (0.5, 0.0, True, 0.5)
    """
    notes = [pitch for bar in bars for pitch in bar]
    moves = [abs(b - a) for a, b in zip(notes, notes[1:])]
    home = {tonic, (tonic + 7) % 12} if tonic is not None else set()
    part_last = [bar[-1] for bar, end in zip(bars, part_ends) if end] or ([bars[-1][-1]] if bars else [])
    return {
        "bars_return": returning_share(bars),
        "phrases_return": returning_share([bars[i] + (-1,) + bars[i + 1] for i in range(len(bars) - 1)]),
        "ends_on_tonic": bool(notes) and tonic is not None and notes[-1] % 12 == tonic,
        "parts_end_home": sum(pitch % 12 in home for pitch in part_last) / len(part_last) if part_last else 0.0,
        "loops": plays_three_times_running(bars),
        "range": max(notes) - min(notes) if notes else 0,
        "steps": sum(move <= STEP for move in moves) / len(moves) if moves else 0.0,
        "leaps": sum(move >= LEAP for move in moves) / len(moves) if moves else 0.0,
    }


def cadence_measures(tune: str) -> dict:
    """Where the parts of a tune end: ``first_part_on_tonic`` and ``ends_as_first_part`` (module doc).

    >>> cadence_measures("X:1\\nK:G\\n|:GAB d2B|1 cBA G2A:|2 cBA G3||\\n|:gfe dBG|cBA B3:|")
    {'first_part_on_tonic': True, 'ends_as_first_part': False, 'closes_as_first_part': False}
    >>> cadence_measures("X:1\\nK:G\\n|:GAB d2B|cBA G3:|\\n|:gfe dBG|c2A G3:|")["closes_as_first_part"]
    False
    >>> cadence_measures("X:1\\nK:G\\nGAB dBG|cBA G3|]")
    {'first_part_on_tonic': None, 'ends_as_first_part': None, 'closes_as_first_part': None}
    """
    finals, tonic = part_finals(tune), tonic_letter(tune)
    if len(finals) < 2 or tonic is None:
        return {"first_part_on_tonic": None, "ends_as_first_part": None, "closes_as_first_part": None}
    return {"first_part_on_tonic": finals[0] == tonic, "ends_as_first_part": finals[-1] == finals[0],
            "closes_as_first_part": closes_as_first_part(tune)}


MEASURES = ("bars_return", "phrases_return", "ends_on_tonic", "parts_end_home", "first_part_on_tonic",
            "ends_as_first_part", "closes_as_first_part", "loops", "range", "steps", "leaps")
