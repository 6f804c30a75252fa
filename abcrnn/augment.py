"""Training in every key: each epoch moves each training tune into a key players use.

A tune may move by -6 to +6 semitones when it then still lies in a playable
range, G3 to B6: the fiddle's open G string is the lowest note of the folk
collections (tunes in G and D reach down to it), and B6 is as high as these
tunes climb in third position on the fiddle and on a whistle's third octave.
Among the moves that fit, one is drawn with the weight of the key signature it
lands on in the corpus, so a tune goes to D and G far more often than to Db and
the keys the model sees stay as the music has them. The original key is always
allowed.
"""

from collections import Counter

import numpy as np

from abcrnn.transpose import TransposeError, key_fifths, transpose_tune, written_pitches

LOWEST_PITCH, HIGHEST_PITCH = 55, 95  # G3 and B6, as MIDI pitches
INTERVALS = range(-6, 7)
# Every character a transposition can write, so the vocabulary holds them whatever the corpus.
TRANSPOSITION_CHARACTERS = "ABCDEFGabcdefg^_=,'#b"


class KeyMover:
    """Draws a key for each training tune, epoch by epoch, and caches the moved texts."""

    def __init__(self, tunes: list[str], corpus_tunes: list[str]):
        self.tunes = tunes
        self.key_weights = _key_signature_weights(corpus_tunes)
        self.choices = [self._choices(tune) for tune in tunes]
        self.cache: dict[tuple[int, int], str] = {}

    def _choices(self, tune: str) -> tuple[list[int], np.ndarray]:
        """The moves that keep ``tune`` playable, and the chance of each."""
        try:
            pitches, fifths = written_pitches(tune), key_fifths(tune)
        except TransposeError:
            return [0], np.ones(1)
        if not pitches:
            return [0], np.ones(1)
        low, high = min(pitches), max(pitches)
        moves = [n for n in INTERVALS if n == 0 or (low + n >= LOWEST_PITCH and high + n <= HIGHEST_PITCH)]
        weights = np.array([self.key_weights[_moved_fifths(fifths, n)] for n in moves], dtype=float)
        return moves, weights / weights.sum()

    def epoch_tunes(self, seed: int) -> list[str]:
        """Every training tune, each in the key drawn for it from ``seed``."""
        rng = np.random.default_rng(seed)
        moved = []
        for index, (moves, chances) in enumerate(self.choices):
            semitones = int(rng.choice(moves, p=chances))
            moved.append(self._moved(index, semitones))
        return moved

    def _moved(self, index: int, semitones: int) -> str:
        if (index, semitones) not in self.cache:
            try:
                self.cache[index, semitones] = transpose_tune(self.tunes[index], semitones)
            except TransposeError:  # a tune this cannot move trains as written
                self.cache[index, semitones] = self.tunes[index]
        return self.cache[index, semitones]

    def key_counts(self) -> Counter:
        """Expected tunes per key signature (sharps positive) in an epoch."""
        counts: Counter = Counter()
        for tune, (moves, chances) in zip(self.tunes, self.choices):
            try:
                fifths = key_fifths(tune)
            except TransposeError:
                continue
            for semitones, chance in zip(moves, chances):
                counts[_moved_fifths(fifths, semitones)] += chance
        return counts


def _moved_fifths(fifths: int, semitones: int) -> int:
    """The signature a key lands on when moved, spelled with the fewest accidentals (as the transposer does).

    >>> _moved_fifths(1, 2), _moved_fifths(2, -2), _moved_fifths(0, 6), _moved_fifths(-1, 6)
    (3, 0, 6, 5)
    """
    if semitones == 0:
        return fifths
    moved = (fifths + 7 * semitones) % 12
    return moved - 12 if moved > 6 or (moved == 6 and fifths < 0) else moved


def _key_signature_weights(tunes: list[str]) -> Counter:
    """How many corpus tunes have each key signature, plus one so that no key is impossible."""
    counts = Counter(range(-6, 7))
    for tune in tunes:
        try:
            counts[key_fifths(tune)] += 1
        except TransposeError:
            pass
    return counts
