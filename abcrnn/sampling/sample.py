"""``abcrnn sample``: new tunes from a model bundle, written as ABC (and MIDI, and a tune book page).

The sampling itself is in ``streams``; this module checks the options, picks
each tune's rhythm, keeps only valid tunes when asked, and writes the files.
"""

import numpy as np

from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit
from abcrnn.errors import AbcrnnError
from abcrnn.sampling.streams import SampledTune, sample_tunes
from abcrnn.training.data import numbered

CUT_MARK = "% cut at --max-chars"  # the comment written after a tune cut at --max-chars


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
    best_of: int = 1,
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
        best_of: sample this many candidates for each tune and keep the one the critic ranks best: valid first,
            then the model's likelihood of the music, ending on the tonic and bars that come back.
        time_limit: seconds music21 may take to validate or render one tune; a slower one is rejected.
    """
    import sys

    from abcrnn.text.abc import join_tunes
    from abcrnn.model.bundle import default_weights, load_bundle
    from abcrnn.files import write_atomic
    from abcrnn.progress import progress_printer

    _check_options(n, temperature, top_k, top_p, max_chars, seed)
    if isinstance(best_of, bool) or not isinstance(best_of, int) or best_of < 1:
        raise AbcrnnError(f"--best-of must be a whole number of candidates per tune, at least 1; got {best_of!r}")
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
        header_temperature=float(header_temperature), header_order=bundle.header_order)  # fmt: skip
    if best_of > 1:
        draw = _best_of(draw, best_of, time_limit)
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


def _best_of(draw, candidates: int, time_limit: float):
    """A ``draw`` that samples ``candidates`` tunes for each one asked for and keeps the critic's choice."""
    from abcrnn.sampling.critic import best_candidate
    from abcrnn.text.validate import validate_tunes

    def draw_best(count: int, seed: int, progress) -> list[SampledTune]:
        drawn = draw(count * candidates, seed, progress and (lambda done: progress(done // candidates)))
        reports = iter(validate_tunes([tune.text for tune in drawn if not tune.truncated], time_limit=time_limit))
        for tune in drawn:
            tune.errors = ["cut at --max-chars"] if tune.truncated else next(reports).errors
        kept = []
        for number in range(count):
            group = drawn[number * candidates : (number + 1) * candidates]
            best = group[best_candidate(group, [not tune.errors for tune in group])]
            best.text = numbered(best.text, number + 1)
            kept.append(best)
        return kept

    return draw_best


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
        # A tune cut at --max-chars is rejected as such: music21 need not read it (nor a tune already read).
        unread = [tune.text for tune in drawn if not tune.truncated and tune.errors is None]
        reports = iter(validate_tunes(unread, time_limit=time_limit))
        for tune in drawn:
            errors = ["cut at --max-chars"] if tune.truncated else tune.errors
            errors = next(reports).errors if errors is None else errors
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
