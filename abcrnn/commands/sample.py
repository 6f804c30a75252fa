"""``abcrnn sample``: new tunes from a model bundle, written as ABC (and MIDI, and a tune book page)."""

import sys

from abcrnn.bounded import DEFAULT_TIME_LIMIT


def sample(
    weights: str | None = None,
    n: int = 5,
    temperature: float = 0.9,
    top_k: int = 0,
    top_p: float = 0.95,
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
    best_of: int = 8,
    whole_bars: bool = True,
    break_loops: bool = True,
    chords: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> None:
    """Sample new tunes from a trained model and write them as ABC.

    Args:
        weights: model bundle folder (default: the shipped folk model, weights/folk).
        n: how many tunes.
        temperature: below 1 plays safe, above 1 takes risks.
        top_k: sample only from the k likeliest characters (0: all).
        top_p: sample only from the likeliest characters holding this share of probability.
        seed: the same seed and settings give the same tunes (default: a random seed, printed); tune i has seed
            seed + i - 1 (its N: line), and --n 1 --seed with it makes that tune again.
        primer: ABC text each tune starts with; \\n starts a new line, e.g. 'T:My Jig\\nM:6/8\\nL:1/8\\nK:G\\nGAB';
            music alone ('|:GAB') opens each tune after the header the model writes.
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
        best_of: sample up to this many candidates for each tune, more only while none is acceptable (valid,
            complete, ending at home, not looping), and keep the first that is; where none is, the one the
            critic ranks best (1: no critic).
        whole_bars: refuse a bar line that would close a bar short of the meter (but an anacrusis, the bar that
            completes it, or a bar short by a lead-in), a note in a full bar and a length that overfills one, and
            draw again; False lets the model write any bar.
        break_loops: where the tune has just played a passage twice running, its copy memory does not propose
            a third playing (the network alone may still choose one); False samples the model as it scores.
        chords: write guitar chords into each tune, as `abcrnn chords` does; the MIDI and the page play them.
        time_limit: seconds music21 may take to validate or render one tune; a slower one is rejected.
    """
    from abcrnn.files import write_atomic
    from abcrnn.model.bundle import default_weights, load_bundle
    from abcrnn.progress import progress_printer
    from abcrnn.sampling.sample import SampleSettings, sample_from
    from abcrnn.text.abc import join_tunes

    settings = SampleSettings(
        n=n, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed, primer=primer, title=title, meter=meter,
        key=key, rhythm=rhythm, header_temperature=header_temperature, max_chars=max_chars, valid_only=valid_only,
        max_attempts=max_attempts, best_of=best_of, whole_bars=bool(whole_bars),
        break_loops=bool(break_loops), chords=bool(chords), time_limit=time_limit,
    )  # fmt: skip
    if midi or page:
        from abcrnn.sound.midi import check_instrument

        check_instrument(instrument)
    bundle = load_bundle(weights or default_weights())
    settings = settings.with_seed()
    print(f"sampling {n} tune{'s' * (n > 1)} with seed {settings.seed} from {bundle.path}", file=sys.stderr)
    result = sample_from(bundle, settings, progress_printer(n, "valid tunes:" if valid_only else "sampled tunes:"))
    for note in result.notes:
        print(note, file=sys.stderr)
    texts = result.texts
    if out:
        write_atomic(out, join_tunes(texts))
        print(f"wrote {len(texts)} tune{'s' * (len(texts) != 1)} to {out}", file=sys.stderr)
    else:
        sys.stdout.write(join_tunes(texts))
    if midi:
        from abcrnn.commands.midi import report_rendering
        from abcrnn.sound.midi import render_tunes

        rendered = render_tunes(texts, midi, progress=progress_printer(len(texts), "rendered tunes:"),
                                time_limit=time_limit, instrument=instrument)  # fmt: skip
        report_rendering(rendered, midi)
    if page:
        from abcrnn.pages.page import write_page

        note = (f"Sampled from {bundle.path} with seed {result.seed} at temperature {temperature}; each tune's N: line "
                f"names its own seed (--n 1 --seed S makes it again).")  # fmt: skip
        invalid = write_page(texts, page, f"{len(texts)} tunes sampled by abcrnn", note, instrument, time_limit,
                             progress_printer(len(texts), "prepared tunes:"))
        print(f"wrote {page}: {len(texts)} tunes ({invalid} with a validation note); open it in a browser",
              file=sys.stderr)  # fmt: skip
