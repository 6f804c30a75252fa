"""``abcrnn sample``: new tunes from a model bundle, written as ABC (and MIDI, and a tune book page)."""

import sys

from abcrnn.declared import command_from
from abcrnn.sampling.sample import SampleSettings


def _sample(settings, weights: str | None, out: str | None, midi: str | None, page: str | None, instrument: str) -> None:
    from abcrnn.files import write_atomic
    from abcrnn.model.bundle import default_weights, load_bundle
    from abcrnn.progress import progress_printer
    from abcrnn.sampling.sample import sample_from
    from abcrnn.text.abc import join_tunes

    n, valid_only, temperature, time_limit = settings.n, settings.valid_only, settings.temperature, settings.time_limit
    if midi or page:
        from abcrnn.sound.midi import check_instrument

        check_instrument(instrument)
    bundle = load_bundle(weights or default_weights())
    settings = settings.with_seed()
    announce = lambda: print(f"sampling {n} tune{'s' * (n > 1)} with seed {settings.seed} from {bundle.path}",  # noqa: E731
                             file=sys.stderr)  # once the model has been found to know the rhythm asked for
    result = sample_from(bundle, settings, progress_printer(n, "valid tunes:" if valid_only else "sampled tunes:"),
                         starting=announce)  # fmt: skip
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


sample = command_from(
    _sample, SampleSettings, "Sample new tunes from a trained model and write them as ABC.",
    before=[("weights", str | None, None, "model bundle folder (default: the shipped folk model, weights/folk).")],
    after=[("out", str | None, None, "ABC file to write (default: print to standard output)."),
           ("midi", str | None, None, "also write one MIDI file per tune into this folder."),
           ("page", str | None, None, "also write the tunes as a tune book page (sheet music, play, MIDI), e.g. "
                                      "tunes.html."),
           ("instrument", str, "fiddle", "the MIDI files' sound: fiddle, flute, whistle, accordion, piano, ... (see "
                                         "`abcrnn midi`).")],
)  # fmt: skip
