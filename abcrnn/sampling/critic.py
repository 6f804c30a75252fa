"""The critic of ``sample --best-of N``: which candidate is acceptable, and of N none of which is, which to keep.

``best_of`` keeps a tune's first acceptable candidate (``acceptable``, then validation).
Where none of its N candidates is, the critic ranks them (``ranked``). Validity comes first (a tune that fails ``abcrnn validate`` never beats one that passes),
then endings that go somewhere (``text.endings``: a tune that writes a first ending again
before any second, for one, is played one way by abcrnn's MIDI and another by abc2midi),
then a score that adds the model's own belief in the music to two things a musician listens
for and the model alone gets wrong too often (see ``form.py``):

    score = mean log-likelihood per character of music (nats, at temperature 1)
          + TONIC_WEIGHT if the tune ends at home: where its own first part ends (its key's
            tonic where it has one part or its first part ends on the dominant;
            ``text.bars.home_letter``)
          + CADENCE_WEIGHT x the share of its parts that end at home or on home's dominant
          + RETURN_WEIGHT x the share of its bars that come back in the tune
          - LOOP_WEIGHT x the share of its bars that loop: the bar before again, or a
            two-bar figure played a third time in a row

Home is read from the tune itself, never planned for a batch: human tunes end at that home
more often than on the tonic K: names (of corpora/folk.abc: jigs 87% against 81%, reels 74%
against 66%, slip jigs 71% against 42%, the difference mostly modal tunes written with the
parent key's signature), so a Dorian tune under K:G is not sent to G.

The checks read the text as written (no music21), so ranking costs little; the candidates
are then validated in rank order until one passes.
"""

from abcrnn.sampling.form import returning_share
from abcrnn.text.bars import ends_at_home, home_letter, part_finals, written_bars
from abcrnn.text.pitches import dominant_letter
from abcrnn.text.endings import ending_errors

TONIC_WEIGHT = 1.0  # nats per character: ending at home outweighs any likelier tune
RETURN_WEIGHT = 0.25  # for a tune whose every bar returns
# Human parts end on a cadence: of the corpus jigs' parts, 87% end on the tonic or the dominant.
CADENCE_WEIGHT = 0.5
# Phrases come back, but loops are rare in the corpus (2.6% of the jigs' bars; in 99% of the
# jigs under 18%); a model that copies can loop on a bar or two until the tune ends.
LOOP_WEIGHT = 2.0


def critic_score(tune: str, mean_log_likelihood: float) -> float:
    """The score of the module docstring (higher is better)."""
    bars = written_bars(tune)
    return mean_log_likelihood + TONIC_WEIGHT * ends_at_home(tune) + CADENCE_WEIGHT * cadence_share(tune) \
        + RETURN_WEIGHT * returning_share(bars) - LOOP_WEIGHT * looping_share(bars)


def cadence_share(tune: str) -> float:
    """The share of the tune's parts that end at home or on home's dominant (``text.bars``).

    >>> cadence_share("X:1\\nK:G\\n|:GAB dBG|ABc d3:|\\n|:gfe dBG|AGF E3:|")
    0.5
    """
    finals, home = part_finals(tune), home_letter(tune)
    return sum(final in (home, dominant_letter(home)) for final in finals) / len(finals) if finals else 0.0


def looping_share(bars: list[str]) -> float:
    """The share of bars (after the first) that repeat the bar before, or a two-bar figure a third time.

    >>> round(looping_share(["a", "a", "b", "c", "b", "c", "b"]), 3), looping_share(["a", "b", "a", "c"])
    (0.333, 0.0)
    """
    looping = [bars[i] == bars[i - 1] or (i >= 4 and bars[i] == bars[i - 2] == bars[i - 4])
               for i in range(1, len(bars))]  # fmt: skip
    return sum(looping) / max(1, len(looping))


# A candidate that loops on more of its bars than nearly any corpus jig is not acceptable.
MOST_LOOPING = 0.18


def acceptable(tune) -> bool:
    """Whether a candidate may be kept without drawing more (validity aside, which ``best_of`` checks after):
    complete, endings that go somewhere, ending at home, and not looping (``MOST_LOOPING``)."""
    return all(tier(tune)) and ends_at_home(tune.text) and looping_share(written_bars(tune.text)) <= MOST_LOOPING


def tier(tune) -> tuple[bool, bool]:
    """What ranks a candidate before its score: complete (not cut at --max-chars), then endings that go somewhere."""
    return not tune.truncated, not ending_errors(tune.text)


def ranked(candidates: list) -> list[int]:
    """The candidates' indices, best first by the critic's score; one cut at --max-chars ranks below every complete one,
    and one with an ending error below every complete one without.

    ``candidates`` are ``streams.SampledTune``. Validity, which ranks first, costs a music21
    reading: the caller validates in this order and keeps the first valid one.
    """
    score = {index: (*tier(tune), critic_score(tune.text, tune.mean_log_likelihood))
             for index, tune in enumerate(candidates)}  # fmt: skip
    return sorted(score, key=score.__getitem__, reverse=True)
