"""Best of N: sample several candidates for each tune and keep the one the critic ranks first.

``sample.sample_from`` wraps its draw in ``best_of`` when ``--best-of`` is above 1. The
candidates of a tune share its header; the critic (``critic.py``) orders each tune's
candidates, each on its own (no quota over the batch), and the first that passes
validation is kept.
"""

from abcrnn.sampling.streams import SampledTune
from abcrnn.training.data import numbered


def best_of(draw, sample_with, candidates: int, time_limit: float):
    """A ``draw`` that samples ``candidates`` tunes for each one asked for and keeps the critic's choice.

    The candidates of a tune share its header: the first is drawn whole (``draw(seeds, progress)``),
    and the others are sampled with its rhythm, meter, key and title (``sample_with(seeds, fields,
    progress)``), so the critic chooses between settings of the same tune and cannot tilt
    the keys towards those the model finds likeliest. Each tune's candidates are then
    validated in the critic's order, all tunes' next candidates together, until one passes
    (or none is left: then the critic's first is kept, invalid). A tune's candidates come from its
    own seed (the first from the seed itself, candidate ``c`` from ``(seed, c)``), so the tune kept
    for a seed is the same whatever other tunes are sampled beside it.
    """
    from abcrnn.sampling.critic import ranked
    from abcrnn.text.validate import validate_tunes

    def draw_best(seeds: list[int], progress) -> list[SampledTune]:
        count = len(seeds)
        first = draw(seeds, None)
        headers = [_header_fields(tune.text) for tune in first]
        on_candidate = progress and (lambda done: done % (candidates - 1) or progress(done // (candidates - 1)))
        others = sample_with([(seed, candidate) for seed in seeds for candidate in range(1, candidates)],
                             [fields for fields in headers for _ in range(candidates - 1)], on_candidate)  # fmt: skip
        groups = [[tune, *others[number * (candidates - 1) : (number + 1) * (candidates - 1)]]
                  for number, tune in enumerate(first)]  # fmt: skip
        orders = [ranked(group) for group in groups]
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
        for number, (tune, seed) in enumerate(zip(kept, seeds)):
            tune.text, tune.seed = numbered(tune.text, number + 1), seed
        return kept

    return draw_best


def _header_fields(tune: str) -> dict[str, str]:
    """The fields a tune's other candidates are sampled with: its rhythm (or none), meter, key and title."""
    from abcrnn.text.abc import header_fields

    fields = header_fields(tune)
    return {letter: fields.get(letter, "") for letter in "RMKT" if fields.get(letter) or letter == "R"}
