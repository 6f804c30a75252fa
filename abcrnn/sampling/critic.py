"""The critic of ``sample --best-of N``: of N candidates for a tune, which to keep.

Validity comes first (a tune that fails ``abcrnn validate`` never beats one that passes),
then endings that go somewhere (``text.endings``: a tune that writes a first ending again
before any second, for one, is played one way by abcrnn's MIDI and another by abc2midi),
then a score that adds the model's own belief in the music to two things a musician listens
for and the model alone gets wrong too often (see ``form.py``):

    score = mean log-likelihood per character of music (nats, at temperature 1)
          + TONIC_WEIGHT if the tune ends as it should: on its tonic, or not
          + RETURN_WEIGHT x the share of its bars that come back in the tune
          - LOOP_WEIGHT x the share of its bars that loop: the bar before again, or a
            two-bar figure played a third time in a row

Whether a tune should end on its tonic is drawn for it with the corpus's own share for its
rhythm (82% of the corpus jigs end there, 66% of the reels, 42% of the slip jigs), so the
critic brings the samples' endings to the corpus's instead of sending every tune home.

The checks read the text as written (no music21), so ranking costs little; the candidates
are then validated in rank order until one passes, so a tune usually costs one validation.
"""

from abcrnn.sampling.form import returning_share
from abcrnn.text.bars import ends_on_tonic, written_bars
from abcrnn.text.endings import ending_errors

TONIC_WEIGHT = 1.0  # nats per character: ending at home outweighs any likelier tune
RETURN_WEIGHT = 0.25  # for a tune whose every bar returns
# Phrases come back, but loops are rare in the corpus (2.6% of the jigs' bars; in 99% of the
# jigs under 18%); a model that copies can loop on a bar or two until the tune ends.
LOOP_WEIGHT = 2.0


def critic_score(tune: str, mean_log_likelihood: float, wants_tonic: bool = True) -> float:
    """The score of the module docstring (higher is better)."""
    bars = written_bars(tune)
    ends_as_it_should = ends_on_tonic(tune) == wants_tonic
    return mean_log_likelihood + TONIC_WEIGHT * ends_as_it_should + RETURN_WEIGHT * returning_share(bars) \
        - LOOP_WEIGHT * looping_share(bars)


def looping_share(bars: list[str]) -> float:
    """The share of bars (after the first) that repeat the bar before, or a two-bar figure a third time.

    >>> round(looping_share(["a", "a", "b", "c", "b", "c", "b"]), 3), looping_share(["a", "b", "a", "c"])
    (0.333, 0.0)
    """
    looping = [bars[i] == bars[i - 1] or (i >= 4 and bars[i] == bars[i - 2] == bars[i - 4])
               for i in range(1, len(bars))]  # fmt: skip
    return sum(looping) / max(1, len(looping))


def tier(tune) -> tuple[bool, bool]:
    """What ranks a candidate before its score: complete (not cut at --max-chars), then endings that go somewhere."""
    return not tune.truncated, not ending_errors(tune.text)


def ranked(candidates: list, wants_tonic: bool = True) -> list[int]:
    """The candidates' indices, best first by the critic's score; one cut at --max-chars ranks below every complete one,
    and one with an ending error below every complete one without.

    ``candidates`` are ``streams.SampledTune``. Validity, which ranks first, costs a music21
    reading: the caller validates in this order and keeps the first valid one.
    """
    score = {index: (*tier(tune), critic_score(tune.text, tune.mean_log_likelihood, wants_tonic))
             for index, tune in enumerate(candidates)}  # fmt: skip
    return sorted(score, key=score.__getitem__, reverse=True)
