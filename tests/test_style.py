"""The style's long tail: pitch, move and note-length mixes, and the two-sample classifier that tells sets apart."""

import numpy as np
import pytest
from conftest import DATA, ROOT, run_cli

from abcrnn.files import read_tunes
from abcrnn.sampling.style import FEATURES, mixes, style_readings, tonic_shares, tune_style, two_sample_auc


def test_one_tunes_mixes():
    style = tune_style("X:1\nM:6/8\nL:1/8\nK:G\nGAB d2B|G>AB =F3|]\n")
    # G A B d B G A B F: degrees 0 2 4 7 4 0 2 4 10 of G
    assert style.degrees[[0, 2, 4, 7, 10]].tolist() == pytest.approx([2 / 9, 2 / 9, 3 / 9, 1 / 9, 1 / 9])
    # steps G-A A-B G-A A-B, thirds B-d d-B B-G, and B down to F natural (6 semitones) in the fourths' bin
    assert style.moves.tolist() == pytest.approx([0, 4 / 8, 3 / 8, 1 / 8, 0])
    assert style.lengths.sum() == pytest.approx(1) and style.dotted_pairs == pytest.approx(2 / 9)


@pytest.mark.slow
def test_the_classifier_cannot_tell_halves_of_one_collection_but_tells_jigs_from_reels():
    jigs = style_readings(read_tunes(ROOT / "corpora" / "jigs-valid.abc"))
    reels = style_readings([tune for tune in read_tunes(ROOT / "corpora" / "folk.abc") if "R:reel" in tune][:300])
    halves, _ = two_sample_auc(jigs[0::2], jigs[1::2])
    apart, leaning = two_sample_auc(jigs, reels)
    assert halves < 0.6 and apart > 0.95
    assert {name for name, _ in leaning[:3]} & {"1/3 beat", "under 1/3 beat", "1/2 beat"}  # lengths tell them apart


def test_mixes_average_the_tunes():
    tunes = read_tunes(DATA / "jigs120.abc")[:30]
    found = mixes(style_readings(tunes))
    assert list(found) == FEATURES
    assert sum(found[name] for name in FEATURES[:12]) == pytest.approx(1)
    vectors = [style.vector() for style in map(tune_style, tunes) if style]
    assert np.allclose(list(found.values()), np.mean(vectors, axis=0))


def test_tonic_shares_split_the_notes_by_the_tunes_ending_and_the_beat():
    home = "X:1\nM:6/8\nL:1/8\nK:D\nD2F A2d|fed d3|]\n"  # ends on D: 4 of its 8 notes are D
    away = "X:2\nM:6/8\nL:1/8\nK:D\nd2c BAG|FGA B3|]\n"  # ends on B: 1 of its 9 notes is D
    keyless = "X:3\nM:6/8\nL:1/8\nK:none\nd2c BAG|]\n"
    shares = tonic_shares(style_readings([home, away, keyless]))
    assert shares["ending on the tonic"] == pytest.approx(4 / 8)
    assert shares["ending elsewhere"] == pytest.approx(1 / 9)
    # on a beat: D2, A2, f, d3 and d2, B, F, B3 (three tonics); between them: F, d, e, d and c, A, G, G, A (two)
    assert shares["on a beat"] == pytest.approx(3 / 8)
    assert shares["between beats"] == pytest.approx(2 / 9)
    assert tonic_shares(style_readings([away]))["ending on the tonic"] is None


@pytest.mark.slow
def test_evaluate_samples_prints_the_mixes_and_the_classifier():
    result = run_cli("evaluate", "--samples", str(DATA / "jigs120.abc"), "--corpus", str(ROOT / "corpora" / "jigs-valid.abc"))
    assert result.returncode == 0, result.stderr
    assert "degrees of the key" in result.stdout and "cross-validated AUC" in result.stdout
    assert "the tonic's share of the notes (samples|corpus, %): ending on the tonic" in result.stdout


def test_samples_of_one_rhythm_are_also_set_beside_the_corpus_tunes_of_that_rhythm(capsys):
    from abcrnn.commands.evaluate import _of_their_rhythm, print_style
    from abcrnn.text.abc import split_tunes

    tunes = split_tunes((DATA / "jigs120.abc").read_text())
    marked = lambda tune, rhythm: tune.replace("\nM:", f"\nR:{rhythm}\nM:", 1)  # noqa: E731
    samples = [marked(tune, "jig") for tune in tunes[:30]]
    corpus = [marked(tune, "Double Jig") for tune in tunes[30:70]] + tunes[70:]  # 40 jigs, 50 tunes without R:
    rhythm, alike = _of_their_rhythm(samples, corpus)
    assert rhythm == "jig" and alike == [True] * 40 + [False] * 50
    print_style(samples, corpus)
    assert "beside the 40 corpus tunes whose R: says jig" in capsys.readouterr().out
    # Nothing to add where every corpus tune is of the samples' rhythm, or the samples are of several.
    assert _of_their_rhythm(samples, corpus[:40]) == (None, [])
    assert _of_their_rhythm(samples + [marked(tunes[0], "reel")], corpus) == (None, [])
    print_style(samples, corpus[:40])
    assert "beside the" not in capsys.readouterr().out
