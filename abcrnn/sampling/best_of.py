"""Best of N: sample candidates for each tune until one is acceptable, at most N, and keep it.

``sample.sample_from`` wraps its draw in ``best_of`` when ``--best-of`` is above 1. The
candidates of a tune share its header. A candidate is acceptable when it is complete, its
endings go somewhere, it ends at home and does not loop (``critic.acceptable``) and it
passes validation. Each tune's first candidate is drawn; only the tunes without an acceptable
one get more, in rounds, until one is or N are drawn. A round lasts as long as its longest
tune, and a step of the sampler for a few streams costs a third of one for 200 (0.8-0.9 ms
for 6 to 31 jigs against 2.5 ms), not a thirtieth: so a round is as wide as the first, and at
least ``NARROWEST_ROUND`` streams, and when few tunes wait each gets several candidates at once
(``_round_width``). Five default jigs take 1.06 s instead of 1.62 (200 jigs: 13.8 s against
14.0). Which candidate is kept does not depend on the rounds: a tune's candidates are judged
in order, and those after the one kept are dropped unjudged.

The first acceptable candidate is kept, so the tune is a draw from the model's own music among
the tunes that end well, not the likeliest of them (a likelihood term had flattened the style:
fewer leaps and dotted rhythms, more tonic notes). Where none of the N is acceptable, the
critic's ranking of all of them chooses (``critic.ranked``), as before.
"""

from abcrnn.sampling.streams import SampledTune
from abcrnn.text.abc import numbered

NARROWEST_ROUND = 16  # streams: a tune sampled alone gets its later candidates 16 at a time


def best_of(draw, sample_with, candidates: int, time_limit: float, fresh_fields=lambda seed: {}):
    """A ``draw`` that samples up to ``candidates`` tunes for each one asked for and keeps the first acceptable.

    The first candidate is drawn whole (``draw(seeds, progress)``), and the others are sampled
    with its rhythm, meter, key and title (``sample_with(seeds, fields, progress)``), so the
    critic chooses between settings of the same tune and cannot tilt the keys towards those
    the model finds likeliest. Where the first candidate's header lacks a field every tune needs
    (a model fine-tuned on a few tunes can write a title into R: and go on to K:), there is no
    tune to set again: the others are sampled with fresh headers, with the fields the first was
    given (``fresh_fields(seed)``, the rhythm asked for). A tune's candidates come from its own
    seed (the first from the seed itself, candidate ``c`` from ``(seed, c)``), and whether it
    needs more depends only on its own, so the tune kept for a seed is the same whatever other
    tunes are sampled beside it.
    """

    def draw_best(seeds: list[int], progress) -> list[SampledTune]:
        count = len(seeds)
        groups = [[tune] for tune in draw(seeds, None)]
        headers = [_header_fields(group[0].text) or fresh_fields(seed) for group, seed in zip(groups, seeds)]
        kept: list[SampledTune | None] = [None] * count
        checked = [0] * count  # candidates of each tune already judged
        while True:
            _keep_acceptable(groups, checked, kept, time_limit)
            if progress:
                progress(sum(tune is not None for tune in kept))
            waiting = [number for number in range(count) if kept[number] is None and len(groups[number]) < candidates]
            if not waiting:
                break
            width = _round_width(count, len(waiting))
            plan = [(number, candidate) for number in waiting
                    for candidate in range(len(groups[number]), min(len(groups[number]) + width, candidates))]
            drawn = sample_with([(seeds[number], candidate) for number, candidate in plan],
                                [headers[number] for number, _ in plan], None)  # fmt: skip
            for (number, _), tune in zip(plan, drawn):
                groups[number].append(tune)
        unkept = [number for number in range(count) if kept[number] is None]
        for number, tune in zip(unkept, _critics_choices([groups[number] for number in unkept], time_limit)):
            kept[number] = tune
        if progress:
            progress(count)
        for number, (tune, seed) in enumerate(zip(kept, seeds)):
            tune.text, tune.seed = numbered(tune.text, number + 1), seed
        return kept

    return draw_best


def _round_width(tunes: int, waiting: int) -> int:
    """How many more candidates each waiting tune gets in a round: enough to keep the batch as wide as the first
    round's, and at least ``NARROWEST_ROUND`` streams.

    >>> [_round_width(200, waiting) for waiting in (200, 122, 77, 30, 1)], _round_width(1, 1)
    ([1, 1, 2, 6, 200], 16)
    """
    return max(1, max(tunes, NARROWEST_ROUND) // waiting)


def _keep_acceptable(groups: list[list[SampledTune]], checked: list[int], kept: list, time_limit: float) -> None:
    """Judge each waiting tune's new candidates in the order drawn; keep its first acceptable one that is valid.

    Candidates after a tune's first acceptable and valid one are neither judged nor validated.
    """
    from abcrnn.sampling.critic import acceptable
    from abcrnn.text.validate import validate_tunes

    pending = {number: group[checked[number] :] for number, group in enumerate(groups) if kept[number] is None}
    for number, group in enumerate(groups):
        checked[number] = len(group)
    while pending:
        firsts = {}  # each tune's next acceptable candidate
        for number, tunes in pending.items():
            while tunes and not acceptable(tunes[0]):
                tunes.pop(0)
            if tunes:
                firsts[number] = tunes.pop(0)
        reports = validate_tunes([tune.text for tune in firsts.values()], time_limit=time_limit) if firsts else []
        for (number, tune), report in zip(firsts.items(), reports):
            tune.errors = report.errors
            if report.valid:
                kept[number] = tune
        pending = {number: tunes for number, tunes in pending.items() if tunes and kept[number] is None}


def _critics_choices(groups: list[list[SampledTune]], time_limit: float) -> list[SampledTune]:
    """For each group of candidates none of which is acceptable, the critic's first valid one (or its first, invalid).

    Each group's candidates are validated in the critic's order, one at a time and only until one is valid, but the
    groups' next candidates are validated together, in one call on every core, instead of a call each.
    """
    from abcrnn.sampling.critic import ranked
    from abcrnn.text.validate import validate_tunes

    orders = [ranked(group) for group in groups]
    places = [0] * len(groups)  # each group's candidate under consideration, in the critic's order
    chosen: list[SampledTune | None] = [None] * len(groups)
    while True:
        waiting = []
        for number, (group, order) in enumerate(zip(groups, orders)):
            while chosen[number] is None and places[number] < len(order):
                tune = group[order[places[number]]]
                if tune.truncated:
                    tune.errors = ["cut at --max-chars"]
                if tune.errors is None:
                    waiting.append(tune)
                    break
                if not tune.errors:
                    chosen[number] = tune
                else:
                    places[number] += 1
        if not waiting:
            break
        for tune, report in zip(waiting, validate_tunes([tune.text for tune in waiting], time_limit=time_limit)):
            tune.errors = report.errors
    return [tune or group[order[0]] for tune, group, order in zip(chosen, groups, orders)]


def _header_fields(tune: str) -> dict[str, str] | None:
    """The fields a tune's other candidates are sampled with: its rhythm (or none), meter, key and title;
    None where its header lacks a field every tune needs."""
    from abcrnn.text.abc import REQUIRED_FIELDS, header_fields

    fields = header_fields(tune)
    if not all(fields.get(letter) for letter in REQUIRED_FIELDS):
        return None
    return {letter: fields.get(letter, "") for letter in "RMKT" if fields.get(letter) or letter == "R"}
