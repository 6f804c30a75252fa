"""The shipped folk model, as a user gets it: it loads and writes tunes of the rhythm asked for that pass validation."""

import pytest
from conftest import ROOT, run_cli

from abcrnn.text.abc import header_fields, split_tunes
from abcrnn.model.bundle import load_bundle
from abcrnn.training.corpus import load_corpus_tunes
from abcrnn.training.train import corpus_fingerprint
from abcrnn.text.validate import validate_tune


def test_shipped_bundle_describes_its_training():
    bundle = load_bundle(ROOT / "weights" / "folk")
    corpus = load_corpus_tunes(str(ROOT / "corpora" / "folk.abc"))
    assert bundle.metadata["corpus"]["fingerprint"] == corpus_fingerprint(corpus)
    assert bundle.metadata["training"]["transpose"] and bundle.metadata["training"]["backend"] == "tensorflow"
    assert bundle.header_statistics["rhythms"]["reel"] == 645
    best = bundle.history[bundle.best_epoch - 1]
    assert best["validation_bits_per_char"] < 2.0
    assert bundle.engine().vocab_size == bundle.vocabulary.size


def test_default_sampling_writes_valid_jigs(tmp_path):
    out = tmp_path / "jigs.abc"
    result = run_cli("sample", "--n", "20", "--seed", "1", "--out", str(out), cwd=tmp_path)  # from any folder
    assert result.returncode == 0, result.stderr
    assert "weights/folk" in result.stderr
    tunes = split_tunes(out.read_text())
    assert len(tunes) == 20
    assert all(header_fields(tune)["R"] == "jig" for tune in tunes)
    assert sum(header_fields(tune)["M"] == "6/8" for tune in tunes) >= 18
    valid = sum(validate_tune(tune).valid for tune in tunes)
    assert valid >= 15, f"only {valid} of 20 sampled jigs pass validation"


@pytest.mark.slow
def test_shipped_model_writes_reels_in_reel_meters(tmp_path):
    out = tmp_path / "reels.abc"
    result = run_cli("sample", "--n", "10", "--seed", "3", "--rhythm", "reel", "--out", str(out))
    assert result.returncode == 0, result.stderr
    tunes = split_tunes(out.read_text())
    assert all(header_fields(tune)["R"] == "reel" for tune in tunes)
    assert all(header_fields(tune)["M"] in ("C|", "C", "4/4", "2/4") for tune in tunes)


@pytest.mark.slow
def test_shipped_model_honours_forced_key(tmp_path):
    out = tmp_path / "dorian.abc"
    result = run_cli("sample", "--n", "5", "--seed", "2", "--key", "Edor", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert [header_fields(tune)["K"] for tune in split_tunes(out.read_text())] == ["Edor"] * 5


def test_shipped_sampler_breaks_a_loop_the_copy_memory_would_play_a_third_time():
    import numpy as np

    from abcrnn.model.engine import softmax
    from abcrnn.sampling import streams

    bundle = load_bundle(ROOT / "weights" / "folk")
    twice = "X:1\nT:Loop\nR:jig\nM:6/8\nL:1/8\nK:G\n" + "GAB c2d|e2d cBA|" * 2
    ids = bundle.vocabulary.encode(twice)
    engine, after = bundle.engine(), {}
    for break_loops in (False, True):
        log_probs, _ = engine.feed(ids[None], engine.initial_state(1, break_loops=break_loops))
        after[break_loops] = np.exp(log_probs[0])
    g = bundle.vocabulary.characters.index("G")
    # The copy memory pushes a third playing (G); with the loop broken the network alone decides,
    # as it would without a copy gate.
    assert after[False][g] > after[True][g] + 0.05
    plain = bundle.engine()
    plain.gate_kernel = None
    log_probs, _ = plain.feed(ids[None], plain.initial_state(1))
    np.testing.assert_allclose(after[True], softmax(log_probs[0]), atol=1e-5)
    # The sampler asks for it by default, and not when told not to.
    asked = []
    real = engine.initial_state
    engine.initial_state = lambda n, break_loops=False: asked.append(break_loops) or real(n, break_loops)
    for break_loops in (True, False):
        streams.sample_tunes(engine, bundle.vocabulary, 1, streams.Drawing(max_chars=60, break_loops=break_loops),
                             seed=1)
    assert asked == [True, False]


@pytest.mark.slow
def test_sample_with_chords_adds_them_to_the_same_tunes(tmp_path):
    """--chords writes guitar chords into the tunes the same seed gives without it, and the MIDI plays them."""
    from abcrnn.text.chords import has_chords, without_chords

    plain, chorded = tmp_path / "plain.abc", tmp_path / "chorded.abc"
    assert run_cli("sample", "--n", "3", "--seed", "4", "--best-of", "2", "--out", str(plain)).returncode == 0
    result = run_cli("sample", "--n", "3", "--seed", "4", "--best-of", "2", "--chords", "--out", str(chorded),
                     "--midi", str(tmp_path / "midi"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    with_chords, without = split_tunes(chorded.read_text()), split_tunes(plain.read_text())
    assert all(has_chords(tune) for tune in with_chords)
    assert [without_chords(tune) for tune in with_chords] == without
    assert len(list((tmp_path / "midi").iterdir())) == 3
