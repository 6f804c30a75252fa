"""Sample new tunes from a model bundle with the numpy engine (no TensorFlow).

Many tunes are sampled at once, one stream each, every stream from a fresh
state. A tune starts from ``X:`` (or the primer) and ends at the blank line
that ends a tune in ABC, or at ``max_chars``, where it is cut back to its last
complete bar. Header fields the user fixes (title, meter, key) are fed to the
model in place of the ones it would have written, so the rest of the tune is
sampled to fit them.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit
from abcrnn.training.data import model_text, numbered
from abcrnn.errors import AbcrnnError

CUT_MARK = "% cut at --max-chars"  # the comment written after a tune cut at --max-chars
# The longest run of spaces written. The corpus aligns a few tunes with runs of up to 75
# (0.2% of its runs are longer than 16); a model sampled below temperature 1 can stay in one
# until --max-chars, leaving a tune with no music.
LONGEST_SPACE_RUN = 16
# In header lines, a character under this share of the likeliest one's probability is a slip
# (K:Rdin), not one of the corpus's rarer keys or meters, and is never written.
HEADER_MIN_P = 0.02
# The order of header fields in the training corpus (see abc.KEPT_HEADER_FIELDS).
HEADER_ORDER = "XTRMLQK"
# A bar line: |, ||, |], [|, :|, |:, ::, and numbered endings after them.
_BAR_LINE = re.compile(r"(\|\]|\|\||\[\||:\||\|:|::|\|)")


@dataclass
class SampledTune:
    """One sampled tune's text, and whether it was cut at ``max_chars``."""

    text: str
    truncated: bool = False


@dataclass
class _Stream:
    """The text of one tune being sampled, and what must be fed next instead of sampled."""

    text: str
    forced: dict[str, str]  # header fields still to force: letter -> value ("" leaves the field out)
    pending: str = ""  # characters to feed before sampling again
    in_header: bool = True
    done: bool = field(default=False)

    def line(self) -> str:
        return self.text[self.text.rfind("\n") + 1 :]


def filter_probabilities(probabilities: np.ndarray, top_k: int = 0, top_p: float = 1.0,
                         min_p: float = 0.0) -> np.ndarray:  # fmt: skip
    """Keep each row's ``top_k`` likeliest characters, its smallest set holding ``top_p``, and those
    at least ``min_p`` times as likely as its likeliest.

    >>> filter_probabilities(np.array([[0.5, 0.3, 0.2]]), top_p=0.7).round(3).tolist()
    [[0.625, 0.375, 0.0]]
    >>> filter_probabilities(np.array([[0.5, 0.49, 0.01]]), min_p=0.05).round(3).tolist()
    [[0.505, 0.495, 0.0]]
    """
    keep = np.ones_like(probabilities, dtype=bool)
    order = np.argsort(-probabilities, axis=1)
    ranked = np.take_along_axis(probabilities, order, axis=1)
    ranked_keep = np.ones_like(ranked, dtype=bool)
    if top_k and top_k < probabilities.shape[1]:
        ranked_keep[:, top_k:] = False
    if top_p < 1.0:
        # A character stays if the likelier ones before it hold less than top_p.
        ranked_keep &= (np.cumsum(ranked, axis=1) - ranked) < top_p
    np.put_along_axis(keep, order, ranked_keep, axis=1)
    keep &= probabilities >= min_p * probabilities.max(axis=1, keepdims=True)
    kept = np.where(keep, probabilities, 0.0)
    return kept / kept.sum(axis=1, keepdims=True)


def cut_to_last_bar(text: str) -> str:
    """Cut an unfinished tune back to its last complete bar (or to its header).

    >>> cut_to_last_bar("X:1\\nK:D\\nABc def|gfe dB")
    'X:1\\nK:D\\nABc def|'
    """
    header_end = re.search(r"^K:.*$", text, re.MULTILINE)
    body_start = header_end.end() if header_end else 0
    bars = list(_BAR_LINE.finditer(text, body_start))
    return text[: bars[-1].end()] if bars else text[:body_start]


def _start_stream(primer: str, forced: dict[str, str]) -> _Stream:
    text = model_text(primer if primer.startswith("X:") else "X:1\n" + primer)
    stream = _Stream(text=text, forced=dict(forced))
    for line in text.split("\n")[:-1] if "\n" in text else []:
        if line[:2] in {f"{letter}:" for letter in HEADER_ORDER}:
            if line[0] in stream.forced:
                raise AbcrnnError(f"the primer already sets {line[:2]}; leave out the option that sets it too")
            stream.in_header = stream.in_header and line[0] != "K"
    return stream


def _next_characters(stream: _Stream, sampled: str) -> str:
    """What a stream writes next, given the character the model sampled for it.

    At the start of a header line, a forced field that comes at or before the
    sampled field (in the corpus's header order) is written instead.
    """
    if stream.in_header and stream.text.endswith("\n") and stream.forced:
        position = HEADER_ORDER.find(sampled) if sampled in HEADER_ORDER else len(HEADER_ORDER)
        due = [letter for letter in HEADER_ORDER[: position + 1] if letter in stream.forced]
        if due and stream.forced[due[0]] == "":  # a field left out: the next forced one comes instead
            stream.forced.pop(due[0])
            due = [letter for letter in HEADER_ORDER if stream.forced.get(letter)][:1]
        if due:
            return f"{due[0]}:{stream.forced.pop(due[0])}\n"
    return sampled


def _advance(stream: _Stream, characters: str, max_chars: int) -> None:
    """Append characters to a stream and note where its header and the tune end."""
    for character in characters:
        stream.text += character
        if stream.in_header and character == "\n" and stream.text.rstrip("\n").split("\n")[-1].startswith("K:"):
            stream.in_header = False
        if stream.text.endswith("\n\n") or stream.text.endswith("\nX:") or len(stream.text) >= max_chars:
            stream.done = True
            return


def sample_tunes(
    engine,
    vocabulary,
    n: int,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    seed: int = 0,
    primer: str = "",
    forced: dict[str, str] | list[dict[str, str]] | None = None,
    max_chars: int = 2000,
    header_temperature: float | None = None,
    first_number: int = 1,
    progress=None,
) -> list[SampledTune]:
    """Sample ``n`` tunes in parallel streams; the same arguments give the same tunes.

    Args:
        engine: the numpy engine of a bundle.
        vocabulary: that bundle's vocabulary.
        forced: header fields to impose, letter -> value (e.g. ``{"K": "Dmix"}``; ``""`` leaves a field out),
            the same for every tune or a list with one per tune.
        first_number: the X: number of the first tune; the rest follow in order.
        progress: called with the number of finished tunes whenever one finishes.
        header_temperature: the temperature for header lines (default ``temperature``).
    """
    from abcrnn.model.engine import softmax

    per_tune = forced if isinstance(forced, list) else [forced or {}] * n
    vocabulary.encode(primer + "".join(value for fields in per_tune for value in fields.values()))  # names unseen ones
    index = {character: position for position, character in enumerate(vocabulary.characters)}
    space = index.get(" ")
    rng = np.random.default_rng(seed)
    streams = [_start_stream(primer, fields) for fields in per_tune]
    header_temperature = temperature if header_temperature is None else header_temperature
    fed = [0] * n
    active = list(range(n))
    state = engine.initial_state(n)
    while active:
        ids = np.array([index[streams[i].text[fed[i]]] for i in active])
        logits, state = engine.step(ids, state)
        in_header = np.array([[streams[i].in_header] for i in active])
        probabilities = softmax(logits, np.where(in_header, header_temperature, temperature))
        if space is not None:
            _end_space_runs(probabilities, [streams[i].text for i in active], space)
        # top-k and top-p trim the music; header lines lose only the model's slips, keeping the rarer keys.
        probabilities = np.where(in_header, filter_probabilities(probabilities, min_p=HEADER_MIN_P),
                                 filter_probabilities(probabilities, top_k, top_p))  # fmt: skip
        draws = (probabilities.cumsum(axis=1) < rng.random((len(active), 1))).sum(axis=1)
        for row, i in enumerate(active):
            fed[i] += 1
            if fed[i] == len(streams[i].text):  # nothing forced left to feed: sample
                sampled = vocabulary.characters[min(int(draws[row]), vocabulary.size - 1)]
                _advance(streams[i], _next_characters(streams[i], sampled), max_chars)
        finished = [row for row, i in enumerate(active) if streams[i].done]
        if finished:
            keep = [row for row, i in enumerate(active) if not streams[i].done]
            active = [active[row] for row in keep]
            state = [(h[keep], c[keep]) for h, c in state]
            if progress:
                progress(n - len(active))
    return [_finish(stream, first_number + number) for number, stream in enumerate(streams)]


def _end_space_runs(probabilities: np.ndarray, texts: list[str], space: int) -> None:
    """Rule out another space where a stream already ends with the longest run the sampler writes."""
    for row, text in enumerate(texts):
        if text.endswith(" " * LONGEST_SPACE_RUN):
            probabilities[row, space] = 0
            probabilities[row] /= probabilities[row].sum()


def _finish(stream: _Stream, number: int) -> SampledTune:
    text = stream.text
    complete = text.endswith("\n\n") or text.endswith("\nX:")
    text = text[:-2] if text.endswith("\nX:") else text
    text = numbered(text.rstrip("\n"), number)
    if complete:
        return SampledTune(text)
    return SampledTune(cut_to_last_bar(text), truncated=True)


def _check_options(n, temperature, top_k, top_p, max_chars, seed) -> None:
    if seed is not None and not isinstance(seed, int):
        raise AbcrnnError(f"--seed must be a whole number, got {seed!r}")
    if not all(isinstance(value, (int, float)) for value in (temperature, top_p)):
        raise AbcrnnError(f"--temperature and --top-p must be numbers, got {temperature!r} and {top_p!r}")
    if not isinstance(n, int) or n < 1:
        raise AbcrnnError(f"--n must be a whole number of tunes, at least 1; got {n}")
    if not temperature > 0:
        raise AbcrnnError(f"--temperature must be above 0, got {temperature}")
    if not isinstance(top_k, int) or top_k < 0:
        raise AbcrnnError(f"--top-k must be 0 (off) or a positive whole number, got {top_k}")
    if not 0 < top_p <= 1:
        raise AbcrnnError(f"--top-p must be in (0, 1], got {top_p}")
    if not isinstance(max_chars, int) or max_chars < 20:
        raise AbcrnnError(f"--max-chars must be a whole number of at least 20, got {max_chars}")


def sample(
    weights: str | None = None,
    n: int = 5,
    temperature: float = 0.75,
    top_k: int = 0,
    top_p: float = 0.9,
    seed: int | None = None,
    primer: str = "",
    title: str | None = None,
    meter: str | None = None,
    key: str | None = None,
    rhythm: str | None = None,
    header_temperature: float = 1.0,
    max_chars: int = 2000,
    out: str | None = None,
    midi: str | None = None,
    page: str | None = None,
    instrument: str = "fiddle",
    valid_only: bool = False,
    max_attempts: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> None:
    """Sample new tunes from a trained model and write them as ABC.

    Args:
        weights: model bundle folder (default: the shipped folk model, weights/folk).
        n: how many tunes.
        temperature: below 1 plays safe, above 1 takes risks.
        top_k: sample only from the k likeliest characters (0: all).
        top_p: sample only from the likeliest characters holding this share of probability.
        seed: the same seed and settings give the same tunes (default: a random seed, printed).
        primer: ABC text each tune starts with; \\n starts a new line, e.g. 'T:My Jig\\nM:6/8\\nL:1/8\\nK:G\\nGAB'.
        title: force the T: field.
        meter: force the M: field, e.g. 6/8.
        key: force the K: field, e.g. Dmix.
        rhythm: force the R: field: jig (the default, where the model knows rhythms), reel, hornpipe, slip jig, ...
            or any (the model chooses; with --meter, a rhythm the corpus has in that meter). The model then
            writes a meter that fits.
        header_temperature: the temperature of the header lines (rhythm, meter, key): 1.0 keeps the corpus's mix.
        max_chars: cut a tune that has not ended by then back to its last complete bar.
        out: ABC file to write (default: print to standard output).
        midi: also write one MIDI file per tune into this folder.
        page: also write the tunes as a tune book page (sheet music, play, MIDI), e.g. tunes.html.
        instrument: the MIDI files' sound: fiddle, flute, whistle, accordion, piano, ... (see `abcrnn midi`).
        valid_only: keep sampling until n tunes pass `abcrnn validate` (or max_attempts run out).
        max_attempts: how many tunes --valid-only may sample in all (default: 10 x n + 20).
        time_limit: seconds music21 may take to validate or render one tune; a slower one is rejected.
    """
    import sys

    from abcrnn.text.abc import join_tunes
    from abcrnn.model.bundle import default_weights, load_bundle
    from abcrnn.files import write_atomic
    from abcrnn.progress import progress_printer

    _check_options(n, temperature, top_k, top_p, max_chars, seed)
    if midi or page:
        from abcrnn.sound.midi import check_instrument

        check_instrument(instrument)
    if key is not None and str(key).strip().lower() not in ("none", "hp"):
        from abcrnn.text.transpose import Key, TransposeError

        try:
            Key(str(key))
        except TransposeError:
            raise AbcrnnError(f"--key {key!r} is not a key; write a tonic and mode such as G, Em, Ador or Bb") from None
    if not isinstance(header_temperature, (int, float)) or not header_temperature > 0:
        raise AbcrnnError(f"--header-temperature must be a number above 0, got {header_temperature!r}")
    time_limit = check_time_limit(time_limit)
    primer = str(primer).replace("\\n", "\n")  # a primer typed in a shell writes newlines as \n
    seed = int(np.random.default_rng().integers(1_000_000)) if seed is None else int(seed)
    bundle = load_bundle(weights or default_weights())
    forced = {letter: str(value) for letter, value in (("T", title), ("M", meter), ("K", key)) if value is not None}
    # A title may hold characters the model never saw: feed it stand-ins, write the real one.
    fed_title = "".join(c if c in bundle.vocabulary.characters else " " for c in forced.get("T", ""))
    if "T" in forced:
        forced["T"], real_title = fed_title, forced["T"]
    headers = bundle.header_statistics
    if rhythm is None:  # jig, unless the model's corpus names no rhythm at all
        rhythm = "any" if headers and set(headers["rhythms"]) == {"none"} else "jig"
    choose_rhythms = rhythm_chooser(str(rhythm), forced, headers)
    print(f"sampling {n} tune{'s' * (n > 1)} with seed {seed} from {bundle.path}", file=sys.stderr)
    engine = bundle.engine()
    draw = lambda count, round_seed, progress: sample_tunes(  # noqa: E731
        engine, bundle.vocabulary, count, float(temperature), int(top_k), float(top_p), round_seed,
        primer, choose_rhythms(count, round_seed), int(max_chars), progress=progress,
        header_temperature=float(header_temperature))  # fmt: skip
    if valid_only:
        tunes = _sample_valid(draw, n, seed, max_attempts or 10 * n + 20, progress_printer(n, "valid tunes:"),
                              time_limit)  # fmt: skip
    else:
        tunes = draw(n, seed, progress_printer(n, "sampled tunes:"))
    texts = []
    for tune in tunes:
        text = tune.text.replace(f"T:{fed_title}\n", f"T:{real_title}\n", 1) if "T" in forced else tune.text
        if tune.truncated:
            number = text.split("\n", 1)[0]
            print(f"{number} reached --max-chars {max_chars}: cut back to its last complete bar", file=sys.stderr)
            text += f"\n{CUT_MARK} {max_chars}, after the last complete bar"
        texts.append(text)
    if out:
        write_atomic(out, join_tunes(texts))
        print(f"wrote {len(texts)} tunes to {out}", file=sys.stderr)
    else:
        sys.stdout.write(join_tunes(texts))
    if midi:
        from abcrnn.sound.midi import render_tunes, report_rendering

        rendered = render_tunes(texts, midi, progress=progress_printer(len(texts), "rendered tunes:"),
                                time_limit=time_limit, instrument=instrument)  # fmt: skip
        report_rendering(rendered, midi)
    if page:
        from abcrnn.pages.page import write_page

        note = f"Sampled from {bundle.path} with seed {seed} at temperature {temperature}."
        write_page(texts, page, f"{len(texts)} tunes sampled by abcrnn", note, instrument, time_limit)


def rhythm_chooser(rhythm: str, forced: dict[str, str], headers: dict | None):
    """A function ``(count, seed) -> forced fields per tune`` that sets each tune's R: for ``--rhythm``.

    A named rhythm is forced on every tune. With ``any`` and a forced meter,
    each tune gets a rhythm the corpus has in that meter (or none), drawn with
    the corpus's frequencies, so that a forced 6/8 cannot yield a reel.
    """
    import sys

    from abcrnn.training.corpus import rhythm_name

    if rhythm.strip().lower() != "any":
        name = rhythm_name(rhythm)
        known = sorted(set(headers["rhythms"]) - {"none"}) if headers else None
        if not name or (known is not None and name not in known):
            raise AbcrnnError(f"--rhythm {rhythm!r}: the model never saw that rhythm; it knows {', '.join(known or [])}"
                              " and any")  # fmt: skip
        if "M" in forced and headers and not headers["rhythm_meters"].get(f"{name} M:{forced['M']}"):
            print(f"warning: the corpus has no {name} in {forced['M']}; the tunes may not sound like one",
                  file=sys.stderr)  # fmt: skip
        return lambda count, seed: [forced | {"R": name}] * count
    if "M" not in forced or not headers:
        return lambda count, seed: [forced] * count
    pairs = {pair.rsplit(" M:", 1)[0]: number for pair, number in headers["rhythm_meters"].items()
             if pair.rsplit(" M:", 1)[1] == forced["M"]}  # fmt: skip
    if not pairs:
        return lambda count, seed: [forced] * count
    names, weights = list(pairs), np.array(list(pairs.values()), float)

    def choose(count: int, seed: int) -> list[dict[str, str]]:
        drawn = np.random.default_rng([seed, 1]).choice(len(names), size=count, p=weights / weights.sum())
        return [forced | {"R": "" if names[i] == "none" else names[i]} for i in drawn]

    return choose


def _sample_valid(draw, n: int, seed: int, max_attempts: int, progress,
                  time_limit: float = DEFAULT_TIME_LIMIT) -> list[SampledTune]:  # fmt: skip
    """Sample rounds of tunes until ``n`` pass validation; report what was rejected and why."""
    import sys
    from collections import Counter

    from abcrnn.text.validate import error_kind, validate_tunes

    kept, reasons, attempts, round_number = [], Counter(), 0, 0
    while len(kept) < n and attempts < max_attempts:
        count = min(max_attempts - attempts, max(2 * (n - len(kept)), 4))
        drawn = draw(count, seed + 7919 * round_number, None)
        # A tune cut at --max-chars is rejected as such: music21 need not read it.
        reports = iter(validate_tunes([tune.text for tune in drawn if not tune.truncated], time_limit=time_limit))
        for tune in drawn:
            errors = ["cut at --max-chars"] if tune.truncated else next(reports).errors
            if errors:
                reasons.update({error_kind(error) for error in errors})
            elif len(kept) < n:
                kept.append(SampledTune(numbered(tune.text, len(kept) + 1)))
                if progress:
                    progress(len(kept))
        attempts += count
        round_number += 1
    rejected = attempts - len(kept)
    summary = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common()) or "none"
    print(f"--valid-only: sampled {attempts} tunes, kept {len(kept)}, rejected {rejected} (reasons: {summary})",
          file=sys.stderr)  # fmt: skip
    if len(kept) < n:
        raise AbcrnnError(f"--valid-only: only {len(kept)} of {n} tunes passed validation in {attempts} attempts; "
                          "raise --max-attempts or lower --temperature")  # fmt: skip
    return kept
