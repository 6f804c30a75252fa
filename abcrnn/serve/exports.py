"""The tune book of ``abcrnn serve`` as files to keep: one ABC file, MIDI or MusicXML files in a zip, the offline page."""

import io
import zipfile

from abcrnn.bounded import map_bounded
from abcrnn.errors import AbcrnnError
from abcrnn.text.abc import join_tunes, numbered

BOOK_TITLE = "abcrnn tune book"


def book_texts(tunes: list) -> list[str]:
    """The saved tunes' ABC, numbered X:1, X:2, ... in the book's order."""
    if not tunes:
        raise AbcrnnError("the tune book has no tunes to export yet: save one first")
    return [numbered(tune.abc.strip("\n"), number) for number, tune in enumerate(tunes, start=1)]


def book_abc(tunes: list) -> str:
    """The book as one ABC file."""
    return join_tunes(book_texts(tunes))


def book_midi_zip(tunes: list) -> bytes:
    """The book as a zip of MIDI files, one per tune (a tune that cannot be played is named in a note)."""
    from abcrnn.sound.midi import midi_file_name, tune_to_midi

    return _book_zip(tunes, tune_to_midi, midi_file_name, "not-played.txt")


def book_musicxml_zip(tunes: list) -> bytes:
    """The book as a zip of MusicXML files, one per tune (a tune that cannot be written is named in a note)."""
    from abcrnn.sound.musicxml import musicxml_file_name, tune_to_musicxml

    return _book_zip(tunes, tune_to_musicxml, musicxml_file_name, "not-written.txt")


def _book_zip(tunes: list, render, file_name, failures_name: str) -> bytes:
    texts = book_texts(tunes)
    buffer, failures = io.BytesIO(), []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for text, outcome in zip(texts, map_bounded(render, texts)):
            if outcome.error:
                failures.append(f"{file_name(text)}: {outcome.error}")
            else:
                archive.writestr(file_name(text), outcome.value)
        if failures:
            archive.writestr(failures_name, "\n".join(failures) + "\n")
    return buffer.getvalue()


def book_page(tunes: list) -> str:
    """The book as the offline page ``abcrnn page`` writes."""
    from abcrnn.pages.page import page_data, render_page

    return render_page(page_data(book_texts(tunes), note="Saved in abcrnn serve."), BOOK_TITLE)
