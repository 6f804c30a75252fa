"""The sampler: many tunes at once from a model bundle's numpy engine, one stream each (no TensorFlow).

Every stream starts from a fresh state, or where another candidate of its tune starts its
music (``HeaderStart``). A tune starts from ``X:`` (or the primer) and ends at the blank line
that ends a tune in ABC, or at ``max_chars``, where it is cut back to its last complete bar.
Streams may join a batch as others finish (``refill``), so that it stays full. Header fields the
user fixes (title, meter, key) are fed to the model in place of the ones it
would have written, so the rest of the tune is sampled to fit them. What a stream is fed and
what the bar guard lets it write next are ``writing``'s; drawing them for a batch is here.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from abcrnn.errors import AbcrnnError
from abcrnn.model.engine import State
from abcrnn.sampling import writing
from abcrnn.sampling.bar_guard import GUARDED_CHARACTERS
from abcrnn.text.abc import MODEL_HEADER_ORDER, WRITTEN_HEADER_ORDER, numbered, reorder_header
from abcrnn.sampling.trimming import draw_without, end_space_runs, row_top_ps, trimmed
from abcrnn.text.tokens import BAR_LINE

# A bar line: |, ||, |], [|, :|, |:, ::, and numbered endings after them.
_BAR_LINE = re.compile(f"({BAR_LINE})")


@dataclass(frozen=True)
class Drawing:
    """How each character is drawn, the same for every tune of a batch (a user gives them as ``SampleSettings``)."""

    temperature: float = 1.0
    top_k: int = 0  # draw the music from its k likeliest characters only (0: from all)
    top_p: float = 1.0  # ... from the likeliest whose probabilities add up to p, where the tune repeats itself
    fresh_top_p: float | None = None  # ... in new material (``trimming``; default: top_p)
    fresh_temperature: float | None = None  # the temperature in new material (default: temperature)
    header_temperature: float | None = None  # for header lines (default: temperature)
    max_chars: int = 2000  # a tune this long is cut back to its last complete bar
    # A bar line may not close a bar short of the meter, but for an anacrusis or a part's end short by a lead-in
    # that the next part makes whole, nor a note start in a full bar or a length overfill it (``bar_guard``);
    # where the model draws one, it draws again.
    whole_bars: bool = True
    break_loops: bool = True  # the copy memory proposes no third playing in a row of a passage (``CopyTracker``)


@dataclass(frozen=True)
class HeaderStart:
    """Where a tune's music starts: its header as written (and any opening music the primer gives) and one
    stream's engine state just before the header's last character, from which another candidate of the tune
    can start instead of writing the header again (``best_of``)."""

    text: str
    music_start: int
    state: State


@dataclass
class SampledTune:
    """One sampled tune's text, whether it was cut at ``max_chars``, how likely the model found it, and its seed."""

    text: str
    truncated: bool = False
    log_likelihood: float = 0.0  # natural log of the model's probability (at temperature 1) of the music it chose
    chosen: int = 0  # characters of music the model chose
    errors: list[str] | None = None  # what validation found, once it has run
    seed: int | tuple | None = None  # what its stream's random numbers came from (``sample_tunes``'s seeds)
    header: HeaderStart | None = field(default=None, repr=False, compare=False)  # with ``header_starts``

    @property
    def mean_log_likelihood(self) -> float:
        """Per chosen character: the critic's measure of how much the model believes in the tune."""
        return self.log_likelihood / max(1, self.chosen)


def cut_to_last_bar(text: str) -> str:
    """Cut an unfinished tune back to its last complete bar (or to its header).

    >>> cut_to_last_bar("X:1\\nK:D\\nABc def|gfe dB")
    'X:1\\nK:D\\nABc def|'
    """
    header_end = re.search(r"^K:.*$", text, re.MULTILINE)
    body_start = header_end.end() if header_end else 0
    bars = list(_BAR_LINE.finditer(text, body_start))
    return text[: bars[-1].end()] if bars else text[:body_start]


def sample_tunes(
    engine,
    vocabulary,
    n: int,
    drawing: Drawing = Drawing(),
    seed: int | list = 0,
    primer: str = "",
    forced: dict[str, str] | list[dict[str, str]] | None = None,
    first_number: int = 1,
    progress=None,
    header_order: str = MODEL_HEADER_ORDER,
    stop=None,
    starts: list[HeaderStart | None] | None = None,
    header_starts: bool = False,
    refill=None,
) -> list[SampledTune]:
    """Sample ``n`` tunes in parallel streams; the same arguments give the same tunes.

    Each stream draws from its own random numbers, and the engine's arithmetic for one stream does
    not depend on the others (``engine._times``), so a tune depends only on its seed and the settings:
    tune ``i`` of ``seed=S`` is the tune of ``seed=S + i`` alone.

    Args:
        engine: the numpy engine of a bundle.
        vocabulary: that bundle's vocabulary.
        drawing: how each character is drawn (temperatures, top-k and top-p, the bar guard, loops, length).
        seed: the first tune's seed (the others follow: ``seed + 1``...), or one seed per tune
            (each an int or a tuple of ints, as numpy's ``default_rng`` takes them).
        forced: header fields to impose, letter -> value (e.g. ``{"K": "Dmix"}``; ``""`` leaves a field out),
            the same for every tune or a list with one per tune.
        first_number: the X: number of the first tune; the rest follow in order.
        progress: called with the number of finished tunes whenever one finishes.
        header_order: the order of header fields in the model's text (``Bundle.header_order``); tunes
            are written in the standard order.
        stop: asked before each character; when it returns a reason (text), sampling ends with that error
            (a server's time limit, or a client that went away).
        starts: per tune, None or the ``HeaderStart`` of another candidate of it: the tune's music is sampled
            from there, and the primer and ``forced`` are not read.
        header_starts: record each tune's ``HeaderStart`` in its ``SampledTune.header``.
        refill: called with ``(index, SampledTune)`` of the tunes that have just finished; it returns more
            tunes to sample, as ``(seed, forced fields, start)``, which join the batch at once and take the
            next indices (``best_of`` keeps the batch full this way), and the indices of tunes no longer
            wanted, which stop where they are. All are returned, those stopped as they stood.
    """
    per_tune = forced if isinstance(forced, list) else [forced or {}] * n
    vocabulary.encode(primer + "".join(value for fields in per_tune for value in fields.values()))  # names unseen ones
    seeds = list(seed) if isinstance(seed, (list, tuple)) else [seed + number for number in range(n)]
    if len(seeds) != n:
        raise ValueError(f"{len(seeds)} seeds for {n} tunes")
    batch = _Batch(engine, vocabulary, drawing, primer, header_order, header_starts)
    batch.add(list(zip(seeds, per_tune, starts or [None] * n)))
    finished: dict[int, SampledTune] = {}
    while batch.active:
        if stop and (reason := stop()):
            raise AbcrnnError(reason)
        done = batch.step()
        if done:
            if refill:
                tunes = [(i, batch.finish(i, first_number + i)) for i in done]
                finished.update(tunes)
                more, unwanted = refill(tunes)
                batch.stop(unwanted)
                batch.add(more)
            if progress:
                progress(len(batch.streams) - len(batch.active))
    return [finished.get(i) or batch.finish(i, first_number + i) for i in range(len(batch.streams))]


class _Batch:
    """The streams being sampled together, their random numbers and the engine's state for the active ones."""

    def __init__(self, engine, vocabulary, drawing: Drawing, primer: str, header_order: str, header_starts: bool):
        self.engine, self.vocabulary, self.drawing = engine, vocabulary, drawing
        self.primer, self.header_order, self.header_starts = primer, header_order, header_starts
        self.index = {character: position for position, character in enumerate(vocabulary.characters)}
        self.guarded = [self.index[c] for c in GUARDED_CHARACTERS if c in self.index and drawing.whole_bars]
        self.header_temperature = drawing.temperature if drawing.header_temperature is None else \
            drawing.header_temperature
        self.fresh_top_p = drawing.top_p if drawing.fresh_top_p is None else drawing.fresh_top_p
        self.fresh_temperature = drawing.temperature if drawing.fresh_temperature is None else \
            drawing.fresh_temperature
        self.streams: list[writing.Stream] = []
        self.seeds, self.rngs, self.fed, self.headers = [], [], [], []
        self.active: list[int] = []
        self.state: State | None = None
        self.awaiting: set[int] = set()  # streams whose header start is still to record

    def add(self, tunes: list[tuple]) -> None:
        """Start sampling ``(seed, forced fields, start)`` tunes beside those already active."""
        if not tunes:
            return
        first = len(self.streams)
        for number, (seed, fields, start) in enumerate(tunes, start=first):
            self.streams.append(writing.start_stream(self.primer, fields, self.header_order) if start is None else
                                writing.Stream(start.text, {}, self.header_order, in_header=False,
                                        music_start=start.music_start))  # fmt: skip
            self.seeds.append(seed)
            self.rngs.append(np.random.default_rng(seed))
            self.fed.append(0 if start is None else start.music_start - 1)
            self.headers.append(start)
            if self.header_starts and start is None:
                self.awaiting.add(number)
        self.active += range(first, len(self.streams))
        break_loops = self.drawing.break_loops
        if not any(start for _, _, start in tunes):
            added = self.engine.initial_state(len(tunes), break_loops=break_loops)
        else:
            fresh = self.engine.initial_state(1, break_loops=break_loops)
            added = State.joined([fresh if start is None else start.state for _, _, start in tunes])
        self.state = added if first == 0 else State.joined([self.state, added])

    def stop(self, unwanted: list[int]) -> None:
        """Stop sampling the given streams."""
        unwanted = set(unwanted)
        keep = [row for row, i in enumerate(self.active) if i not in unwanted]
        if len(keep) < len(self.active):
            self.active = [self.active[row] for row in keep]
            self.state = self.state.select(keep)

    def step(self) -> list[int]:
        """Feed every active stream one character and draw the next where it is the model's to choose; return the
        streams that finished."""
        drawing, active, streams, fed = self.drawing, self.active, self.streams, self.fed
        if self.awaiting:
            _record_header_starts(streams, fed, active, self.state, self.awaiting, self.headers)
        ids = np.array([self.index[streams[i].text[fed[i]]] for i in active])
        log_probs, self.state = self.engine.step(ids, self.state)
        in_header = np.array([[streams[i].in_header] for i in active])
        tempered = self._tempered(log_probs, in_header, np.ones(len(active), bool))
        repeating = self.state.proposes(tempered.argmax(axis=1))  # the tune's own past proposes the likeliest
        if repeating is not None and self.fresh_temperature != drawing.temperature and not repeating.all():
            tempered = self._tempered(log_probs, in_header, repeating)  # new material at its own temperature
        top_ps = row_top_ps(repeating, drawing.top_p, self.fresh_top_p, len(active))
        probabilities = trimmed(tempered, in_header[:, 0], drawing.top_k, top_ps)
        uniforms = np.array([[self.rngs[i].random()] for i in active])
        draws = (probabilities.cumsum(axis=1) < uniforms).sum(axis=1)
        for row, i in enumerate(active):
            fed[i] += 1
            if fed[i] == len(streams[i].text):  # nothing forced left to feed: sample
                self._write(i, int(draws[row]), tempered[row], top_ps[row], log_probs[row])
        done = [i for i in active if streams[i].done]
        if done:
            keep = [row for row, i in enumerate(active) if not streams[i].done]
            self.active = [active[row] for row in keep]
            self.state = self.state.select(keep)
        return done

    def _tempered(self, log_probs: np.ndarray, in_header: np.ndarray, repeating: np.ndarray) -> np.ndarray:
        """The rows' probabilities at their temperatures: the header's, the music's where it repeats itself, and
        that of new material elsewhere; with no run of spaces longer than ``trimming.LONGEST_SPACE_RUN``."""
        from abcrnn.model.engine import softmax  # looked up here, where a test can replace it

        music = np.where(repeating[:, None], self.drawing.temperature, self.fresh_temperature)
        tempered = softmax(log_probs, np.where(in_header, self.header_temperature, music))
        if (space := self.index.get(" ")) is not None:
            end_space_runs(tempered, [self.streams[i].text for i in self.active], space)
        return tempered

    def _write(self, i: int, drawn: int, tempered: np.ndarray, top_p: float, log_probs: np.ndarray) -> None:
        """Write what stream ``i`` drew, or what it draws again where the bar guard or the header refuses that."""
        stream, characters, index, top_k = self.streams[i], self.vocabulary.characters, self.index, self.drawing.top_k
        drawn = min(drawn, self.vocabulary.size - 1)
        if self.drawing.whole_bars and (closers := writing.part_closers(stream)) and characters[drawn] not in closers:
            refused = [index[c] for c in characters if c not in closers]  # a short bar's | must close a part
            drawn = draw_without(tempered, refused, self.rngs[i], drawn, top_k, top_p)
        elif drawn in self.guarded and not writing.bar_line_allowed(stream):
            refused = self.guarded + [index[c] for c in "\n " if c in index and stream.text.endswith(c)]
            drawn = draw_without(tempered, refused, self.rngs[i], drawn, top_k, top_p)
        elif self.drawing.whole_bars and characters[drawn] in writing.QUOTE_CLOSED_BEFORE and writing.in_quotes(stream):
            refused = [index[c] for c in writing.QUOTE_CLOSED_BEFORE if c in index]  # the chord symbol closes first
            drawn = draw_without(tempered, refused, self.rngs[i], drawn, top_k, top_p)
        elif self.drawing.whole_bars and (overfilling := writing.overfilling(stream, characters[drawn], characters)):
            refused = [index[c] for c in overfilling if c in index]
            drawn = draw_without(tempered, refused, self.rngs[i], drawn, top_k, top_p)
        elif self.drawing.whole_bars and characters[drawn] == "\n" and not writing.may_end(stream):
            stream.end_refused = True  # once: a model that tries again ends as it would have
            drawn = draw_without(tempered, [index["\n"]], self.rngs[i], drawn, top_k, top_p)
        elif stream.in_header and characters[drawn] in (present := writing.written_fields(stream)):
            refused = [index[c] for c in present if c in index]  # a header field comes once
            drawn = draw_without(tempered, refused, self.rngs[i], drawn, top_k, top_p)
        written = writing.next_characters(stream, characters[drawn])
        if not stream.in_header and written == characters[drawn]:  # the music it chose
            stream.log_likelihood += float(log_probs[drawn])
            stream.chosen += 1
        writing.advance(stream, written, self.drawing.max_chars)

    def finish(self, i: int, number: int) -> SampledTune:
        """Stream ``i``'s tune, numbered ``number``."""
        tune = _finish(self.streams[i], number, self.seeds[i])
        tune.header = self.headers[i] if self.header_starts else None
        return tune


def _record_header_starts(streams, fed, active, state: State, awaiting: set, headers: list) -> None:
    """Record the ``HeaderStart`` of each awaiting stream about to be fed its header's last character."""
    for row, i in enumerate(active):
        if i in awaiting and not streams[i].in_header and fed[i] == streams[i].music_start - 1:
            headers[i] = HeaderStart(streams[i].text, streams[i].music_start, State.joined([state.select([row])]))
            awaiting.discard(i)


def _finish(stream: writing.Stream, number: int, seed) -> SampledTune:
    text = reorder_header(stream.text, WRITTEN_HEADER_ORDER)
    complete = text.endswith("\n\n") or text.endswith("\nX:")
    text = text[:-2] if text.endswith("\nX:") else text
    text = numbered(text.rstrip("\n"), number)
    likelihood = {"log_likelihood": stream.log_likelihood, "chosen": stream.chosen, "seed": seed}
    if complete:
        return SampledTune(text, **likelihood)
    return SampledTune(cut_to_last_bar(text), truncated=True, **likelihood)
