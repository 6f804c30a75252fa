from conftest import DATA, assert_one_line_error, run_cli

from abcrnn.text.abc import split_tunes
from abcrnn.sound.midi import tune_to_midi
from abcrnn.text.parsing import parse_abc


def read_back(path):
    from music21 import converter, tempo

    score = converter.parse(str(path))
    marks = list(score.recurse().getElementsByClass(tempo.MetronomeMark))
    return score, marks


def test_midi_command_writes_one_playable_file_per_tune(tmp_path):
    out = tmp_path / "midi"
    result = run_cli("midi", str(DATA / "good_jigs.abc"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in out.iterdir())
    assert names == ["001_Anacrusis_and_Endings.mid", "002_Lead_in_After_the_Double_Bar.mid",
                     "003_Meter_Change_and_Sixteenths.mid", "004_Lone_Pickup_Before_the_Repeat.mid"]  # fmt: skip
    tunes = split_tunes((DATA / "good_jigs.abc").read_text())
    for name, tune in zip(names, tunes):
        score, marks = read_back(out / name)
        played = [n for n in score.flatten().notes]
        assert len(played) >= len(parse_abc(tune).flatten().notes) * 0.9  # repeats may add notes, never lose them
        assert marks and round(marks[0].getQuarterBPM()) == 165  # 110 dotted quarters a minute


def test_tempo_option_and_q_field(tmp_path):
    tune = split_tunes((DATA / "good_jigs.abc").read_text())[0]
    path = tmp_path / "x.mid"
    path.write_bytes(tune_to_midi(tune, tempo=80))
    assert round(read_back(path)[1][0].getQuarterBPM()) == 120
    path.write_bytes(tune_to_midi(tune.replace("K:D", "Q:1/4=90\nK:D")))
    assert round(read_back(path)[1][0].getQuarterBPM()) == 90


def test_unrenderable_tune_is_skipped_and_others_written(tmp_path):
    source = tmp_path / "mixed.abc"
    source.write_text((DATA / "good_jigs.abc").read_text() + "\nX:5\nT:Nothing\nM:6/8\nK:G\n%only a comment\n")
    out = tmp_path / "midi"
    result = run_cli("midi", str(source), "--out", str(out))
    assert result.returncode == 1
    assert "skipped 005_Nothing.mid" in result.stderr and "wrote 4 MIDI files" in result.stderr
    assert len(list(out.iterdir())) == 4


def test_unwritable_output_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_one_line_error(run_cli("midi", str(DATA / "good_jigs.abc"), "--out", str(blocker / "midi")), "cannot create")


def test_midi_bad_inputs(tmp_path):
    assert_one_line_error(run_cli("midi", str(tmp_path / "missing.abc")), "no such file")
    empty = tmp_path / "empty.abc"
    empty.write_text("")
    assert_one_line_error(run_cli("midi", str(empty)), "empty")
