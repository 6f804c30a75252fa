"""The bar pointer: a bar of the part before played again as one decision, mixed exactly into each character."""

import json
import math
import shutil

import numpy as np
import pytest
from conftest import DATA, TINY_ARGS, assert_one_line_error, run_cli

from abcrnn.model.bundle import default_weights, load_bundle
from abcrnn.model.engine import Engine, log_probabilities, mean_log_loss
from abcrnn.model.pointer import BarPointer, bar_log_likelihood, decision_points, fit
from abcrnn.text.abc import split_tunes
from abcrnn.text.bars import part_last_bars, written_bars

TWO_PARTS = [tune for tune in split_tunes((DATA / "jigs120.abc").read_text()) if len(part_last_bars(tune)) > 1][:6]


def _engines(bundle, weights=None, bias=None):
    """The bundle's network alone, and with a pointer (its own, or one with the given weights and bias)."""
    arrays = bundle.weights(pointer=False)
    network = Engine.from_weights(arrays, bundle.vocabulary.characters)
    if weights is None:
        return network, bundle.engine()
    pointer = BarPointer(weights, bias, bundle.vocabulary.characters)
    return network, Engine.from_weights(arrays | pointer.arrays(), bundle.vocabulary.characters)


def test_the_shipped_model_has_a_pointer_that_lowers_its_validation_bits():
    bundle = load_bundle(default_weights())
    record = bundle.metadata["bar_pointer"]
    assert bundle.engine().pointer is not None
    assert record["validation_bits_per_char"] < record["validation_bits_per_char_without"]


@pytest.mark.parametrize("bias", [-3.0, 0.5, 4.0])
def test_each_characters_mixture_multiplies_out_to_the_mixture_of_whole_bars(bias):
    """Scored one character at a time, a tune's log-likelihood with the pointer is the network's plus, at each bar
    it could copy, log(q x copied + (1 - q) x network's) less the network's: the mixture of whole bars. A
    mixture that forgot a character's weight, or kept a copy going past a wrong character, would not add up."""
    bundle = load_bundle(default_weights())
    rng = np.random.default_rng(1)
    weights = rng.normal(0, 0.05, len(bundle.engine().pointer.weights))
    network, mixed = _engines(bundle, weights, bias)
    ids = [bundle.vocabulary.encode(tune + "\n\n") for tune in TWO_PARTS]
    points = decision_points(network, ids)
    assert points[1].sum() >= 3 and (1 - points[1]).sum() >= 3  # bars copied whole and bars that are not
    total = lambda engine: sum(score.sum() for score in log_probabilities(engine, ids))
    assert total(mixed) - total(network) == pytest.approx(bar_log_likelihood(weights, bias, points), abs=1e-3)


def test_the_mixture_is_a_distribution_and_a_stream_does_not_depend_on_the_others():
    bundle = load_bundle(default_weights())
    engine = bundle.engine()
    ids = [bundle.vocabulary.encode(tune + "\n\n") for tune in TWO_PARTS]
    together = log_probabilities(engine, ids, streams=6)
    alone = [log_probabilities(engine, [sequence], streams=1)[0] for sequence in ids]
    for shared, single in zip(together, alone):
        assert np.array_equal(shared, single)
    state = engine.initial_state(2)
    for column in range(min(len(ids[0]), len(ids[1])) - 1):
        log_probs, state = engine.step(np.array([ids[0][column], ids[1][column]]), state)
        assert np.allclose(np.exp(log_probs).sum(axis=1), 1.0, atol=1e-4)


def test_a_pointer_sure_of_itself_plays_the_part_before_again_bar_for_bar(tmp_path):
    """With q near 1 every bar of the second part that the part before can give comes back, as written."""
    bundle = load_bundle(default_weights())
    weights = np.zeros(len(bundle.engine().pointer.weights))
    certain = tmp_path / "certain"
    shutil.copytree(bundle.path, certain)
    np.savez(certain / "weights.npz", **bundle.weights(pointer=False), **BarPointer(weights, 40.0, bundle.vocabulary.characters).arrays())
    out = tmp_path / "tunes.abc"
    result = run_cli("sample", "--weights", str(certain), "--n", "4", "--seed", "3", "--best-of", "1",
                     "--max-chars", "600", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    tunes = [tune for tune in split_tunes(out.read_text()) if len(part_last_bars(tune)) > 1]
    assert len(tunes) >= 2
    for tune in tunes:  # nearly every bar after the first part is one of its bars again
        bars = written_bars(tune)
        assert len(set(bars)) < 0.4 * len(bars), tune


def test_fitting_raises_q_where_bars_come_back_and_the_likelihood_with_it():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, 3))
    copied = (features[:, 0] > 0.5).astype(float)
    network = np.where(copied == 1, np.log(0.2), np.log(0.05))
    weights, bias = fit((features, copied, network), steps=400, learning_rate=0.05, l2=0.0)
    q = 1 / (1 + np.exp(-(features @ weights + bias)))
    assert q[copied == 1].mean() > 0.5 > q[copied == 0].mean()
    assert bar_log_likelihood(weights, bias, (features, copied, network)) > 0


@pytest.mark.slow
def test_train_bar_pointer_writes_the_pointer_the_bundle_records(tmp_path, copy_bundle):
    out = tmp_path / "copy"
    shutil.copytree(copy_bundle, out)
    corpus = str(DATA / "jigs120.abc")
    result = run_cli("train", "--corpus", corpus, "--out", str(out), "--resume", "--epochs", "1", "--bar-pointer",
                     *TINY_ARGS)  # fmt: skip
    assert result.returncode == 0, result.stderr
    bundle = load_bundle(out)
    record = json.loads((out / "bundle.json").read_text())["bar_pointer"]
    assert bundle.engine().pointer is not None and record["training_bars"] > 100
    network, mixed = _engines(bundle)
    from abcrnn.training.corpus import load_corpus_tunes
    from abcrnn.training.data import bundle_split

    _, validation = bundle_split(bundle, load_corpus_tunes(corpus))
    held_out = [bundle.vocabulary.encode(text + "\n\n") for text in validation]
    assert mean_log_loss(network, held_out) / math.log(2) == pytest.approx(record["validation_bits_per_char_without"],
                                                                           abs=1e-4)  # fmt: skip
    assert mean_log_loss(mixed, held_out) / math.log(2) == pytest.approx(record["validation_bits_per_char"], abs=1e-4)
    other = tmp_path / "other.abc"
    other.write_text("\n\n".join(split_tunes((DATA / "jigs120.abc").read_text())[1:]))
    # Trained on, the bundle keeps the pointer only with the network it was fitted on.
    result = run_cli("train", "--corpus", corpus, "--out", str(out), "--resume", "--epochs", "2", *TINY_ARGS)
    assert result.returncode == 0, result.stderr
    on = load_bundle(out)
    fitted = on.best_epoch == 1  # a better second epoch replaces the network, and the pointer goes with it
    assert (on.engine().pointer is not None) == fitted == ("bar_pointer" in on.metadata)
    from abcrnn.errors import AbcrnnError
    from abcrnn.training.bar_pointer import fit_bar_pointer

    with pytest.raises(AbcrnnError, match="not the corpus"):  # its validation tunes would be fitted on
        fit_bar_pointer(str(out), str(other))


def test_bar_pointer_without_a_copy_gate_is_refused_in_one_line(tmp_path):
    result = run_cli("train", "--corpus", str(DATA / "jigs120.abc"), "--out", str(tmp_path / "x"), "--bar-pointer",
                     *TINY_ARGS)  # fmt: skip
    assert_one_line_error(result, "--bar-pointer", "--copy")
    assert not (tmp_path / "x").exists()


def test_a_bundle_whose_pointer_does_not_fit_its_network_is_refused_in_one_line(tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(load_bundle(default_weights()).path, damaged)
    arrays = dict(np.load(damaged / "weights.npz"))
    arrays["pointer_weights"] = arrays["pointer_weights"][:10]
    np.savez(damaged / "weights.npz", **arrays)
    result = run_cli("sample", "--weights", str(damaged), "--n", "1")
    assert_one_line_error(result, "corrupt", "bar pointer")
