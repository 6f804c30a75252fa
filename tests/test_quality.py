import os
from collections import Counter

import pytest
from conftest import DATA, assert_one_line_error, run_cli

from abcrnn.text.abc import split_tunes
from abcrnn.text.bars import part_count
from abcrnn.errors import AbcrnnError
from abcrnn.sampling.quality import js_divergence, novelty
from abcrnn.text.bars import written_bars
from abcrnn.sampling.sample import _sample_valid
from abcrnn.sampling.streams import SampledTune

CORPUS = split_tunes((DATA / "jigs120.abc").read_text())
GOOD = split_tunes((DATA / "good_jigs.abc").read_text())


def test_written_bars_ignore_spacing_chords_and_endings():
    assert written_bars('X:1\nK:D\n|:"D"d2e !trill!fed|1 B2A AFA:|2 B2A A3|]') == ["d2efed", "B2AAFA", "B2AA3"]


def test_novelty_finds_a_copied_tune_and_its_source():
    copied = CORPUS[10].replace("X:11", "X:1")
    fresh = "X:2\nT:New\nM:6/8\nL:1/8\nK:G\nGGG GGG|AAA AAA|BBB BBB|ccc ccc|ddd ddd|]"
    found = novelty([copied, fresh], CORPUS)
    assert found[0]["copies_bars"] and found[0]["shared_bars"] == 1.0
    assert found[0]["closest"] == split_tunes(CORPUS[10])[0].split("\n")[1][2:]
    assert not found[1]["copies_bars"]


def test_novelty_names_the_first_of_equally_close_tunes_whatever_the_hash_seed():
    import subprocess
    import sys

    # The sample shares one bar with each of three corpus tunes; before, the set of its bars decided which was named.
    script = """from abcrnn.sampling.quality import novelty
corpus = [f"X:{n}\\nT:Tune {n}\\nM:6/8\\nL:1/8\\nK:G\\n{bar}|GGG GGG|]" for n, bar in enumerate(["ABc def", "gfe dcB", "AAA BBB"])]
print(novelty(["X:1\\nT:S\\nM:6/8\\nL:1/8\\nK:G\\nAAA BBB|gfe dcB|ABc def|]"], corpus)[0]["closest"])"""
    named = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in range(6)}
    assert named == {"Tune 0"}


def test_part_count_sees_two_part_form():
    assert [part_count(tune) for tune in GOOD[:2]] == [2, 2]
    assert part_count("X:1\nT:One\nM:6/8\nL:1/8\nK:G\nGAB cBA|GAB c3|]") == 1


def test_js_divergence_is_zero_for_same_shape_and_grows_with_difference():
    near = js_divergence(Counter({0: 10, 7: 10}), Counter({0: 11, 7: 9}))
    far = js_divergence(Counter({0: 10, 7: 10}), Counter({0: 19, 7: 1}))
    assert 0 < near < far < 1


def test_evaluate_samples_report(tmp_path):
    samples = tmp_path / "samples.abc"
    broken = (
        "X:3\nT:Broken\nM:6/8\nL:1/8\nK:G\nGAB cBA|dB GAB cd|\n% cut at --max-chars 40, after the last complete bar"
    )
    samples.write_text("\n\n".join([GOOD[0].strip(), CORPUS[5].strip(), broken]) + "\n")
    result = run_cli("evaluate", "--samples", str(samples), "--corpus", str(DATA / "jigs120.abc"))
    assert result.returncode == 0, result.stderr
    lines = dict(
        line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line and not line.startswith(" ")
    )
    assert lines["sampled tunes"] == "3"
    assert lines["pass validation"] == "66.7%"  # the broken one fails
    assert lines["end with a closing bar line"] == "100.0%"
    assert lines["complete (ended by the model, not cut at --max-chars)"] == "66.7%"
    assert lines["copy 4+ consecutive bars of a corpus tune"] == "33.3%"  # the corpus tune itself
    assert "COPIES" in result.stdout


def test_the_reference_corpus_is_found_from_any_folder(tmp_path, monkeypatch):
    from abcrnn.training.corpus import shipped_corpus

    monkeypatch.chdir(tmp_path)  # no corpora/ here, as in a user's own folder after pip install
    found = shipped_corpus()
    assert found.is_file() and found.name == "jigs.abc" and found.parent.name == "corpora"
    assert split_tunes(found.read_text())[0].startswith("X:")


def test_evaluate_samples_refuses_tunes_without_music_in_one_line(tmp_path):
    samples = tmp_path / "headers.abc"
    samples.write_text("X:1\nT:Only a header\nM:6/8\nK:G\n\nX:2\nT:Another\nM:6/8\nK:D\n% a comment\n")
    result = run_cli("evaluate", "--samples", str(samples), "--corpus", str(DATA / "jigs120.abc"))
    assert_one_line_error(result, "headers.abc", "none of its tunes has any music", "(2 read)")
    assert result.stdout == ""


@pytest.mark.slow
def test_evaluate_samples_compares_with_the_shipped_jigs_from_another_folder(tmp_path):
    samples = tmp_path / "samples.abc"
    samples.write_text("\n\n".join(tune.strip() for tune in GOOD[:3]) + "\n")
    result = run_cli("evaluate", "--samples", str(samples), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "corpora/jigs.abc" in result.stderr and "classifier" in result.stdout


def test_valid_only_keeps_drawing_until_enough_valid_tunes():
    rounds = []

    def draw(seeds, progress):  # one valid tune in each round
        rounds.append(seeds)
        return [SampledTune(GOOD[0], seed=seeds[0])] + [SampledTune("X:1\nT:Bad\nM:6/8\nK:G\nGA|")] * (len(seeds) - 1)

    kept = _sample_valid(draw, 3, seed=1, max_attempts=100, progress=None)
    assert [tune.text.split("\n")[0] for tune in kept] == ["X:1", "X:2", "X:3"]
    # The rounds take the seeds in turn, each tune its own: a kept tune's seed makes it again.
    assert rounds == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10], [11, 12, 13, 14]]
    assert [tune.seed for tune in kept] == [1, 7, 11]


def test_valid_only_gives_up_after_max_attempts():
    draw = lambda seeds, progress: [SampledTune("X:1\nT:Bad\nM:6/8\nK:G\nGA|")] * len(seeds)  # noqa: E731
    with pytest.raises(AbcrnnError, match="only 0 of 2 tunes passed validation in 10 attempts"):
        _sample_valid(draw, 2, seed=1, max_attempts=10, progress=None)
