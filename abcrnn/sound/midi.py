"""Render tunes to MIDI files with music21, one file per tune."""

import re
from functools import partial

from abcrnn.bounded import DEFAULT_TIME_LIMIT
from abcrnn.errors import AbcrnnError
from abcrnn.sound.tune_files import tune_file_name, write_tune_files
from abcrnn.text.abc import header_fields

# General MIDI programs (numbered from 0) for the instruments folk tunes are played on. The
# default is the fiddle: these collections are fiddle and pipe music (O'Neill was a piper and
# Ryan's Mammoth Collection is a fiddler's book), and GM's violin sounds close to one.
INSTRUMENTS = {"fiddle": 40, "flute": 73, "whistle": 78, "recorder": 74, "accordion": 21, "concertina": 23,
               "bagpipes": 109, "harp": 46, "piano": 0, "guitar": 24, "banjo": 105, "mandolin": 25}  # fmt: skip
DEFAULT_INSTRUMENT = "fiddle"
# The accompaniment of a tune with guitar chords (abc2midi plays it on its default piano).
BASS_PROGRAM, CHORD_PROGRAM = 32, 24  # acoustic bass, nylon-string guitar

# Beats per minute when a tune has no Q: field: a lively jig, counted in the
# meter's beat (a dotted quarter in 6/8), and a moderate pace in simple meters.
DEFAULT_COMPOUND_TEMPO, DEFAULT_SIMPLE_TEMPO = 110, 100


def midi_file_name(tune: str) -> str:
    """A safe MIDI file name from a tune's X number and title.

    >>> midi_file_name("X:7\\nT:Paddy's Jig / Reel?\\nK:D\\n")
    '007_Paddys_Jig_Reel.mid'
    """
    return tune_file_name(tune, ".mid")


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
    from abcrnn.sound.accompaniment import tune_backing
    from abcrnn.text.chords import without_chords

    text, ornaments = playable_with_ornaments(tune)
    backing = tune_backing(tune, text)
    score = parse_abc(without_chords(text))
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
    measured = any(part.hasMeasures() for part in score.parts)  # music21 wants all parts measured, or none
    for part in backing_parts(backing):
        score.insert(0, part.makeMeasures() if measured else part)
    with quiet():  # music21 warns on stderr of what MIDI cannot hold
        return midi.translate.streamToMidiFile(score).writestr()


def backing_parts(backing: list) -> list:
    """The accompaniment as two music21 parts: the bass on an acoustic bass, the chords on a guitar."""
    from music21 import chord, instrument, note, stream

    parts = []
    for is_bass, program in ((True, BASS_PROGRAM), (False, CHORD_PROGRAM)):
        played = [item for item in backing if item.bass == is_bass]
        if not played:
            continue
        part = stream.Part()
        sound = instrument.Instrument()
        sound.midiProgram = program
        part.insert(0, sound)
        for offset in sorted({item.offset for item in played}):
            together = [item for item in played if item.offset == offset]
            sounding = note.Note(together[0].pitch) if is_bass else chord.Chord([item.pitch for item in together])
            sounding.quarterLength = together[0].length
            sounding.volume.velocity = together[0].velocity
            part.insert(offset, sounding)
        parts.append(part)
    return parts


def render_tunes(tunes: list[str], out: str, tempo: float | None = None, progress=None,
                 time_limit: float = DEFAULT_TIME_LIMIT,
                 instrument: str = DEFAULT_INSTRUMENT) -> list[tuple[str, str | None]]:  # fmt: skip
    """Write one MIDI file per tune into ``out``; return (file or tune, None or why it failed)."""
    render = partial(tune_to_midi, tempo=tempo, instrument=instrument)
    return write_tune_files(tunes, out, render, ".mid", progress, time_limit)
