"""``abcrnn musicxml``: one MusicXML file per tune, to open in MuseScore and other notation programs."""

from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit


def musicxml(file: str, out: str = "musicxml", time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    """Write every tune of an ABC file as its own MusicXML file: notes, key, meter, title, repeats, endings, chords.

    Exits 1 if any tune could not be written (the others still are).

    Args:
        file: the ABC file.
        out: folder for the files, named from each tune's X number and title (.musicxml).
        time_limit: seconds one tune may take; a slower one is reported and the rest go on.
    """
    from abcrnn.commands.midi import report_rendering
    from abcrnn.files import read_tunes
    from abcrnn.progress import progress_printer
    from abcrnn.sound.musicxml import render_musicxml

    time_limit = check_time_limit(time_limit)
    tunes = read_tunes(file)
    results = render_musicxml(tunes, out, progress_printer(len(tunes), "written tunes:"), time_limit)
    if report_rendering(results, out, "MusicXML files"):
        raise SystemExit(1)
