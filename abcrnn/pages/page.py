"""The tune book: one self-contained HTML page of tunes as sheet music, to play, read and download.

Python gathers the tunes, their validation verdicts, tempos and MIDI files
into one JSON blob; ``static/tunebook.html`` with its script and style turns
it into the page, with abcjs (vendored, see ``static/README.md``) drawing the
music. Everything is inlined, so the page works from ``file://`` offline.
"""

import base64
import html
import json
import re
from functools import partial
from pathlib import Path

from abcrnn.text.abc import header_fields
from abcrnn.bounded import DEFAULT_TIME_LIMIT, map_bounded
from abcrnn.errors import AbcrnnError
from abcrnn.sound.midi import DEFAULT_INSTRUMENT, midi_file_name, tune_tempo, tune_to_midi

STATIC = Path(__file__).parent / "static"
MOST_TUNES = 1000  # a page stays usable (drawn as it scrolls) well past 200 tunes; past this, split the file


def page_data(tunes: list[str], note: str = "", instrument: str = DEFAULT_INSTRUMENT,
              time_limit: float = DEFAULT_TIME_LIMIT, progress=None) -> dict:  # fmt: skip
    """What the page shows of each tune: its text, heading, verdict, tempo and MIDI file."""
    from abcrnn.text.validate import validate_tunes

    reports = validate_tunes(tunes, time_limit=time_limit)
    midis = map_bounded(partial(tune_to_midi, instrument=instrument), tunes, time_limit, progress=progress)
    entries = []
    for number, (tune, report, midi) in enumerate(zip(tunes, reports, midis), start=1):
        fields = header_fields(tune)
        entries.append({
            "number": number,
            "heading": f"X:{fields.get('X', number)} {fields.get('T', '(untitled)')}",
            "abc": tune.strip("\n"),
            "valid": report.valid,
            "verdict": "valid" if report.valid else "invalid: " + "; ".join(report.errors[:3]),
            "tempo": tune_tempo(tune)[0],  # None: the page reads the tune's Q: field
            "midi": base64.b64encode(midi.value).decode("ascii") if midi.value else None,
            "midi_name": midi_file_name(tune),
            "midi_error": midi.error,
        })  # fmt: skip
    return {"note": note, "tunes": entries}


def fill_template(name: str, title: str, data: dict, **extra: str) -> str:
    """``static/NAME.html`` with its title, ``NAME.css``, ``NAME.js``, ``data`` and the ``extra`` parts inlined."""
    template = (STATIC / f"{name}.html").read_text(encoding="utf-8")
    parts = {
        "title": html.escape(title),
        "style": (STATIC / f"{name}.css").read_text(encoding="utf-8"),
        # Inside <script>, "</" could close the element early; JSON may write it as "<\/".
        "data": json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
        "script": (STATIC / f"{name}.js").read_text(encoding="utf-8"),
        **extra,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda match: parts[match.group(1)], template)


def render_page(data: dict, title: str) -> str:
    """The tune book's HTML: its template with abcjs, its style, script and ``data`` inlined."""
    return fill_template("tunebook", title, data, abcjs=(STATIC / "abcjs-basic-min.js").read_text(encoding="utf-8"),
                         player=(STATIC / "player.js").read_text(encoding="utf-8"))


def write_page(tunes: list[str], out: str, title: str, note: str = "", instrument: str = DEFAULT_INSTRUMENT,
               time_limit: float = DEFAULT_TIME_LIMIT, progress=None) -> int:  # fmt: skip
    """Build the page of ``tunes`` and write it to ``out`` whole (or not at all); return how many are invalid."""
    from abcrnn.files import write_atomic

    if len(tunes) > MOST_TUNES:
        raise AbcrnnError(f"{len(tunes)} tunes is more than one page holds well ({MOST_TUNES}); split the file")
    data = page_data(tunes, note, instrument, time_limit, progress)
    write_atomic(out, render_page(data, title))
    return sum(not entry["valid"] for entry in data["tunes"])
