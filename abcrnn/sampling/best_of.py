"""Best of N: sample several candidates for each tune and keep the one the critic ranks first.

``sample.sample_from`` wraps its draw in ``best_of`` when ``--best-of`` is above 1. The
candidates of a tune share its header; which tunes should end on their tonic is planned
for the whole batch (``tonic_plan``); the critic (``critic.py``) orders each tune's
candidates and the first that passes validation is kept.
"""

import numpy as np

from abcrnn.sampling.streams import SampledTune
from abcrnn.training.data import numbered


def best_of(draw, sample_with, candidates: int, time_limit: float, tonic_endings: dict | None = None):
    """A ``draw`` that samples ``candidates`` tunes for each one asked for and keeps the critic's choice.

    The candidates of a tune share its header: the first is drawn whole, and the others are
    sampled with its rhythm, meter, key and title (``sample_with(count, seed, fields,
    progress)``), so the critic chooses between settings of the same tune and cannot tilt
    the keys towards those the model finds likeliest. Which tunes should end on their tonic
    is decided for the whole batch (``tonic_plan``) from ``tonic_endings``, the corpus's
    share per rhythm. Each tune's candidates are then
    validated in the critic's order, all tunes' next candidates together, until one passes
    (or none is left: then the critic's first is kept, invalid).
    """
    from abcrnn.sampling.critic import ranked
    from abcrnn.text.validate import validate_tunes

    def draw_best(count: int, seed: int, progress) -> list[SampledTune]:
        first = draw(count, seed, None)
        headers = [_header_fields(tune.text) for tune in first]
        on_candidate = progress and (lambda done: done % (candidates - 1) or progress(done // (candidates - 1)))
        others = sample_with(count * (candidates - 1), seed + 1, [fields for fields in headers
                                                                  for _ in range(candidates - 1)], on_candidate)
        groups = [[tune, *others[number * (candidates - 1) : (number + 1) * (candidates - 1)]]
                  for number, tune in enumerate(first)]  # fmt: skip
        plan = tonic_plan(groups, tonic_endings or {}, seed)
        orders = [ranked(group, wants) for group, wants in zip(groups, plan)]
        kept: list[SampledTune | None] = [None] * count
        for rank in range(candidates):
            trying = [number for number in range(count) if kept[number] is None]
            tunes = [groups[number][orders[number][rank]] for number in trying]
            complete = [tune for tune in tunes if not tune.truncated]
            reports = iter(validate_tunes([tune.text for tune in complete], time_limit=time_limit))
            for number, tune in zip(trying, tunes):
                tune.errors = ["cut at --max-chars"] if tune.truncated else next(reports).errors
                if not tune.errors or rank == candidates - 1:
                    kept[number] = tune if not tune.errors else groups[number][orders[number][0]]
        for number, tune in enumerate(kept):
            tune.text = numbered(tune.text, number + 1)
        return kept

    return draw_best


def _header_fields(tune: str) -> dict[str, str]:
    """The fields a tune's other candidates are sampled with: its rhythm (or none), meter, key and title."""
    from abcrnn.text.abc import header_fields

    fields = header_fields(tune)
    return {letter: fields.get(letter, "") for letter in "RMKT" if fields.get(letter) or letter == "R"}


def _first_ranked(group: list[SampledTune]) -> list[SampledTune]:
    """The complete candidates of the critic's first tier (``critic.tier``): with well-formed endings if any is."""
    from abcrnn.sampling.critic import tier

    complete = [tune for tune in group if not tune.truncated]
    tiers = [tier(tune) for tune in complete]
    return [tune for tune, rank in zip(complete, tiers) if rank == max(tiers)]


def tonic_plan(groups: list[list[SampledTune]], tonic_endings: dict, seed: int) -> list[bool]:
    """For each tune's candidates, whether the critic should look for a tonic ending.

    As many tunes as the corpus's shares (per rhythm) make on average end on their tonic:
    a tune whose complete candidates all end the same way keeps that ending; among the
    others, chosen in a seeded order, just enough are sent home to reach that number. (Drawn
    tune by tune, the endings fell short: a tune with no candidate ending at home cannot.)
    A rhythm the corpus has no share for always goes home. Only the candidates the critic
    ranks first count: complete, and with endings that go somewhere where a candidate has them.
    """
    from abcrnn.text.abc import header_fields
    from abcrnn.text.bars import ends_on_tonic
    from abcrnn.training.corpus import rhythm_name

    rng = np.random.default_rng([seed, 2])
    shares = [tonic_endings.get(rhythm_name(header_fields(group[0].text).get("R", "")) or "none", 1.0)
              for group in groups]  # fmt: skip
    endings = [{ends_on_tonic(tune.text) for tune in _first_ranked(group)} or {True} for group in groups]
    wanted = int(sum(shares) + rng.random())  # the expected number, rounded up or down at random
    plan = [True in ending for ending in endings]
    free = [index for index, ending in enumerate(endings) if len(ending) == 2]
    fixed_home = sum(plan) - len(free)
    home = min(len(free), max(0, wanted - fixed_home))
    for position, index in enumerate(rng.permutation(free)):
        plan[index] = position < home
    return plan
