"""Tunes as MusicXML, for MuseScore, Finale, Sibelius or Dorico: notation as written, repeats and endings kept.

Where MIDI plays a tune unfolded, MusicXML keeps what a player reads: the key and meter,
the title, bar lines with their repeat signs, first and second endings, chord symbols,
ties, triplets and grace notes. music21 reads the ABC and writes the XML.
"""

from abcrnn.bounded import DEFAULT_TIME_LIMIT
from abcrnn.sound.tune_files import tune_file_name, write_tune_files
from abcrnn.text.abc import header_fields

SUFFIX = ".musicxml"


def tune_to_score(tune: str):
    """The music21 score of a tune, titled, with its composer or source where the tune names one."""
    from music21 import metadata

    from abcrnn.text.parsing import parse_abc

    score = parse_abc(tune)
    if not score.flatten().notes:
        raise ValueError("no notes")
    fields = header_fields(tune)
    score.metadata = score.metadata or metadata.Metadata()
    score.metadata.title = fields.get("T", "").strip() or "Untitled"
    score.metadata.movementName = None
    if fields.get("C"):
        score.metadata.composer = fields["C"].strip()
    return score


def tune_to_musicxml(tune: str) -> bytes:
    """The MusicXML file of one tune (UTF-8 bytes); raises what music21 raises on a tune it cannot read."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    from abcrnn.text.parsing import quiet

    score = tune_to_score(tune)
    with quiet():
        return GeneralObjectExporter(score).parse()


def musicxml_file_name(tune: str) -> str:
    """The file name of a tune's MusicXML, from its X number and title."""
    return tune_file_name(tune, SUFFIX)


def render_musicxml(tunes: list[str], out: str, progress=None,
                    time_limit: float = DEFAULT_TIME_LIMIT) -> list[tuple[str, str | None]]:  # fmt: skip
    """Write one MusicXML file per tune into ``out``; return (file or tune, None or why it failed)."""
    return write_tune_files(tunes, out, tune_to_musicxml, SUFFIX, progress, time_limit)
