"""No tune can hang a command: fields music21 cannot take are refused, and every tune has a time limit."""

import time

import pytest
from conftest import DATA, assert_one_line_error, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from mutations import ALPHABET, KINDS, mutate

import abcrnn.text.parsing
import abcrnn.text.validate
from abcrnn.text.abc import split_tunes
from abcrnn.bounded import map_bounded
from abcrnn.sound.midi import midi_file_name, render_tunes
from abcrnn.pages.page import page_data
from abcrnn.text.parsing import field_errors
from abcrnn.text.validate import Report, validate_tune, validate_tunes

GOOD = "X:2\nT:Fine\nM:6/8\nL:1/8\nK:G\nGAB cBA|GAB cBA:|\n"
# Cases that once hung or broke a command, kept by name.
REGRESSIONS = {
    "meter run into the unit length": "X:1\nT:Hang\nM:6:87L:1/8\nK:G\nGAB cBA|GAB cBA:|\n",
    "meter of 9999 beats": "X:1\nT:Hang\nM:9999/8\nL:1/8\nK:G\nGAB cBA|GAB cBA:|\n",
    "inline meter of 9999 beats": "X:1\nT:Hang\nM:6/8\nL:1/8\nK:G\nGAB cBA|[M:9999/8]GAB cBA:|\n",
    "unit length not a power of two": "X:1\nT:Odd\nM:6/8\nL:1/7\nK:G\nGAB cBA|GAB cBA:|\n",
    "meter field inside the music": "X:1\nT:Odd\nM:6/8\nL:1/8\nK:G\nGAB cBA|\nM:12:8\nGAB cBA:|\n",
    # bench/fuzz.py found these: music21 re-bars such a note for more than 10 s.
    "a note 283 units long": "X:1\nT:Long\nM:6/8\nL:1/8\nK:G\nA|B283)ed3cD A GG G2 A|BGG dGG|BAA ABc:|\n",
    "a length after a decoration": "X:1\nT:Long\nM:6/8\nL:1/8\nK:A\ng|aed cBA|dB#aT512~G A2:|\n",
}
TUNES = split_tunes((DATA / "jigs120.abc").read_text())[:40]
LIMIT = 10.0


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_slow_item_is_stopped_and_the_others_keep_their_results_in_order():
    started = time.monotonic()
    outcomes = map_bounded(sleep_for, [0.0, 60.0, 0.1, 0.0], time_limit=1.0, workers=2)
    assert time.monotonic() - started < 30
    assert [outcome.value for outcome in outcomes] == [0.0, None, 0.1, 0.0]
    assert outcomes[1].error == "took longer than 1 s to read"


def test_an_exception_is_an_outcome_and_the_worker_goes_on():
    outcomes = map_bounded(int, ["1", "x", "3"], workers=1)
    assert [outcome.value for outcome in outcomes] == [1, None, 3]
    assert outcomes[1].error.startswith("ValueError")


@pytest.mark.parametrize("name", REGRESSIONS)
def test_malformed_fields_are_reported_naming_the_line(name):
    errors = validate_tune(REGRESSIONS[name]).errors
    assert any(error.startswith("line ") for error in errors), errors


def test_fields_of_every_tune_music21_ships_in_our_collections_pass():
    from abcrnn.training.corpus import collection_sources

    tunes = [tune for _, text in collection_sources(["oneills1850", "ryansMammoth"]) for tune in split_tunes(text)]
    assert len(tunes) > 1000 and [field_errors(tune) for tune in tunes if field_errors(tune)] == []


def test_music21_hanging_on_a_tune_is_stopped_from_outside(monkeypatch):
    # Without the field check music21 never returns on this meter; the time limit still stops it.
    monkeypatch.setattr(abcrnn.text.validate, "field_errors", lambda tune: [])
    monkeypatch.setattr(abcrnn.text.parsing, "field_errors", lambda tune: [])
    hanging = REGRESSIONS["meter run into the unit length"]
    reports = validate_tunes([hanging, GOOD], time_limit=3)
    assert reports[0].errors == ["took longer than 3 s to read"] and reports[1].valid


def test_validate_command_reports_each_bad_tune_and_checks_the_rest(tmp_path):
    path = tmp_path / "mixed.abc"
    path.write_text("\n".join([*REGRESSIONS.values(), GOOD]))
    result = run_cli("validate", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(REGRESSIONS) + 1 and lines[-1] == "X:2 Fine: valid"
    assert all(": invalid: " in line and "line " in line for line in lines[:-1]), lines


def test_midi_command_skips_bad_tunes_and_writes_the_good_one(tmp_path):
    path = tmp_path / "mixed.abc"
    path.write_text("\n".join([*REGRESSIONS.values(), GOOD]))
    result = run_cli("midi", str(path), "--out", str(tmp_path / "midi"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [file.name for file in (tmp_path / "midi").iterdir()] == ["002_Fine.mid"]
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped) == len(REGRESSIONS) and all("line " in line for line in skipped), skipped


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_bad_time_limit_is_a_one_line_error(value):
    assert_one_line_error(run_cli("validate", str(DATA / "good_jigs.abc"), "--time-limit", value), "--time-limit")


mutation = st.tuples(st.sampled_from(KINDS), st.floats(0, 1), st.text(alphabet=ALPHABET, min_size=1, max_size=8))


@settings(max_examples=120, deadline=None, derandomize=True)
@given(tune=st.sampled_from(TUNES), mutations=st.lists(mutation, min_size=1, max_size=4))
@pytest.mark.slow
def test_mutated_tunes_get_a_verdict_a_midi_verdict_and_a_page_within_the_limit(tmp_path_factory, tune, mutations):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    mutated = mutate(tune, mutations)
    assert isinstance(validate_tune(mutated), Report)  # in this process: never raises
    (report,) = validate_tunes([mutated], time_limit=LIMIT)
    assert isinstance(report, Report) and all(isinstance(error, str) for error in report.errors)
    assert not any("longer than" in error for error in report.errors), (mutated, report.errors)
    ((written, why),) = render_tunes([mutated], str(tmp_path / "midi"), time_limit=LIMIT)
    assert why is None or "longer than" not in why, (mutated, why)
    assert (why is None) == (tmp_path / "midi" / midi_file_name(mutated)).is_file()
    (entry,) = page_data([mutated], time_limit=LIMIT)["tunes"]  # the tune book reads it the same bounded way
    assert entry["valid"] == report.valid and (entry["midi"] is None) == (why is not None)
