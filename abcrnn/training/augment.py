"""Training in every key: each epoch moves each training tune into a key players use.

A tune may move by -6 to +6 semitones when it then still lies in a playable
range, G3 to B6: the fiddle's open G string is the lowest note of the folk
collections (tunes in G and D reach down to it), and B6 is as high as these
tunes climb in third position on the fiddle and on a whistle's third octave.
Among the moves that fit, one is drawn with the weight the key it lands on
has in the corpus, tonic and mode together: a major tune goes to D and G far
more often than to Db, and an E minor tune to A minor or stays, rather than to
B minor, which shares D major's signature but is rare. So the keys the model
sees stay as the music has them, mode by mode. The original key is always
allowed.
"""

from collections import Counter

import numpy as np

from abcrnn.text.transpose import TransposeError, key_name, moved_key_name, transpose_tune, written_pitches

LOWEST_PITCH, HIGHEST_PITCH = 55, 95  # G3 and B6, as MIDI pitches
INTERVALS = range(-6, 7)
# Every character a transposition can write, so the vocabulary holds them whatever the corpus.
TRANSPOSITION_CHARACTERS = "ABCDEFGabcdefg^_=,'#b"


class KeyMover:
    """Draws a key for each training tune, epoch by epoch, and caches the moved texts."""

    def __init__(self, tunes: list[str], corpus_tunes: list[str]):
        self.tunes = tunes
        self.key_weights = _key_name_weights(corpus_tunes)
        self.choices = [self._choices(tune) for tune in tunes]
        self.cache: dict[tuple[int, int], str] = {}

    def _choices(self, tune: str) -> tuple[list[int], np.ndarray]:
        """The moves that keep ``tune`` playable, and the chance of each."""
        try:
            pitches = written_pitches(tune)
        except TransposeError:
            return [0], np.ones(1)
        if not pitches:
            return [0], np.ones(1)
        low, high = min(pitches), max(pitches)
        moves = [n for n in INTERVALS if n == 0 or (low + n >= LOWEST_PITCH and high + n <= HIGHEST_PITCH)]
        weights = np.array([self.key_weights[moved_key_name(tune, n)] + 1 for n in moves], dtype=float)
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
        """Expected training tunes per key (``G``, ``Em``, ``Ador``) in an epoch."""
        counts: Counter = Counter()
        for tune, (moves, chances) in zip(self.tunes, self.choices):
            for semitones, chance in zip(moves, chances):
                try:
                    counts[moved_key_name(tune, semitones)] += chance
                except TransposeError:
                    continue
        return counts


def _key_name_weights(tunes: list[str]) -> Counter:
    """How many corpus tunes are in each key (tonic and mode); a move adds one so that no key is impossible."""
    counts: Counter = Counter()
    for tune in tunes:
        try:
            counts[key_name(tune)] += 1
        except TransposeError:
            pass
    return counts
