"""Sampling as a job: checked settings in, finished tunes out (no printing, no files).

``SampleSettings`` holds every setting of ``abcrnn sample`` and checks them once;
``sample_from`` picks each tune's rhythm, samples (``streams``), keeps the critic's
choice of ``best_of`` candidates and, when asked, only valid tunes. The command
(``commands/sample.py``) and the Python API (``abcrnn.sample``) both call it.
"""

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit
from abcrnn.declared import setting
from abcrnn.errors import AbcrnnError
from abcrnn.sampling.best_of import best_of
from abcrnn.sampling.streams import Drawing, SampledTune, sample_tunes
from abcrnn.sampling.titles import consistent_title
from abcrnn.text.abc import numbered, parse_field_line, with_note

CUT_MARK = "% cut at --max-chars"  # the comment written after a tune cut at --max-chars


@dataclass(frozen=True)
class SampleSettings:
    """What to sample and how: the options of ``abcrnn sample`` and of the compose form, checked when made.

    Each field is declared once (``declared.setting``): its default, its help, and how the
    server's form takes it (a bound named as text is that of ``serve.forms.Limits``); the
    command's options and ``serve.forms.ComposeRequest`` are made from them.
    """

    n: int = setting(5, "how many tunes.", {"default": 1, "ge": 1, "le": "most_tunes"})
    temperature: float = setting(0.9, "of the music where the tune repeats itself (its own past proposes the likeliest "
                                 "character; everywhere for a model without a copy gate): below 1 plays safe, above 1 "
                                 "takes risks.", {"gt": 0, "le": 5})  # fmt: skip
    top_k: int = setting(0, "sample only from the k likeliest characters (0: all).", {"ge": 0, "le": 200})
    top_p: float = setting(0.95, "where the tune repeats itself (its own past proposes the likeliest character), "
                           "sample only from the likeliest characters holding this share of probability; everywhere "
                           "for a model without a copy gate.", {"gt": 0, "le": 1})  # fmt: skip
    fresh_top_p: float = setting(1.0, "the same in new material (1: from every character, keeping the style's leaps "
                               "and dotted rhythms).", {"gt": 0, "le": 1})  # fmt: skip
    fresh_temperature: float | None = setting(
        1.0, "the temperature of new material, where the tune's own past does not propose the likeliest character "
        "(1: as the model has it, keeping the style's leaps; --temperature's value draws all the music alike).",
        {"gt": 0, "le": 5})
    seed: int | None = setting(
        None, "the same seed and settings give the same tunes (default: a random seed, printed); tune i has seed "
        "seed + i - 1 (its N: line), and --n 1 --seed with it makes that tune again.", {"ge": 0, "le": 2**31 - 1})
    primer: str = setting(
        "", "ABC text each tune starts with; \\n starts a new line, e.g. 'T:My Jig\\nM:6/8\\nL:1/8\\nK:G\\nGAB'; "
        "music alone ('|:GAB') opens each tune after the header the model writes.", {"name": "start", "max_length": 5000})
    title: str | None = setting(None, "force the T: field.", {"max_length": 200})
    meter: str | None = setting(None, "force the M: field, e.g. 6/8.", {"max_length": 20})
    key: str | None = setting(None, "force the K: field, e.g. Dmix.", {"max_length": 20})
    rhythm: str | None = setting(
        None, "force the R: field: jig (the default, where the model knows rhythms), reel, hornpipe, slip jig, ... "
        "or any (the model chooses; with --meter, a rhythm the corpus has in that meter). The model then writes a "
        "meter that fits.", {"max_length": 40})
    header_temperature: float = setting(
        1.0, "the temperature of the header lines (rhythm, meter, key): 1.0 keeps the corpus's mix.", {"gt": 0, "le": 5})
    max_chars: int = setting(2000, "cut a tune that has not ended by then back to its last complete bar.",
                             {"ge": 20, "le": "most_chars"})  # fmt: skip
    valid_only: bool = setting(False, "keep sampling until n tunes pass `abcrnn validate` (or max_attempts run out).",
                               {})  # fmt: skip
    max_attempts: int | None = setting(None, "how many tunes --valid-only may sample in all (default: 10 x n + 20).")
    best_of: int = setting(
        8, "sample up to this many candidates for each tune, more only while none is acceptable (valid, complete, "
        "ending at home, not looping), and keep the first that is; where none is, the one the critic ranks best "
        "(1: no critic; see best_of.py).", {"ge": 1, "le": "most_candidates"})
    whole_bars: bool = setting(
        True, "refuse a bar line that would close a bar short of the meter (but an anacrusis, the bar that completes "
        "it, or a part's last bar short by a lead-in, which the next part's lead-in must then make whole), a note in "
        "a full bar and a length that overfills one, and a bar line or line break inside a chord symbol just opened, "
        "and draw again; False lets the model write any bar (bar_guard.py, writing.py).", {})
    break_loops: bool = setting(
        True, "where the tune has just played a passage twice running, its copy memory does not propose a third "
        "playing (the network alone may still choose one); False samples the model as it scores (model/copying.py).",
        {})
    chords: bool = setting(False, "write guitar chords into each tune, as `abcrnn chords` does; the MIDI and the page "
                                  "play them (text/chords.py).", {})  # fmt: skip
    time_limit: float = setting(DEFAULT_TIME_LIMIT, "seconds music21 may take to validate or render one tune; a "
                                                    "slower one is rejected.")  # fmt: skip

    def __post_init__(self):
        _check_options(self.n, self.temperature, self.top_k, self.top_p, self.fresh_top_p, self.max_chars,
                       self.seed)  # fmt: skip
        best_of, attempts = self.best_of, self.max_attempts
        if isinstance(best_of, bool) or not isinstance(best_of, int) or best_of < 1:
            raise AbcrnnError(f"--best-of must be a whole number of candidates per tune, at least 1; got {best_of!r}")
        if attempts is not None and (isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1):
            raise AbcrnnError(f"--max-attempts must be a whole number, at least 1; got {attempts!r}")
        for name, value in (("header-temperature", self.header_temperature),
                            ("fresh-temperature", 1.0 if self.fresh_temperature is None else self.fresh_temperature)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise AbcrnnError(f"--{name} must be a number above 0, got {value!r}")
        if self.key is not None and str(self.key).strip().lower() not in ("none", "hp"):
            from abcrnn.text.transpose import Key, TransposeError

            try:
                Key(str(self.key))
            except TransposeError:
                raise AbcrnnError(f"--key {self.key!r} is not a key; write a tonic and mode such as G, Em, Ador or Bb"
                                  ) from None  # fmt: skip
        check_time_limit(self.time_limit)
        # A primer typed in a shell writes newlines as \n.
        object.__setattr__(self, "primer", str(self.primer).replace("\\n", "\n"))

    def to_dict(self) -> dict:
        return asdict(self)

    def drawing(self) -> Drawing:
        """How these settings draw each character."""
        fresh = None if self.fresh_temperature is None else float(self.fresh_temperature)
        return Drawing(float(self.temperature), int(self.top_k), float(self.top_p), float(self.fresh_top_p), fresh,
                       float(self.header_temperature), int(self.max_chars), bool(self.whole_bars),
                       bool(self.break_loops))  # fmt: skip

    def with_seed(self) -> "SampleSettings":
        """These settings with a seed: their own, or one drawn now (print it, so the tunes can be made again)."""
        if self.seed is not None:
            return self
        return replace(self, seed=int(np.random.default_rng().integers(1_000_000)))


@dataclass
class Sampled:
    """What a sampling job gave: the tunes as written, the seed it used, and notes for the user."""

    texts: list[str]
    seed: int
    tunes: list[SampledTune] = field(default_factory=list)  # the same tunes, with likelihoods and any verdicts
    notes: list[str] = field(default_factory=list)  # cut tunes, rejected candidates, warnings


def _check_options(n, temperature, top_k, top_p, fresh_top_p, max_chars, seed) -> None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise AbcrnnError(f"--seed must be a whole number, got {seed!r}")
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (temperature, top_p)):
        raise AbcrnnError(f"--temperature and --top-p must be numbers, got {temperature!r} and {top_p!r}")
    if isinstance(fresh_top_p, bool) or not isinstance(fresh_top_p, (int, float)):
        raise AbcrnnError(f"--fresh-top-p must be a number, got {fresh_top_p!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise AbcrnnError(f"--n must be a whole number of tunes, at least 1; got {n}")
    if not temperature > 0:
        raise AbcrnnError(f"--temperature must be above 0, got {temperature}")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise AbcrnnError(f"--top-k must be 0 (off) or a positive whole number, got {top_k}")
    for name, value in (("top-p", top_p), ("fresh-top-p", fresh_top_p)):
        if not 0 < value <= 1:
            raise AbcrnnError(f"--{name} must be in (0, 1], got {value}")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 20:
        raise AbcrnnError(f"--max-chars must be a whole number of at least 20, got {max_chars}")


def sample_from(bundle, settings: SampleSettings, progress=None, stop=None, starting=None) -> Sampled:
    """Sample ``settings.n`` tunes from a bundle; ``progress`` is called with the tunes done so far.

    ``stop``, asked before each character, ends the job with its reason (``streams.sample_tunes``);
    ``starting`` is called once the settings are checked against the model, before any tune is drawn.
    """
    seed = settings.with_seed().seed
    forced = _forced_fields(settings)
    # A title may hold characters the model never saw: feed it stand-ins, write the real one.
    fed_title = "".join(c if c in bundle.vocabulary.characters else " " for c in forced.get("T", ""))
    if "T" in forced:
        forced["T"], real_title = fed_title, forced["T"]
    headers = bundle.header_statistics
    notes: list[str] = []
    choose_rhythms = rhythm_chooser(_rhythm(settings, headers), forced, headers, notes)
    engine = bundle.engine()
    drawing = settings.drawing()
    sample_with = lambda seeds, fields, progress, starts=None, refill=None: sample_tunes(  # noqa: E731
        engine, bundle.vocabulary, len(seeds), drawing, seeds, settings.primer, fields, progress=progress,
        header_order=bundle.header_order, stop=stop, starts=starts, header_starts=settings.best_of > 1,
        refill=refill)  # fmt: skip
    draw = lambda seeds, progress, refill=None: sample_with(seeds, choose_rhythms(seeds), progress,  # noqa: E731
                                                            refill=refill)  # fmt: skip
    if settings.best_of > 1:
        # A candidate shares its tune's header, but for the fields the primer writes itself.
        in_primer = {line[0] for line in settings.primer.split("\n")[:-1] if parse_field_line(line)}
        shared = lambda seeds, fields, progress, starts, refill: sample_with(  # noqa: E731
            seeds, [{k: v for k, v in f.items() if k not in in_primer} for f in fields], progress, starts, refill)
        fresh = lambda seed: {k: v for k, v in choose_rhythms([seed])[0].items() if k not in in_primer}  # noqa: E731
        draw = best_of(draw, shared, settings.best_of, settings.time_limit, fresh)
    n = settings.n
    if starting:
        starting()
    if settings.valid_only:
        tunes = _sample_valid(draw, n, seed, settings.max_attempts or 10 * n + 20, progress, settings.time_limit,
                              notes)  # fmt: skip
    else:
        tunes = draw([seed + number for number in range(n)], progress)
    texts = []
    for tune in tunes:
        # The user's title is theirs; the model's never names another dance than the tune's.
        text = tune.text.replace(f"T:{fed_title}\n", f"T:{real_title}\n", 1) if "T" in forced else consistent_title(
            tune.text)
        text = with_seed_note(text, tune.seed)
        if settings.chords:
            text = _with_chords(text, notes)
        if tune.truncated:
            number = text.split("\n", 1)[0]
            notes.append(f"{number} reached --max-chars {settings.max_chars}: cut back to its last complete bar")
            text += f"\n{CUT_MARK} {settings.max_chars}, after the last complete bar"
        texts.append(text)
    return Sampled(texts, seed, tunes, notes)


def with_seed_note(text: str, seed: int | None) -> str:
    """The tune with an ``N:`` line naming the seed that makes it again (``--n 1 --seed S``, same settings)."""
    return text if seed is None else with_note(text, f"seed {seed}")


def _with_chords(text: str, notes: list[str]) -> str:
    """The tune with guitar chords, or as it is with a note saying why it has none."""
    from abcrnn.text.chords import add_chords

    try:
        return add_chords(text)
    except AbcrnnError as error:
        notes.append(f"{text.split(chr(10), 1)[0]} has no chords: {error}")
        return text


def check_job(bundle, settings: SampleSettings) -> None:
    """Raise now what ``sample_from`` would find wrong only once started: a rhythm the model never saw, a
    character of the primer or a forced field it cannot read, a field set by both the primer and an option."""
    from abcrnn.sampling.writing import check_primer

    forced = _forced_fields(settings)
    rhythm_chooser(_rhythm(settings, bundle.header_statistics), forced, bundle.header_statistics)
    bundle.vocabulary.encode(settings.primer + "".join(value for letter, value in forced.items() if letter != "T"))
    check_primer(settings.primer, forced, bundle.header_order)


def _forced_fields(settings: SampleSettings) -> dict[str, str]:
    return {letter: str(value) for letter, value in (("T", settings.title), ("M", settings.meter),
                                                     ("K", settings.key)) if value is not None}  # fmt: skip


def _rhythm(settings: SampleSettings, headers: dict | None) -> str:
    """The rhythm asked for: jig by default, unless the model's corpus names no rhythm at all."""
    if settings.rhythm is not None:
        return str(settings.rhythm)
    return "any" if headers and set(headers["rhythms"]) == {"none"} else "jig"


def rhythm_chooser(rhythm: str, forced: dict[str, str], headers: dict | None, notes: list[str] | None = None):
    """A function ``(count, seed) -> forced fields per tune`` that sets each tune's R: for ``--rhythm``.

    Each tune's rhythm comes from its own seed. A named rhythm is forced on every tune. With ``any`` and a forced meter,
    each tune gets a rhythm the corpus has in that meter (or none), drawn with
    the corpus's frequencies, so that a forced 6/8 cannot yield a reel.
    A warning for the user is added to ``notes``.
    """
    from abcrnn.text.rhythms import rhythm_meter_pairs, rhythm_name

    if rhythm.strip().lower() != "any":
        name = rhythm_name(rhythm)
        known = sorted(set(headers["rhythms"]) - {"none"}) if headers else None
        if not name or (known is not None and name not in known):
            raise AbcrnnError(f"--rhythm {rhythm!r}: the model never saw that rhythm; it knows {', '.join(known or [])}"
                              " and any")  # fmt: skip
        if "M" in forced and headers and not rhythm_meter_pairs(headers["rhythm_meters"]).get((name, forced["M"])):
            (notes if notes is not None else []).append(
                f"warning: the corpus has no {name} in {forced['M']}; the tunes may not sound like one")
        return lambda seeds: [forced | {"R": name}] * len(seeds)
    if "M" not in forced or not headers:
        return lambda seeds: [forced] * len(seeds)
    pairs = {name: number for (name, meter), number in rhythm_meter_pairs(headers["rhythm_meters"]).items()
             if meter == forced["M"]}  # fmt: skip
    if not pairs:
        return lambda seeds: [forced] * len(seeds)
    names, weights = list(pairs), np.array(list(pairs.values()), float)

    def choose(seeds: list[int]) -> list[dict[str, str]]:
        drawn = [np.random.default_rng([seed, 1]).choice(len(names), p=weights / weights.sum()) for seed in seeds]
        return [forced | {"R": "" if names[i] == "none" else names[i]} for i in drawn]

    return choose


def _sample_valid(draw, n: int, seed: int, max_attempts: int, progress, time_limit: float = DEFAULT_TIME_LIMIT,
                  notes: list[str] | None = None) -> list[SampledTune]:  # fmt: skip
    """Sample rounds of tunes until ``n`` pass validation; add what was rejected and why to ``notes``."""
    from collections import Counter

    from abcrnn.text.validate import error_kind, validate_tunes

    kept, reasons, attempts = [], Counter(), 0
    while len(kept) < n and attempts < max_attempts:
        count = min(max_attempts - attempts, max(2 * (n - len(kept)), 4))
        drawn = draw([seed + attempts + number for number in range(count)], None)  # the seeds in turn
        # A tune cut at --max-chars is rejected as such: music21 need not read it (nor a tune already read).
        unread = [tune.text for tune in drawn if not tune.truncated and tune.errors is None]
        reports = iter(validate_tunes(unread, time_limit=time_limit))
        for tune in drawn:
            errors = ["cut at --max-chars"] if tune.truncated else tune.errors
            errors = next(reports).errors if errors is None else errors
            if errors:
                reasons.update({error_kind(error) for error in errors})
            elif len(kept) < n:
                tune.text, tune.errors = numbered(tune.text, len(kept) + 1), []
                kept.append(tune)
                if progress:
                    progress(len(kept))
        attempts += count
    rejected = attempts - len(kept)
    summary = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common()) or "none"
    (notes if notes is not None else []).append(
        f"--valid-only: sampled {attempts} tunes, kept {len(kept)}, rejected {rejected} (reasons: {summary})")
    if len(kept) < n:
        raise AbcrnnError(f"--valid-only: only {len(kept)} of {n} tunes passed validation in {attempts} attempts; "
                          "raise --max-attempts or lower --temperature")  # fmt: skip
    return kept
