"""The critic of ``sample --best-of N``: of N candidates for a tune, which to keep.

Validity comes first (a tune that fails ``abcrnn validate`` never beats one that passes),
then a score that adds the model's own belief in the music to two things a musician listens
for and the model alone gets wrong too often (see ``form.py``):

    score = mean log-likelihood per character of music (nats, at temperature 1)
          + TONIC_WEIGHT if the tune ends on its tonic
          + RETURN_WEIGHT x the share of its bars that come back in the tune

The checks read the text as written (no music21), so ranking costs little beside
validation, which ``--valid-only`` and the tune book do anyway.
"""

import re

from abcrnn.sampling.form import returning_share
from abcrnn.text.abc import header_fields

TONIC_WEIGHT = 0.3  # nats per character: ending at home outweighs a slightly likelier tune
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


def best_candidate(candidates: list, valid: list[bool]) -> int:
    """The index of the candidate to keep: valid first, then the highest ``critic_score``.

    ``candidates`` are ``streams.SampledTune``; a tune cut at --max-chars ranks below every complete one.
    """
    ranks = [(flag, not tune.truncated, critic_score(tune.text, tune.mean_log_likelihood))
             for tune, flag in zip(candidates, valid)]  # fmt: skip
    return max(range(len(candidates)), key=lambda index: ranks[index])
