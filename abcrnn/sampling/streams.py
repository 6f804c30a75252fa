"""The sampler: many tunes at once from a model bundle's numpy engine, one stream each (no TensorFlow).

Every stream starts from a fresh state. A tune starts from ``X:`` (or the
primer) and ends at the blank line that ends a tune in ABC, or at
``max_chars``, where it is cut back to its last complete bar. Header fields the
user fixes (title, meter, key) are fed to the model in place of the ones it
would have written, so the rest of the tune is sampled to fit them.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from abcrnn.errors import AbcrnnError
from abcrnn.text.abc import (
    MODEL_HEADER_ORDER,
    WRITTEN_HEADER_ORDER,
    model_text,
    numbered,
    parse_field_line,
    reorder_header,
)
from abcrnn.sampling.bar_guard import GUARDED_CHARACTERS, BarGuard
from abcrnn.text.following import bar_units_of
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
    header_temperature: float | None = None  # for header lines (default: temperature)
    max_chars: int = 2000  # a tune this long is cut back to its last complete bar
    # A bar line may not close a bar short of the meter, but for an anacrusis or a lead-in, nor a note
    # start in a full bar or a length overfill it (``bar_guard``); where the model draws one, it draws again.
    whole_bars: bool = True
    break_loops: bool = True  # the copy memory proposes no third playing in a row of a passage (``CopyTracker``)


@dataclass
class SampledTune:
    """One sampled tune's text, whether it was cut at ``max_chars``, how likely the model found it, and its seed."""

    text: str
    truncated: bool = False
    log_likelihood: float = 0.0  # natural log of the model's probability (at temperature 1) of the music it chose
    chosen: int = 0  # characters of music the model chose
    errors: list[str] | None = None  # what validation found, once it has run
    seed: int | tuple | None = None  # what its stream's random numbers came from (``sample_tunes``'s seeds)

    @property
    def mean_log_likelihood(self) -> float:
        """Per chosen character: the critic's measure of how much the model believes in the tune."""
        return self.log_likelihood / max(1, self.chosen)


@dataclass
class _Stream:
    """The text of one tune being sampled, and what must be fed next instead of sampled."""

    text: str
    forced: dict[str, str]  # header fields still to force: letter -> value ("" leaves the field out)
    header_order: str  # the order of header fields in the model's text
    pending: str = ""  # characters to feed before sampling again
    in_header: bool = True
    opening: str = ""  # music to feed once the header is written (a primer without header lines)
    guard: BarGuard | None = None  # follows the bars, made for the header's meter when first asked (whole_bars)
    music_start: int = 0  # where the music starts in ``text`` (once the header is written)
    done: bool = field(default=False)
    log_likelihood: float = 0.0  # of the music the model chose, at temperature 1
    chosen: int = 0

    def line(self) -> str:
        return self.text[self.text.rfind("\n") + 1 :]


def cut_to_last_bar(text: str) -> str:
    """Cut an unfinished tune back to its last complete bar (or to its header).

    >>> cut_to_last_bar("X:1\\nK:D\\nABc def|gfe dB")
    'X:1\\nK:D\\nABc def|'
    """
    header_end = re.search(r"^K:.*$", text, re.MULTILINE)
    body_start = header_end.end() if header_end else 0
    bars = list(_BAR_LINE.finditer(text, body_start))
    return text[: bars[-1].end()] if bars else text[:body_start]


def _start_stream(primer: str, forced: dict[str, str], header_order: str) -> _Stream:
    """A stream that starts with the primer: the start of a tune, or (with no header line) its opening music."""
    if primer and not primer.startswith("X:") and not any(parse_field_line(line) for line in primer.split("\n")):
        return _Stream(text="X:1\n", forced=dict(forced), header_order=header_order, opening=primer)
    text = model_text(primer if primer.startswith("X:") else "X:1\n" + primer, header_order)
    stream = _Stream(text=text, forced=dict(forced), header_order=header_order)
    position = 0
    for line in text.split("\n")[:-1] if "\n" in text else []:
        position += len(line) + 1
        if line[:2] in {f"{letter}:" for letter in header_order}:
            if line[0] in stream.forced:
                raise AbcrnnError(f"the primer already sets {line[:2]}; leave out the option that sets it too")
            if stream.in_header and line[0] == "K":  # the primer writes the whole header: its music follows
                stream.in_header, stream.music_start = False, position
    return stream


def check_primer(primer: str, forced: dict[str, str], header_order: str = MODEL_HEADER_ORDER) -> None:
    """Raise ``AbcrnnError`` if the primer sets a header field that ``forced`` sets too."""
    _start_stream(primer, forced, header_order)


def _next_characters(stream: _Stream, sampled: str) -> str:
    """What a stream writes next, given the character the model sampled for it.

    At the start of a header line, a forced field that comes at or before the
    sampled field (in the corpus's header order) is written instead.
    """
    order = stream.header_order
    if stream.in_header and stream.text.endswith("\n") and stream.forced:
        position = order.find(sampled) if sampled in order else len(order)
        due = [letter for letter in order[: position + 1] if letter in stream.forced]
        if due and stream.forced[due[0]] == "":  # a field left out: the next forced one comes instead
            stream.forced.pop(due[0])
            due = [letter for letter in order if stream.forced.get(letter)][:1]
        if due:
            return f"{due[0]}:{stream.forced.pop(due[0])}\n"
    return sampled


def _advance(stream: _Stream, characters: str, max_chars: int) -> None:
    """Append characters to a stream and note where its header and the tune end."""
    for character in characters:
        stream.text += character
        if stream.in_header and character == "\n" and stream.text.rstrip("\n").split("\n")[-1].startswith("K:"):
            stream.in_header = False
            stream.music_start = len(stream.text)
            stream.text, stream.opening = stream.text + stream.opening, ""  # fed before the model writes on
        if stream.text.endswith("\n\n") or stream.text.endswith("\nX:") or len(stream.text) >= max_chars:
            stream.done = True
            return


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
    """
    from abcrnn.model.engine import softmax

    per_tune = forced if isinstance(forced, list) else [forced or {}] * n
    vocabulary.encode(primer + "".join(value for fields in per_tune for value in fields.values()))  # names unseen ones
    index = {character: position for position, character in enumerate(vocabulary.characters)}
    space = index.get(" ")
    seeds = list(seed) if isinstance(seed, (list, tuple)) else [seed + number for number in range(n)]
    if len(seeds) != n:
        raise ValueError(f"{len(seeds)} seeds for {n} tunes")
    rngs = [np.random.default_rng(tune_seed) for tune_seed in seeds]
    streams = [_start_stream(primer, fields, header_order) for fields in per_tune]
    guarded = [index[character] for character in GUARDED_CHARACTERS if character in index and drawing.whole_bars]
    temperature, top_k, top_p, max_chars = drawing.temperature, drawing.top_k, drawing.top_p, drawing.max_chars
    fresh_top_p = top_p if drawing.fresh_top_p is None else drawing.fresh_top_p
    header_temperature = temperature if drawing.header_temperature is None else drawing.header_temperature
    fed = [0] * n
    active = list(range(n))
    state = engine.initial_state(n, break_loops=drawing.break_loops)
    while active:
        if stop and (reason := stop()):
            raise AbcrnnError(reason)
        ids = np.array([index[streams[i].text[fed[i]]] for i in active])
        log_probs, state = engine.step(ids, state)
        in_header = np.array([[streams[i].in_header] for i in active])
        tempered = softmax(log_probs, np.where(in_header, header_temperature, temperature))
        if space is not None:
            end_space_runs(tempered, [streams[i].text for i in active], space)
        top_ps = row_top_ps(state.proposes(tempered.argmax(axis=1)), top_p, fresh_top_p, len(active))
        probabilities = trimmed(tempered, in_header[:, 0], top_k, top_ps)
        uniforms = np.array([[rngs[i].random()] for i in active])
        draws = (probabilities.cumsum(axis=1) < uniforms).sum(axis=1)
        for row, i in enumerate(active):
            fed[i] += 1
            if fed[i] == len(streams[i].text):  # nothing forced left to feed: sample
                drawn = min(int(draws[row]), vocabulary.size - 1)
                if drawn in guarded and not _bar_line_allowed(streams[i]):
                    refused = guarded + [index[c] for c in "\n " if c in index and streams[i].text.endswith(c)]
                    drawn = draw_without(tempered[row], refused, rngs[i], drawn, top_k, top_ps[row])
                elif drawing.whole_bars and (overfilling := _overfilling(streams[i], vocabulary.characters[drawn],
                                                                  vocabulary.characters)):
                    refused = [index[c] for c in overfilling if c in index]
                    drawn = draw_without(tempered[row], refused, rngs[i], drawn, top_k, top_ps[row])
                elif streams[i].in_header and vocabulary.characters[drawn] in (present := _written_fields(streams[i])):
                    refused = [index[c] for c in present if c in index]  # a header field comes once
                    drawn = draw_without(tempered[row], refused, rngs[i], drawn, top_k, top_ps[row])
                written = _next_characters(streams[i], vocabulary.characters[drawn])
                if not streams[i].in_header and written == vocabulary.characters[drawn]:  # the music it chose
                    streams[i].log_likelihood += float(log_probs[row, drawn])
                    streams[i].chosen += 1
                _advance(streams[i], written, max_chars)
        finished = [row for row, i in enumerate(active) if streams[i].done]
        if finished:
            keep = [row for row, i in enumerate(active) if not streams[i].done]
            active = [active[row] for row in keep]
            state = state.select(keep)
            if progress:
                progress(n - len(active))
    return [_finish(stream, first_number + number, tune_seed) for number, (stream, tune_seed) in
            enumerate(zip(streams, seeds))]  # fmt: skip


def _written_fields(stream: _Stream) -> str:
    """At the start of a header line, the letters of the fields the header already has ("" elsewhere).

    No tune of the corpora writes a header field twice; a model fine-tuned on a few tunes can
    (``M:6/8`` and then ``M:4/4``), so the sampler draws again where it would.
    """
    if not stream.text.endswith("\n"):
        return ""
    return "".join(line[0] for line in stream.text.split("\n")[:-1] if line[1:2] == ":")


def _bar_line_allowed(stream: _Stream) -> bool:
    """Whether the guard lets a bar line come next (always in the header, and inside a bar line)."""
    if stream.in_header or stream.text[-1:] in GUARDED_CHARACTERS:
        return True
    return _guard(stream).allows_bar_line(stream.text[stream.music_start :])


def _overfilling(stream: _Stream, character: str, characters: str) -> str:
    """The characters the guard refuses next if ``character`` would overfill the bar ("" in the header)."""
    if stream.in_header:
        return ""
    return _guard(stream).overfilling(stream.text[stream.music_start :], character, characters)


def _guard(stream: _Stream) -> BarGuard:
    if stream.guard is None:
        stream.guard = BarGuard(bar_units_of(stream.text[: stream.music_start]))
    return stream.guard


def _finish(stream: _Stream, number: int, seed) -> SampledTune:
    text = reorder_header(stream.text, WRITTEN_HEADER_ORDER)
    complete = text.endswith("\n\n") or text.endswith("\nX:")
    text = text[:-2] if text.endswith("\nX:") else text
    text = numbered(text.rstrip("\n"), number)
    likelihood = {"log_likelihood": stream.log_likelihood, "chosen": stream.chosen, "seed": seed}
    if complete:
        return SampledTune(text, **likelihood)
    return SampledTune(cut_to_last_bar(text), truncated=True, **likelihood)
