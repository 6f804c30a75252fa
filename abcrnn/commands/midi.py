"""``abcrnn midi``: one MIDI file per tune, playing what is written."""

import sys

from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit
from abcrnn.errors import AbcrnnError
from abcrnn.files import read_tunes
from abcrnn.sound.midi import DEFAULT_INSTRUMENT, check_instrument, render_tunes


def report_rendering(results: list[tuple[str, str | None]], out: str, what: str = "MIDI files") -> int:
    """Print what was written and what was skipped; return how many were skipped."""
    skipped = [(name, why) for name, why in results if why]
    for name, why in skipped:
        print(f"skipped {name}: {why}", file=sys.stderr)
    print(f"wrote {len(results) - len(skipped)} {what} to {out}", file=sys.stderr)
    return len(skipped)


def render_midi(file: str, out: str = "midi", tempo: float | None = None,
                time_limit: float = DEFAULT_TIME_LIMIT, instrument: str = DEFAULT_INSTRUMENT) -> None:  # fmt: skip
    """Render every tune in an ABC file to its own MIDI file, playing what is written.

    Repeats, first and second endings are unfolded as abc2midi plays them, a tie
    joins only notes of one pitch, rolls (~) and trills (T) sound as the notes they
    stand for, grace notes before their note, and decorations never lose a note.
    Exits 1 if any tune could not be rendered (the others are still written).

    Args:
        file: the ABC file.
        out: folder for the MIDI files, named from each tune's X number and title.
        tempo: beats per minute (dotted quarters in 6/8); default: the tune's Q: field, else 110.
        time_limit: seconds one tune may take to render; a slower one is reported and the rest go on.
        instrument: fiddle (the default), flute, whistle, recorder, accordion, concertina, bagpipes, harp,
            piano, guitar, banjo or mandolin.
    """
    from abcrnn.progress import progress_printer

    check_instrument(instrument)
    if tempo is not None and not float(tempo) > 0:
        raise AbcrnnError(f"--tempo must be above 0, got {tempo}")
    time_limit = check_time_limit(time_limit)
    tunes = read_tunes(file)
    results = render_tunes(tunes, out, tempo, progress_printer(len(tunes), "rendered tunes:"), time_limit, instrument)
    if report_rendering(results, out):
        raise SystemExit(1)
