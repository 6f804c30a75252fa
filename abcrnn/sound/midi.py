"""Render tunes to MIDI files with music21, one file per tune."""

import os
import re
from functools import partial
from pathlib import Path

from abcrnn.text.abc import header_fields
from abcrnn.bounded import DEFAULT_TIME_LIMIT, map_bounded
from abcrnn.errors import AbcrnnError
from abcrnn.files import write_atomic

# General MIDI programs (numbered from 0) for the instruments folk tunes are played on. The
# default is the fiddle: these collections are fiddle and pipe music (O'Neill was a piper and
# Ryan's Mammoth Collection is a fiddler's book), and GM's violin sounds close to one.
INSTRUMENTS = {"fiddle": 40, "flute": 73, "whistle": 78, "recorder": 74, "accordion": 21, "concertina": 23,
               "bagpipes": 109, "harp": 46, "piano": 0, "guitar": 24, "banjo": 105, "mandolin": 25}  # fmt: skip
DEFAULT_INSTRUMENT = "fiddle"

# Beats per minute when a tune has no Q: field: a lively jig, counted in the
# meter's beat (a dotted quarter in 6/8), and a moderate pace in simple meters.
DEFAULT_COMPOUND_TEMPO, DEFAULT_SIMPLE_TEMPO = 110, 100


def midi_file_name(tune: str) -> str:
    """A safe file name from a tune's X number and title.

    >>> midi_file_name("X:7\\nT:Paddy's Jig / Reel?\\nK:D\\n")
    '007_Paddys_Jig_Reel.mid'
    """
    fields = header_fields(tune)
    number = fields.get("X", "").strip()
    number = f"{int(number):03d}" if number.isdigit() else re.sub(r"\W+", "", number) or "0"
    title = re.sub(r"[^A-Za-z0-9]+", "_", fields.get("T", "").replace("'", "")).strip("_")[:40]
    return f"{number}_{title or 'untitled'}.mid"


def tune_tempo(tune: str, tempo: float | None = None) -> tuple[float | None, float]:
    """Beats a minute and the beat in quarter notes: ``tempo``, else None if the tune has a Q: field, else a default.

    >>> tune_tempo("X:1\\nM:6/8\\nK:D\\n"), tune_tempo("X:1\\nM:C|\\nQ:1/2=90\\nK:D\\n")
    ((110, 1.5), (None, 1.0))
    """
    fields = header_fields(tune)
    compound = re.fullmatch(r"(6|9|12)/8", fields.get("M", "").strip())
    beat = 1.5 if compound else 1.0
    if tempo is None and "Q" in fields:
        return None, beat
    return tempo or (DEFAULT_COMPOUND_TEMPO if compound else DEFAULT_SIMPLE_TEMPO), beat


def check_instrument(name: str) -> int:
    """The General MIDI program of an instrument name, or a one-line error listing the names."""
    program = INSTRUMENTS.get(str(name).strip().lower())
    if program is None:
        raise AbcrnnError(f"unknown instrument {name!r}; choose one of {', '.join(INSTRUMENTS)}")
    return program


def tune_to_midi(tune: str, tempo: float | None = None, instrument: str = DEFAULT_INSTRUMENT) -> bytes:
    """The MIDI file of one tune, played as written; tempo from ``tempo``, else its Q: field, else a default."""
    from music21 import instrument as music21_instrument
    from music21 import midi
    from music21 import tempo as music21_tempo

    from abcrnn.sound.ornaments import play_grace_notes, play_ornaments, trill_note_length
    from abcrnn.text.parsing import MalformedField, field_errors, parse_abc, quiet
    from abcrnn.sound.playable import playable_with_ornaments

    errors = field_errors(tune)  # checked as written: the playable text has no meter left to check
    if errors:
        raise MalformedField(errors[0])
    text, ornaments = playable_with_ornaments(tune)
    score = parse_abc(text)
    if not score.flatten().notes:
        raise ValueError("no notes")
    play_ornaments(score, ornaments, trill_note_length(tune))
    play_grace_notes(score)
    number, beat = tune_tempo(tune, tempo)
    if number is not None:
        for old in score.recurse().getElementsByClass(music21_tempo.MetronomeMark):
            old.activeSite.remove(old)
        mark = music21_tempo.MetronomeMark(number=number, referent=beat)
        target = score.parts[0] if score.parts else score
        target.insert(0, mark)
    for part in score.parts or [score]:
        for old in part.recurse().getElementsByClass(music21_instrument.Instrument):
            old.activeSite.remove(old)
        sound = music21_instrument.Instrument(instrument)
        sound.midiProgram = check_instrument(instrument)
        part.insert(0, sound)
    with quiet():  # music21 warns on stderr of what MIDI cannot hold
        return midi.translate.streamToMidiFile(score).writestr()


def render_tunes(tunes: list[str], out: str, tempo: float | None = None, progress=None,
                 time_limit: float = DEFAULT_TIME_LIMIT,
                 instrument: str = DEFAULT_INSTRUMENT) -> list[tuple[str, str | None]]:  # fmt: skip
    """Write one MIDI file per tune into ``out``; return (file or tune, None or why it failed).

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
    render = partial(tune_to_midi, tempo=tempo, instrument=instrument)
    for tune, outcome in zip(tunes, map_bounded(render, tunes, time_limit, progress=progress)):
        name = midi_file_name(tune)
        if outcome.error:
            results.append((name, f"cannot render it: {outcome.error}"))
        else:
            write_atomic(folder / name, outcome.value)
            results.append((str(folder / name), None))
    return results
