"""``abcrnn page``: a tune book page of an ABC file."""

import sys
from pathlib import Path

from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit
from abcrnn.pages.page import write_page
from abcrnn.sound.midi import DEFAULT_INSTRUMENT, check_instrument


def page(file: str, out: str = "tunes.html", title: str | None = None, instrument: str = DEFAULT_INSTRUMENT,
         time_limit: float = DEFAULT_TIME_LIMIT) -> None:  # fmt: skip
    """Write a tune book page: every tune as sheet music with play, tempo, its ABC, verdict and MIDI.

    One HTML file that works from file:// with the network off. A tune that
    fails validation or cannot be drawn says so on the page; the rest show.

    Args:
        file: the ABC file.
        out: the HTML file to write.
        title: the page's title (default: the file's name).
        instrument: the sound of the MIDI downloads (see `abcrnn midi`).
        time_limit: seconds one tune may take to validate or render.
    """
    from abcrnn.files import read_tunes
    from abcrnn.progress import progress_printer

    check_instrument(instrument)
    time_limit = check_time_limit(time_limit)
    tunes = read_tunes(file)
    invalid = write_page(tunes, out, str(title or Path(file).name), instrument=instrument, time_limit=time_limit,
                         progress=progress_printer(len(tunes), "prepared tunes:"))
    print(f"wrote {out}: {len(tunes)} tunes ({invalid} with a validation note); open it in a browser",
          file=sys.stderr)  # fmt: skip
