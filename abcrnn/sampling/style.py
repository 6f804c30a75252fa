"""The long tail of a style: pitch, interval and note-length mixes, and how well a classifier tells two sets apart.

Each tune is read as written (``text.timing``: notes with their lengths and pitches, chords by
their top note, rests and grace notes left out) into a few mixes a musician would recognise:

- pitch classes as degrees of the key (semitones above K:'s tonic: 0 the tonic, 10 the flat
  seventh of the Mixolydian and Dorian tunes, 11 the major seventh);
- melodic moves: repeated note, step (1-2 semitones), third (3-4), fourth (5-6), fifth or more;
- note lengths in beats (a dotted quarter in 6/8 and 9/8, a quarter in 2/4, a half in C|):
  below a third of a beat, a third, a half, dotted (three quarters, or a beat and a half), a
  beat, more; and the share of a tune's notes in a dotted pair (``A>B``, ``A3/2B/``).

``tonic_shares`` splits the tonic's share of the notes by where a tune ends and where in the bar a
note falls: a sampler can match the corpus's share in all while writing tunes that lean on the
tonic where they end at home and avoid it where they do not (the shipped model does).

``two_sample_auc`` trains a logistic regression to tell one set of tunes from another on these
mixes and scores it by cross-validated area under the ROC curve: 0.5 where the sets cannot be
told apart (two halves of one collection), 1.0 where every tune can. The features it leans on
most are those that still differ.
"""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

DEGREES = [f"degree {semitones}" for semitones in range(12)]
MOVES = ["repeat", "step", "third", "fourth", "fifth or more"]
LENGTHS = ["under 1/3 beat", "1/3 beat", "1/2 beat", "dotted", "1 beat", "longer"]
FEATURES = DEGREES + MOVES + LENGTHS + ["in a dotted pair"]


@dataclass
class TuneStyle:
    """One tune's mixes, each a share of its notes (or moves)."""

    degrees: np.ndarray  # (12,)
    moves: np.ndarray  # (5,)
    lengths: np.ndarray  # (6,)
    dotted_pairs: float

    def vector(self) -> np.ndarray:
        return np.concatenate([self.degrees, self.moves, self.lengths, [self.dotted_pairs]])


@dataclass
class TuneReading:
    """One tune as the style reads it, once for every figure: its notes and chords as written (``text.timing``), each
    with its bar's beat length in quarter notes; the MIDI pitch of its key's tonic; whether its last part ends on the
    tonic letter K: names (``text.bars.part_finals``; None where no part ends); and its mixes (None for fewer than
    8 notes)."""

    notes: list
    tonic: int
    ends_on_tonic: bool | None
    style: TuneStyle | None


def style_readings(tunes: list[str]) -> list[TuneReading | None]:
    """Each tune's reading, in order; None for a tune that cannot be read or whose key names no tonic."""
    return [style_reading(tune) for tune in tunes]


def style_reading(tune: str) -> TuneReading | None:
    """The tune's reading (``TuneReading``); None where it cannot be read or its key names no tonic."""
    from abcrnn.text.bars import beat_length, part_finals, tonic_letter
    from abcrnn.text.timing import timed_bars
    from abcrnn.text.transpose import Key, TransposeError

    try:
        bars = timed_bars(tune)
        tonic = Key(bars[0].key).tonic_pitch if bars else None
    except (TransposeError, ValueError, KeyError):
        return None
    if tonic is None:
        return None
    notes = [(note, beat_length(bar.meter)) for bar in bars for note in bar.notes if note.pitches]
    finals = part_finals(tune)
    ends_on_tonic = finals[-1] == tonic_letter(tune) if finals else None
    return TuneReading(notes, tonic, ends_on_tonic, _style(notes, tonic) if len(notes) >= 8 else None)


def tune_style(tune: str) -> TuneStyle | None:
    """The mixes of one tune; None for a tune with no key tonic or fewer than 8 notes."""
    reading = style_reading(tune)
    return reading.style if reading else None


def _style(notes: list, tonic: int) -> TuneStyle:
    pitches = [note.pitches[-1] for note, _ in notes]
    degrees = np.bincount([(pitch - tonic) % 12 for pitch in pitches], minlength=12)
    moves = np.bincount([_move_bin(abs(b - a)) for a, b in zip(pitches, pitches[1:])], minlength=len(MOVES))
    lengths = np.bincount([_length_bin(note.length / beat) for note, beat in notes], minlength=len(LENGTHS))
    dotted = sum(_in_dotted_pair(first.length, second.length, beat)
                 for (first, beat), (second, _) in zip(notes, notes[1:]))  # fmt: skip
    return TuneStyle(degrees / len(pitches), moves / max(1, len(pitches) - 1), lengths / len(notes),
                     2 * dotted / len(notes))  # fmt: skip


def _move_bin(semitones: int) -> int:
    return 0 if semitones == 0 else 1 if semitones <= 2 else 2 if semitones <= 4 else 3 if semitones <= 6 else 4


def _length_bin(beats: Fraction) -> int:
    if beats < Fraction(1, 3):
        return 0
    if beats == Fraction(1, 3):
        return 1
    if beats == Fraction(1, 2):
        return 2
    if beats in (Fraction(3, 4), Fraction(3, 2)):
        return 3
    return 4 if beats == 1 else 5


def _in_dotted_pair(first: Fraction, second: Fraction, beat: Fraction) -> bool:
    """A long note and a short one, 3 to 1 (A>B) or 1 to 3 (A<B), within a beat (not B =F3 in 6/8)."""
    return (first == 3 * second or second == 3 * first) and first + second <= beat


def _styles(readings: list[TuneReading | None]) -> list[TuneStyle]:
    return [reading.style for reading in readings if reading and reading.style]


def mixes(readings: list[TuneReading | None]) -> dict[str, float]:
    """Each feature averaged over the tunes (``style_readings``) that have a style (``FEATURES`` order)."""
    vectors = [style.vector() for style in _styles(readings)]
    mean = np.mean(vectors, axis=0) if vectors else np.zeros(len(FEATURES))
    return dict(zip(FEATURES, mean.tolist()))


TONIC_SPLITS = ("ending on the tonic", "ending elsewhere", "on a beat", "between beats")


def tonic_shares(readings: list[TuneReading | None]) -> dict[str, float | None]:
    """The tonic's share of the notes of the tunes (``style_readings``) that end on K:'s tonic and of those that end
    elsewhere, and of the notes that start on a beat and between beats; each over all such notes together (None
    where there are none).

    >>> tunes = ["X:1\\nM:6/8\\nL:1/8\\nK:G\\nGAB G2A|BAG G3|]", "X:2\\nM:6/8\\nL:1/8\\nK:G\\nABc BAG|dcB A3|]"]
    >>> {name: round(share, 3) for name, share in tonic_shares(style_readings(tunes)).items()}
    {'ending on the tonic': 0.444, 'ending elsewhere': 0.1, 'on a beat': 0.375, 'between beats': 0.182}
    """
    counts = {name: [0, 0] for name in TONIC_SPLITS}  # tonic notes, all notes
    for reading in readings:
        if reading is None or reading.ends_on_tonic is None:
            continue
        ending = TONIC_SPLITS[0] if reading.ends_on_tonic else TONIC_SPLITS[1]
        for note, beat in reading.notes:
            is_tonic = (note.pitches[-1] - reading.tonic) % 12 == 0
            for name in (ending, TONIC_SPLITS[2] if note.onset % beat == 0 else TONIC_SPLITS[3]):
                counts[name][0] += is_tonic
                counts[name][1] += 1
    return {name: tonic / notes if notes else None for name, (tonic, notes) in counts.items()}


def two_sample_auc(first: list[TuneReading | None], second: list[TuneReading | None], folds: int = 5,
                   seed: int = 0) -> tuple[float, list]:  # fmt: skip
    """Cross-validated AUC of a logistic regression telling tunes ``first`` from ``second`` (``style_readings``) by their
    mixes, and the features it leans on most (name, weight: positive where ``first`` has more), largest first.

    The larger set is cut to the smaller one's size (chosen from ``seed``), so that 0.5 is chance.
    """
    rng = np.random.default_rng(seed)
    sets = [np.array([style.vector() for style in _styles(readings)]) for readings in (first, second)]
    size = min(len(rows) for rows in sets)
    if size < folds:
        raise ValueError(f"too few tunes with a style to compare ({size})")
    sets = [rows[rng.permutation(len(rows))[:size]] for rows in sets]
    features, labels = np.concatenate(sets), np.repeat([1.0, 0.0], size)
    order = rng.permutation(len(labels))
    scores = np.zeros(len(labels))
    for fold in range(folds):
        test = order[fold::folds]
        train = np.setdiff1d(order, test)
        weights, bias, centre, scale = _fit(features[train], labels[train])
        scores[test] = ((features[test] - centre) / scale) @ weights + bias
    weights, _, _, _ = _fit(features, labels)
    leaning = sorted(zip(FEATURES, weights.tolist()), key=lambda item: -abs(item[1]))
    return roc_auc(scores, labels), leaning


def _fit(features: np.ndarray, labels: np.ndarray, penalty: float = 1.0, steps: int = 300):
    """L2-penalised logistic regression on standardised features, by gradient descent."""
    centre, scale = features.mean(axis=0), features.std(axis=0) + 1e-9
    x = (features - centre) / scale
    weights, bias = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        predicted = 1 / (1 + np.exp(-(x @ weights + bias)))
        error = predicted - labels
        weights -= 0.5 * (x.T @ error / len(labels) + penalty * weights / len(labels))
        bias -= 0.5 * error.mean()
    return weights, bias, centre, scale


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The area under the ROC curve: the chance a positive scores above a negative (ties count half).

    >>> roc_auc(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 1, 0, 0])), roc_auc(np.array([1, 1]), np.array([1, 0]))
    (1.0, 0.5)
    """
    positives, negatives = scores[labels == 1], scores[labels == 0]
    greater = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (positives[:, None] == negatives[None, :]).sum()
    return float(greater / (len(positives) * len(negatives)))
