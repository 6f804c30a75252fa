"""The critic of ``sample --best-of N``: of N candidates for a tune, which to keep.

Validity comes first (a tune that fails ``abcrnn validate`` never beats one that passes),
then a score that adds the model's own belief in the music to two things a musician listens
for and the model alone gets wrong too often (see ``form.py``):

    score = mean log-likelihood per character of music (nats, at temperature 1)
          + TONIC_WEIGHT if the tune ends on its tonic
          + RETURN_WEIGHT x the share of its bars that come back in the tune

The checks read the text as written (no music21), so ranking costs little; the candidates
are then validated in rank order until one passes, so a tune usually costs one validation.
"""

import re

from abcrnn.sampling.form import returning_share
from abcrnn.text.abc import header_fields

TONIC_WEIGHT = 1.0  # nats per character: ending at home outweighs any likelier tune
RETURN_WEIGHT = 0.5  # for a tune whose every bar returns


def ends_on_tonic(tune: str, bars: list[str]) -> bool:
    """Whether the last note written is the key's tonic letter (octave and accidentals aside).

    >>> ends_on_tonic("X:1\\nK:Ador\\nABc|c2A|", ["ABc", "c2A"])
    True
    """
    key = header_fields(tune).get("K", "").strip()
    notes = re.findall(r"[A-Ga-g]", bars[-1]) if bars else []
    return bool(notes and key[:1].upper() in "ABCDEFG" and key[:1] and notes[-1].upper() == key[0].upper())


def critic_score(tune: str, mean_log_likelihood: float) -> float:
    """The score of the module docstring (higher is better)."""
    from abcrnn.sampling.quality import written_bars

    bars = written_bars(tune)
    return mean_log_likelihood + TONIC_WEIGHT * ends_on_tonic(tune, bars) + RETURN_WEIGHT * returning_share(bars)


def ranked(candidates: list) -> list[int]:
    """The candidates' indices, best first by the critic's score; one cut at --max-chars ranks below every complete one.

    ``candidates`` are ``streams.SampledTune``. Validity, which ranks first, costs a music21
    reading: the caller validates in this order and keeps the first valid one.
    """
    score = {index: (not tune.truncated, critic_score(tune.text, tune.mean_log_likelihood))
             for index, tune in enumerate(candidates)}  # fmt: skip
    return sorted(score, key=score.__getitem__, reverse=True)
