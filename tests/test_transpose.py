"""The transposer: abc2midi plays every transposed tune as the original moved by the interval."""

import json
import random
import shutil
import sys
from collections import Counter

import pytest
from conftest import DATA, ROOT, assert_one_line_error, run_cli

from abcrnn.training.augment import HIGHEST_PITCH, LOWEST_PITCH, KeyMover
from abcrnn.training.corpus import load_corpus_tunes
from abcrnn.sampling.quality import js_divergence
from abcrnn.text.transpose import TransposeError, key_name, transpose_tune, written_pitches

FIXTURES = json.loads((DATA / "transposed.json").read_text(encoding="utf-8"))


def _case_name(case: dict) -> str:
    return f"{case['tune'].splitlines()[1][2:30]} {case['semitones']:+d}"


@pytest.mark.parametrize("case", FIXTURES, ids=_case_name)
def test_transposition_matches_what_abc2midi_checked(case):
    """Each fixture was played by abc2midi when it was made (tests/make_transpose_fixtures.py)."""
    assert case["abc2midi_after"] == [pitch + case["semitones"] for pitch in case["abc2midi_before"]]
    assert transpose_tune(case["tune"], case["semitones"]) == case["transposed"]


@pytest.mark.skipif(not shutil.which("abc2midi"), reason="abc2midi (apt-get install abcmidi) is not installed")
def test_abc2midi_agrees_on_random_corpus_tunes():
    sys.path.insert(0, str(ROOT / "bench"))
    from reference import abc2midi_pitches

    rng = random.Random(7)
    tunes = rng.sample(load_corpus_tunes(str(ROOT / "corpora" / "folk.abc")), 40)
    cases = [(tune, rng.choice([n for n in range(-6, 7) if n])) for tune in tunes]
    moved, kept = [], []
    for tune, semitones in cases:
        try:
            moved.append(transpose_tune(tune, semitones))
            kept.append((tune, semitones))
        except TransposeError:
            pass
    assert len(kept) >= 38
    before = abc2midi_pitches([tune for tune, _ in kept])
    after = abc2midi_pitches(moved)
    for (tune, semitones), old, new in zip(kept, before, after):
        assert new == [pitch + semitones for pitch in old], (tune, semitones)


def test_every_corpus_tune_reads_the_same_after_a_move():
    """Moved and read back, every note of 300 corpus tunes is the original moved by the interval."""
    tunes = load_corpus_tunes(str(ROOT / "corpora" / "folk.abc"))[::13]
    for index, tune in enumerate(tunes):
        semitones = index % 13 - 6
        try:
            moved = transpose_tune(tune, semitones)
        except TransposeError:
            continue
        assert written_pitches(moved) == [pitch + semitones for pitch in written_pitches(tune)]


@pytest.mark.parametrize(
    "key, semitones, expected",
    [("G", 3, "Bb"), ("D", -1, "Db"), ("E", -1, "Eb"), ("A", 1, "Bb"), ("Em", 1, "Fm"), ("Ador", -2, "Gdor"),
     ("A Mixolydian", 2, "B Mixolydian"), ("EDor", 5, "ADor"), ("F", 6, "B"), ("C", 6, "F#"), ("Bb", 4, "D")],
)  # fmt: skip
def test_key_spelling_has_fewest_accidentals_and_keeps_its_style(key, semitones, expected):
    assert transpose_tune(f"X:1\nK:{key}\nA|", semitones).splitlines()[1] == f"K:{expected}"


def test_accidentals_last_to_the_bar_end_in_input_and_output():
    # ^f lasts the bar, in every octave (as abc2midi reads it): f and F are F sharp, and so G sharp
    # in D; ^G is spelled out for readers that keep an accidental to its octave. After the bar: natural.
    assert transpose_tune("X:1\nK:C\n^f f F | f|", 2) == "X:1\nK:D\n^g g ^G | g|"
    # abc2midi applies ^c to C in the other octave; the output spells it out for readers that do not.
    assert written_pitches("X:1\nK:C\n^c C|") == [73, 61]
    assert written_pitches(transpose_tune("X:1\nK:C\n^c C|", 1)) == [74, 62]


def test_inline_keys_chords_and_key_accidentals_move():
    tune = 'X:1\nK:G\n"G"GA "D7/F#"B2|[K:Em] e^d e2|\nK:Dmix=c\nd=c Bc|'
    assert transpose_tune(tune, -2) == 'X:1\nK:F\n"F"FG "C7/E"A2|[K:Dm] d^c d2|\nK:Cmix_b\ncB AB|'
    assert written_pitches(transpose_tune(tune, -2)) == [pitch - 2 for pitch in written_pitches(tune)]
    assert transpose_tune('X:1\nK:D\n"^Segno"d"_fine"|', 2) == 'X:1\nK:E\n"^Segno"e"_fine"|'


def test_to_key_moves_the_tonic_or_the_signature():
    assert transpose_tune("X:1\nK:D\nDFA|", to_key="G").splitlines()[1:] == ["K:G", "GBd|"]
    assert transpose_tune("X:1\nK:G\nGBd|", to_key="Am").splitlines()[1] == "K:C"


def test_untransposable_tunes_say_why():
    with pytest.raises(TransposeError, match="no tonic"):
        transpose_tune("X:1\nK:none\nABc|", 2)
    with pytest.raises(TransposeError, match="no note after it"):
        transpose_tune("X:1\nK:C\n^/c d|", 2)
    with pytest.raises(TransposeError, match="no K: field"):
        transpose_tune("X:1\nT:No key\n", 2)


def test_cli_transposes_a_file_and_reports_what_it_cannot(tmp_path):
    source = tmp_path / "in.abc"
    source.write_text("X:1\nT:Good\nK:G\nGAB|\n\nX:2\nT:Bad\nK:none\nABc|\n", encoding="utf-8")
    result = run_cli("transpose", str(source), "--semitones", "2", "--out", str(tmp_path / "out.abc"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.abc").read_text(encoding="utf-8") == "X:1\nT:Good\nK:A\nABc|\n"
    assert "not transposed: X:2 'Bad'" in result.stderr
    printed = run_cli("transpose", str(source), "--to", "D")
    assert printed.stdout.startswith("X:1\nT:Good\nK:D\nDEF|")


@pytest.mark.parametrize(
    "args, words",
    [(["--semitones", "2.5"], ["whole number"]), (["--to", "H"], ["cannot read the key"]), ([], ["--semitones"]),
     (["--semitones", "40"], ["-24 to 24"])],
)  # fmt: skip
def test_cli_bad_options_are_one_line_errors(args, words):
    assert_one_line_error(run_cli("transpose", str(DATA / "good_jigs.abc"), *args), *words)


def test_cli_refuses_a_file_with_nothing_to_move(tmp_path):
    source = tmp_path / "none.abc"
    source.write_text("X:1\nT:Bad\nK:none\nABc|\n", encoding="utf-8")
    assert_one_line_error(run_cli("transpose", str(source), "--semitones", "1"), "could be transposed")
    assert not (tmp_path / "out.abc").exists()


def test_key_mover_keeps_tunes_playable_and_keys_realistic():
    tunes = [tune for tune in load_corpus_tunes(str(ROOT / "corpora" / "folk.abc"))[::10] if "=20" not in tune]
    mover = KeyMover(tunes, tunes)
    moved = mover.epoch_tunes(seed=3)
    for tune, new in zip(tunes, moved):
        pitches = written_pitches(new)
        original = written_pitches(tune)
        assert new == tune or (LOWEST_PITCH <= min(pitches) and max(pitches) <= HIGHEST_PITCH)
        assert max(pitches) - min(pitches) == max(original) - min(original)
    assert sum(new != tune for tune, new in zip(tunes, moved)) > len(tunes) / 2
    # The keys the model sees stay the corpus's, mode by mode: D and G common, Db rare, and minor
    # tunes in E and A minor rather than in B minor, which shares D major's signature.
    corpus_counts = Counter(key_name(tune) for tune in tunes)
    expected = mover.key_counts()
    assert max(expected, key=expected.get) in [key for key, _ in corpus_counts.most_common(2)]
    assert expected["Db"] < expected["D"] / 10
    assert expected["Em"] > 2 * expected["Bm"] and expected["Am"] > 2 * expected["Bm"]
    assert js_divergence(expected, corpus_counts) < 0.05
    assert mover.epoch_tunes(seed=3) == moved and mover.epoch_tunes(seed=4) != moved
