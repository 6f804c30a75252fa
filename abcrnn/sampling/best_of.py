"""Best of N: sample candidates for each tune until one is acceptable, at most N, and keep it.

``sample.sample_from`` wraps its draw in ``best_of`` when ``--best-of`` is above 1. The
candidates of a tune share its header. A candidate is acceptable when it is complete, its
endings go somewhere, it ends at home and does not loop (``critic.acceptable``) and it
passes validation.

All candidates are drawn in one batch of streams (``_Candidates``): each tune's first, and as
each candidate finishes it is judged and, unless it is acceptable, the tune's next joins the
batch at once, starting where the tune's music starts (``streams.HeaderStart``) instead of
writing the header again. A step of the sampler for a few streams costs a third of one for
200 (0.8-0.9 ms for 6 to 31 jigs against 2.5 ms), not a thirtieth, so the batch is kept as
wide as the first draw, and at least ``NARROWEST_BATCH`` streams: when few tunes wait, each
has several candidates in it at once (``_share``), and those after an acceptable one
stop. The acceptable candidates are then validated together; a tune whose candidate fails
goes on drawing. Which candidate is kept does not depend on the batch: a tune's candidates
are judged in order, and those after the one kept are dropped unjudged.

The first acceptable candidate is kept, so the tune is a draw from the model's own music among
the tunes that end well, not the likeliest of them (a likelihood term had flattened the style:
fewer leaps and dotted rhythms, more tonic notes). Where none of the N is acceptable, the
critic's ranking of all of them chooses (``critic.ranked``), as before.
"""

from abcrnn.sampling.streams import SampledTune
from abcrnn.text.abc import numbered

NARROWEST_BATCH = 16  # streams: a tune sampled alone draws its later candidates 16 at a time


def best_of(draw, sample_with, candidates: int, time_limit: float, fresh_fields=lambda seed: {}):
    """A ``draw`` that samples up to ``candidates`` tunes for each one asked for and keeps the first acceptable.

    The first candidate is drawn whole (``draw(seeds, progress)``), and the others are sampled
    with its header (``sample_with(seeds, fields, progress, starts, refill)``), so the critic
    chooses between settings of the same tune and cannot tilt the keys towards those the model
    finds likeliest. They start where its music does, from the engine state its draw recorded
    (``streams.HeaderStart``), instead of writing the header again: a fifth of a jig's
    characters. Where there is no such state (a draw that records none), they are given its
    rhythm, meter, key and title as ``fields`` to write. Where the first candidate's header
    lacks a field every tune needs (a model fine-tuned on a few tunes can write a title into R:
    and go on to K:), there is no tune to set again: the others are sampled with fresh headers,
    with the fields the first was given (``fresh_fields(seed)``, the rhythm asked for). A tune's
    candidates come from its own seed (the first from the seed itself, candidate ``c`` from
    ``(seed, c)``), and whether it needs more depends only on its own, so the tune kept for a
    seed is the same whatever other tunes are sampled beside it.
    """

    def draw_best(seeds: list[int], progress) -> list[SampledTune]:
        count = len(seeds)
        groups: list[list[SampledTune]] = [[] for _ in seeds]
        starts, headers = [None] * count, [None] * count

        def read_header(number: int, first: SampledTune) -> None:
            # Where the first candidate's header is whole, the others start from its end instead of writing it.
            fields = _header_fields(first.text)
            starts[number] = first.header if fields else None
            headers[number] = fields or fresh_fields(seeds[number])

        to_sample = lambda number, candidate: ((seeds[number], candidate), headers[number], starts[number])  # noqa
        drawing = _Candidates(to_sample, groups, candidates)
        drawing.draw(lambda refill: draw(seeds, None, refill), list(range(count)), read_header)
        kept: list[SampledTune | None] = [None] * count
        checked = [0] * count  # candidates of each tune already judged
        while True:
            _keep_acceptable(groups, checked, kept, time_limit, drawing.judged)
            if progress:
                progress(sum(tune is not None for tune in kept))
            waiting = [number for number in range(count) if kept[number] is None and len(groups[number]) < candidates]
            if not waiting:
                break
            drawing.draw(lambda refill, tunes: sample_with(*tunes, refill), waiting)
        unkept = [number for number in range(count) if kept[number] is None]
        for number, tune in zip(unkept, _critics_choices([groups[number] for number in unkept], time_limit)):
            kept[number] = tune
        if progress:
            progress(count)
        for number, (tune, seed) in enumerate(zip(kept, seeds)):
            tune.text, tune.seed, tune.header = numbered(tune.text, number + 1), seed, None
        return kept

    return draw_best


class _Candidates:
    """Draws tunes' candidates, in order, in one batch that stays full, until each tune has an acceptable one or
    ``candidates`` in all, and adds them to ``groups`` in order.

    A candidate is judged as it finishes (``judged``: whether it is acceptable, by its id), and another of its
    tune takes its place unless it is acceptable; those drawn after an acceptable one stop (and are drawn
    again, the same, if it fails validation). Each tune has as many candidates in the batch at once as keep it
    as wide as the first draw (``_share``), so the last tunes to wait draw several at once.
    """

    def __init__(self, to_sample, groups: list[list[SampledTune]], candidates: int):
        self.to_sample, self.groups, self.candidates = to_sample, groups, candidates
        self.judged: dict[int, bool] = {}

    def draw(self, run, waiting: list[int], read_header=None) -> None:
        """Draw more candidates of the waiting tunes. With ``read_header``, ``run(refill)`` draws their first
        candidates, and each is read by ``read_header(tune, candidate)`` before its others start; without,
        ``run(refill, (seeds, fields, progress, starts))`` draws the others."""
        self.waiting, self.read_header = waiting, read_header
        self.issued = {number: len(self.groups[number]) for number in waiting}
        self.running, self.drawn = dict.fromkeys(waiting, 0), {number: {} for number in waiting}
        self.found: dict[int, int] = {}  # each tune's first acceptable candidate so far
        self.plan: list[tuple[int, int]] = []  # each stream's tune and candidate, in the order they join the batch
        self.stopped: set[int] = set()
        if read_header:
            self.ready: set[int] = set()
            for number in waiting:
                self.plan.append((number, 0))
                self.issued[number], self.running[number] = 1, 1
            run(self.refill)
        else:
            self.ready = set(waiting)
            seeds, fields, starts = zip(*self.more())
            run(self.refill, (list(seeds), list(fields), None, list(starts)))
        for number in waiting:  # each tune's candidates in order, up to the first that stopped
            while len(self.groups[number]) in self.drawn[number]:
                self.groups[number].append(self.drawn[number].pop(len(self.groups[number])))

    def refill(self, finished: list[tuple[int, SampledTune]]) -> tuple[list[tuple], list[int]]:
        """Judge the candidates that finished; return the candidates to draw next and the streams to stop."""
        for index, tune in finished:
            number, candidate = self.plan[index]
            self.running[number] -= 1
            self.drawn[number][candidate] = tune
            if candidate == 0 and self.read_header:
                self.read_header(number, tune)
                self.ready.add(number)
            if _is_acceptable(tune, self.judged) and candidate < self.found.get(number, self.candidates):
                self.found[number] = candidate
        unwanted = [index for index, (number, candidate) in enumerate(self.plan)
                    if candidate > self.found.get(number, self.candidates) and candidate not in self.drawn[number]
                    and index not in self.stopped]  # fmt: skip
        for index in unwanted:
            self.stopped.add(index)
            self.running[self.plan[index][0]] -= 1
        return self.more(), unwanted

    def more(self) -> list[tuple]:
        """The next candidates to draw: each waiting tune's, up to its share of the batch."""
        open_ = [number for number in self.waiting
                 if number not in self.found and self.issued[number] < self.candidates]  # fmt: skip
        each, new = _share(len(self.groups), len(open_)) if open_ else 0, []
        for number in open_:
            while number in self.ready and self.running[number] < each and self.issued[number] < self.candidates:
                new.append((number, self.issued[number]))
                self.issued[number] += 1
                self.running[number] += 1
        self.plan.extend(new)
        return [self.to_sample(number, candidate) for number, candidate in new]


def _share(tunes: int, waiting: int) -> int:
    """How many candidates each waiting tune has in the batch at once: enough to keep the batch as wide as the
    first draw, and at least ``NARROWEST_BATCH`` streams.

    >>> [_share(200, waiting) for waiting in (200, 122, 77, 30, 1)], _share(1, 1)
    ([1, 1, 2, 6, 200], 16)
    """
    return max(1, max(tunes, NARROWEST_BATCH) // waiting)


def _keep_acceptable(groups: list[list[SampledTune]], checked: list[int], kept: list, time_limit: float,
                     judged: dict[int, bool]) -> None:  # fmt: skip
    """Judge each waiting tune's new candidates in the order drawn (or read ``judged``); keep its first acceptable
    one that is valid.

    Candidates after a tune's first acceptable and valid one are neither judged nor validated.
    """
    from abcrnn.text.validate import validate_tunes

    pending = {number: group[checked[number] :] for number, group in enumerate(groups) if kept[number] is None}
    for number, group in enumerate(groups):
        checked[number] = len(group)
    while pending:
        firsts = {}  # each tune's next acceptable candidate
        for number, tunes in pending.items():
            while tunes and not _is_acceptable(tunes[0], judged):
                tunes.pop(0)
            if tunes:
                firsts[number] = tunes.pop(0)
        reports = validate_tunes([tune.text for tune in firsts.values()], time_limit=time_limit) if firsts else []
        for (number, tune), report in zip(firsts.items(), reports):
            tune.errors = report.errors
            if report.valid:
                kept[number] = tune
        pending = {number: tunes for number, tunes in pending.items() if tunes and kept[number] is None}


def _is_acceptable(tune: SampledTune, judged: dict[int, bool]) -> bool:
    """``critic.acceptable``, judged once for each candidate (``judged``: by its id)."""
    from abcrnn.sampling.critic import acceptable

    if id(tune) not in judged:
        judged[id(tune)] = acceptable(tune)
    return judged[id(tune)]


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
