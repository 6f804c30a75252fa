import json

import pytest
from conftest import DATA, ROOT, assert_one_line_error, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abcrnn.text.abc import header_fields, split_tunes
from abcrnn.text.bars import meter_length
from abcrnn.text.validate import validate_tune

GOOD = split_tunes((DATA / "good_jigs.abc").read_text())
JIG = GOOD[0]


@pytest.mark.parametrize("tune", GOOD, ids=lambda tune: header_fields(tune)["T"])
def test_well_formed_jigs_pass(tune):
    report = validate_tune(tune)
    assert report.valid, report.errors


def test_wrong_length_bar_in_the_middle_is_named():
    tune = JIG.replace("B2A {g}AFA", "B2A {g}AF")
    assert validate_tune(tune).errors == ['bar 3 ("G"B2 A A F) is 5/8 long; M:6/8 bars are 6/8']
    tune = JIG.replace('d2e fed|"G"', 'd2e fedc|"G"')
    assert validate_tune(tune).errors == ["bar 2 (d2 e f e d c) is 7/8 long; M:6/8 bars are 6/8"]


def test_music21_re_barring_does_not_hide_an_overlong_bar():
    # music21 would quietly split this 12/8 bar in two; the validator must not.
    tune = "X:1\nT:Long\nM:6/8\nL:1/8\nK:G\nGAB cBA|GAB cBA dBG AFD|G3 G3|]\n"
    assert validate_tune(tune).errors == ["bar 2 (G A B c B A d B G A F D) is 12/8 long; M:6/8 bars are 6/8"]


def test_short_closing_bar_must_complement_the_anacrusis():
    tune = JIG.replace("e3 e2A:|2 e3 e2||", "e3 e2A:|2 e3 e||")
    errors = validate_tune(tune).errors
    assert len(errors) == 1 and "is 4/8 long" in errors[0]


@pytest.mark.parametrize(
    "tune, error",
    [
        ("X:1\nT:No Key\nM:6/8\nL:1/8\nGAB cBA|\n", "missing K: field"),
        ("X:1\nT:No Meter\nL:1/8\nK:G\nGAB cBA|\n", "missing M: field"),
        ("X:1\nM:6/8\nK:G\nGAB cBA|\n", "missing T: field"),
        ("X:1\nT:Empty\nM:6/8\nL:1/8\nK:G\n", "the tune has no music"),
        ("X:1\nT:Open\nM:6/8\nL:1/8\nK:G\nGAB cBA|GAB c3\n", "the music does not end with a closing bar line"),
        ("X:1\nT:Early\nM:6/8\nGAB cBA|\nK:G\nGAB cBA|\n", "music before the K: field (K: must end the header)"),
        ("X:1\nT:Garbage\nM:6/8\nL:1/8\nK:G\n@#$%^&*\n", "the tune has no music"),
        ('X:1\nT:Quote\nM:6/8\nL:1/8\nK:G\n"G"GAB "DcBA|GAB G3|]\n', 'a chord symbol or annotation is not closed: a " with no " after it on its line'),
    ],
)
def test_malformed_tunes_fail_with_the_reason(tune, error):
    report = validate_tune(tune)
    assert not report.valid and error in report.errors


def test_a_closed_chord_symbol_passes():
    assert validate_tune('X:1\nT:Quote\nM:6/8\nL:1/8\nK:G\n"G"GAB "D"cBA|GAB G3|]\n').valid


def test_meter_lengths():
    assert meter_length("9/8") == 4.5 and meter_length("C") == 4 and meter_length("3+2/8") == 2.5


@pytest.mark.slow
def test_real_jigs_pass():
    """The jigs of the shipped corpus that their collection marks as jigs (R:) nearly all pass;
    the failures are genuine transcription errors (see README)."""
    tunes = split_tunes((ROOT / "corpora" / "jigs.abc").read_text())
    tagged = [tune for tune in tunes if "R" in header_fields(tune)]
    passed = sum(validate_tune(tune).valid for tune in tagged)
    assert len(tagged) > 400 and passed / len(tagged) >= 0.90


MUTATIONS = st.lists(st.tuples(st.integers(0, len(JIG)), st.sampled_from(list("|:[]()\"!{}2/3>^_=,'zK\n ABCabc"))),
                     max_size=8)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(text=st.text(max_size=300), mutations=MUTATIONS, raw=st.binary(max_size=200))
def test_validator_gives_a_verdict_on_anything_without_failing_itself(text, mutations, raw):
    mutated = JIG
    for position, character in mutations:
        mutated = mutated[:position] + character + mutated[position + 1 :]
    for tune in (text, "X:1\n" + text, mutated, raw.decode("latin-1"), "X:1\nK:G\n" + raw.decode("latin-1")):
        report = validate_tune(tune)
        # Its catch-all turns an exception into "could not be checked": that is a validator bug, not a verdict.
        assert not any(error.startswith("could not be checked") for error in report.errors), report.errors
        assert all(error and "\n" not in error for error in report.errors)  # each error one line
    # Text with no X: or K: line is never a valid tune.
    assert not validate_tune(text.replace("X:", "").replace("K:", "")).valid


def test_validate_command_exit_codes_and_json(tmp_path):
    good = run_cli("validate", str(DATA / "good_jigs.abc"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "4 tunes: 4 valid (100.0%)" in good.stderr
    mixed = tmp_path / "mixed.abc"
    mixed.write_text((DATA / "good_jigs.abc").read_text() + "\nX:9\nT:Broken\nM:6/8\nK:G\nGAB c|\n")
    result = run_cli("validate", str(mixed), "--json")
    assert result.returncode == 1
    reports = json.loads(result.stdout)
    assert [report["valid"] for report in reports] == [True, True, True, True, False]
    assert reports[4]["x"] == "9" and reports[4]["title"] == "Broken" and reports[4]["errors"]
    assert set(reports[0]) == {"x", "title", "valid", "errors"}


@pytest.mark.parametrize("content, problem", [(None, "no such file"), (b"", "empty"), (b"\x00\xff\x00", "binary"),
                                              (b"no tunes here\n", "no ABC tunes")])  # fmt: skip
def test_validate_bad_files_give_one_line_error(tmp_path, content, problem):
    path = tmp_path / "input.abc"
    if content is not None:
        path.write_bytes(content)
    assert_one_line_error(run_cli("validate", str(path)), problem)


def test_a_verdict_reads_without_beams_but_every_other_reading_keeps_them():
    """parse_failure skips music21's beaming (two thirds of a reading), in its own thread only."""
    import threading

    from abcrnn.text.parsing import _unbeamed, parse_abc, parse_failure

    def beams(score) -> int:
        return sum(len(note.beams.beamsList) for note in score.recurse().notes)

    beamed = beams(parse_abc(JIG))
    assert beamed > 0 and parse_failure(JIG) is None
    assert beams(parse_abc(JIG)) == beamed  # a score for MusicXML after a verdict: beamed as before
    elsewhere = []
    with _unbeamed():
        assert beams(parse_abc(JIG)) == 0
        reader = threading.Thread(target=lambda: elsewhere.append(beams(parse_abc(JIG))))
        reader.start()
        reader.join()
    assert elsewhere == [beamed]  # another thread reading meanwhile beams its score
