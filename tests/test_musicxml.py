"""MusicXML for MuseScore and other notation programs: the notes, key, meter, title, repeats, endings and chords."""

import pytest
from conftest import DATA, assert_one_line_error, run_cli

from abcrnn.files import read_tunes
from abcrnn.sound.musicxml import tune_to_musicxml
from abcrnn.text.chords import add_chords
from abcrnn.text.parsing import parse_abc


def _pitches(score) -> list[int]:
    return [pitch.midi for note in score.flatten().notes for pitch in note.pitches]


def _read_back(xml: bytes):
    from music21 import converter

    return converter.parseData(xml.decode("utf-8"), format="musicxml")


@pytest.mark.parametrize("tune", read_tunes(DATA / "good_jigs.abc") + read_tunes(DATA / "rhythms60.abc")[:12])
def test_music21_reads_back_the_same_notes(tune):
    assert _pitches(_read_back(tune_to_musicxml(tune))) == _pitches(parse_abc(tune))


def test_the_file_keeps_title_key_meter_repeats_endings_and_chords():
    tune = read_tunes(DATA / "good_jigs.abc")[0]  # K:D, 6/8, a repeat with first and second endings
    xml = tune_to_musicxml(add_chords(tune, replace=True)).decode("utf-8")
    assert "<work-title>Anacrusis and Endings</work-title>" in xml
    assert "<fifths>2</fifths>" in xml and "<beats>6</beats>" in xml and "<beat-type>8</beat-type>" in xml
    assert '<repeat direction="backward"' in xml and '<ending number="1" type="start"' in xml
    assert '<ending number="2"' in xml and xml.count("<harmony") > 5


def test_musicxml_command_writes_one_file_per_tune(tmp_path):
    result = run_cli("musicxml", str(DATA / "good_jigs.abc"), "--out", str(tmp_path / "scores"))
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "scores").iterdir())
    assert [file.suffix for file in files] == [".musicxml"] * 4 and files[0].name == "001_Anacrusis_and_Endings.musicxml"
    assert "wrote 4 MusicXML files" in result.stderr


@pytest.mark.parametrize("content", ["", "\x00\x01binary", "X:1\nT:No notes\nM:6/8\nK:G\n"])
def test_musicxml_bad_input(tmp_path, content):
    source = tmp_path / "bad.abc"
    source.write_text(content)
    result = run_cli("musicxml", str(source), "--out", str(tmp_path / "scores"))
    if content.startswith("X:"):  # a tune music21 finds no notes in: named, the command fails, nothing written
        assert result.returncode == 1 and "skipped 001_No_notes.musicxml" in result.stderr
        assert not list((tmp_path / "scores").iterdir())
    else:
        assert_one_line_error(result)
