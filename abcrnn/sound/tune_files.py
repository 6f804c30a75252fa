"""One file per tune in a folder (MIDI, MusicXML), each rendered within a time limit and written whole."""

import os
import re
from pathlib import Path

from abcrnn.bounded import DEFAULT_TIME_LIMIT, map_bounded
from abcrnn.errors import AbcrnnError
from abcrnn.files import write_atomic
from abcrnn.text.abc import header_fields


def tune_file_name(tune: str, suffix: str) -> str:
    """A safe file name from a tune's X number and title.

    >>> tune_file_name("X:7\\nT:Paddy's Jig / Reel?\\nK:D\\n", ".musicxml")
    '007_Paddys_Jig_Reel.musicxml'
    """
    fields = header_fields(tune)
    number = fields.get("X", "").strip()
    number = f"{int(number):03d}" if number.isdigit() else re.sub(r"\W+", "", number) or "0"
    title = re.sub(r"[^A-Za-z0-9]+", "_", fields.get("T", "").replace("'", "")).strip("_")[:40]
    return f"{number}_{title or 'untitled'}{suffix}"


def write_tune_files(tunes: list[str], out: str, render, suffix: str, progress=None,
                     time_limit: float = DEFAULT_TIME_LIMIT) -> list[tuple[str, str | None]]:  # fmt: skip
    """Write ``render(tune)`` for each tune into ``out``; return (file or tune, None or why it failed).

    Tunes are rendered on every core, each within ``time_limit`` seconds.
    """
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AbcrnnError(f"{out}: cannot create the output folder ({error.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise AbcrnnError(f"{out}: output folder is not writable")
    results = []
    for tune, outcome in zip(tunes, map_bounded(render, tunes, time_limit, progress=progress)):
        name = tune_file_name(tune, suffix)
        if outcome.error:
            results.append((name, f"cannot render it: {outcome.error}"))
        else:
            write_atomic(folder / name, outcome.value)
            results.append((str(folder / name), None))
    return results
