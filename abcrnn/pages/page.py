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
from abcrnn.sound.musicxml import musicxml_file_name, tune_to_musicxml

STATIC = Path(__file__).parent / "static"
MOST_TUNES = 1000  # a page stays usable (drawn as it scrolls) well past 200 tunes; past this, split the file


def page_data(tunes: list[str], note: str = "", instrument: str = DEFAULT_INSTRUMENT,
              time_limit: float = DEFAULT_TIME_LIMIT, progress=None) -> dict:  # fmt: skip
    """What the page shows of each tune: its text, heading, verdict, tempo, MIDI and MusicXML files, backing."""
    from abcrnn.text.validate import validate_tunes

    reports = validate_tunes(tunes, time_limit=time_limit)
    midis = map_bounded(partial(tune_to_midi, instrument=instrument), tunes, time_limit, progress=progress)
    scores = map_bounded(_deflated_musicxml, tunes, time_limit)
    entries = []
    for number, (tune, report, midi, score) in enumerate(zip(tunes, reports, midis, scores), start=1):
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
            "backing": _backing(tune),
            "musicxml": base64.b64encode(score.value).decode("ascii") if score.value else None,
            "musicxml_name": musicxml_file_name(tune),
        })  # fmt: skip
    return {"note": note, "tunes": entries}


def _deflated_musicxml(tune: str) -> bytes:
    import zlib

    return zlib.compress(tune_to_musicxml(tune), 9)


def _backing(tune: str) -> list[list]:
    """What the page's player plays under a tune with guitar chords (as its MIDI does); none where it cannot."""
    from abcrnn.sound.accompaniment import backing_rows
    from abcrnn.text.chords import has_chords

    if not has_chords(tune):
        return []
    try:
        return backing_rows(tune)
    except Exception:  # a tune music21 or the reader cannot read plays its melody alone
        return []


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
