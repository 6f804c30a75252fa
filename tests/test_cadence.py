"""The cadence bias: the network's note letters tilted by their degree where the tune stands, fitted by likelihood."""

import json
import math
import shutil

import numpy as np
import pytest
from conftest import DATA, TINY_ARGS, assert_one_line_error, run_cli

from abcrnn.model import cadence
from abcrnn.model.bundle import default_weights, load_bundle
from abcrnn.model.context import context_ids, metre_id
from abcrnn.model.engine import Engine, log_probabilities, mean_log_loss
from abcrnn.text.abc import split_tunes
from abcrnn.text.pitches import LETTERS
from abcrnn.training.cadence import character_rows, place_counts

CHARACTERS = "|GAgz2"  # G and g the tonic's letter under K:G, A the second degree
TUNES = split_tunes((DATA / "jigs120.abc").read_text())[:6]


def _context(remaining: int, bar: int, parts: int, tonic: str | None) -> list[int]:
    return [remaining, bar, parts, 1 + LETTERS.index(tonic) if tonic else 0]


def test_the_tilt_moves_only_the_letters_of_its_degree_at_its_place_and_keeps_a_distribution():
    weights = np.zeros((cadence.COMBINATIONS, cadence.DEGREES))
    place = _context(8, 9, 1, "G")
    six_eight = metre_id("6/8")
    weights[cadence.combination(np.array([place]), np.array([six_eight]))[0], 0] = math.log(3.0)  # the tonic 3x
    bias = cadence.CadenceBias(weights, CHARACTERS)
    network = np.log(np.array([[0.2, 0.1, 0.3, 0.1, 0.2, 0.1]] * 4))
    contexts = np.array([place, _context(8, 8, 1, "G"), _context(8, 9, 1, None), place])
    tilted = np.exp(bias.adjusted(network, contexts, np.array([six_eight] * 3 + [metre_id("C|")])))
    assert np.allclose(tilted.sum(axis=1), 1.0)
    total = 1 + 2 * (0.1 + 0.1)  # G and g each 0.1, raised to 0.3
    assert tilted[0] == pytest.approx(np.array([0.2, 0.3, 0.3, 0.3, 0.2, 0.1]) / total)
    assert np.allclose(tilted[1:], np.exp(network[1:]))  # another bar, a key without a tonic, a reel: as they were


def test_the_degree_is_counted_from_the_tonic_the_context_names():
    weights = np.zeros((cadence.COMBINATIONS, cadence.DEGREES))
    weights[:, 1] = 1.0  # every second degree raised
    bias = cadence.CadenceBias(weights, CHARACTERS)
    network = np.log(np.full((2, len(CHARACTERS)), 1 / len(CHARACTERS)))
    tilted = bias.adjusted(network, np.array([_context(0, 0, 0, "G"), _context(0, 0, 0, "F")]), np.array([1, 0]))
    assert tilted[0, 2] > tilted[0, 1] == pytest.approx(tilted[0, 0])  # A above G
    assert tilted[1, 1] > tilted[1, 2] == pytest.approx(tilted[1, 0])  # G above F


def test_fitting_finds_a_tilt_planted_at_one_place_and_none_elsewhere():
    rng = np.random.default_rng(0)
    rows = 40_000
    places = rng.integers(0, 2, rows) * 100  # two places of the table
    mass = np.full((rows, cadence.DEGREES), 0.1)  # the network: 0.1 on each degree, 0.3 on everything else
    chances = np.where(places[:, None] == 100, np.append(0.1 * np.exp(1.0), [0.1] * 6), mass)
    chances = np.append(chances, np.full((rows, 1), 0.3), axis=1)  # tilted and normalised, as ``adjusted`` does
    drawn = np.array([rng.choice(8, p=row / row.sum()) for row in chances])
    chosen = np.where(drawn < cadence.DEGREES, drawn, -1)
    weights, gain = cadence.fit(mass, places, chosen, steps=300, l2=0.0)
    assert weights[100, 0] == pytest.approx(1.0, abs=0.15)
    assert np.abs(weights[0]).max() < 0.15 and np.abs(weights[100, 1:]).max() < 0.15
    assert gain > 0 and gain == pytest.approx(cadence.gain(weights, mass, places, chosen))


def _engines(table: np.ndarray):
    bundle = load_bundle(default_weights())
    arrays = bundle.weights(pointer=False, cadence=False)
    tilted = arrays | cadence.CadenceBias(table, bundle.vocabulary.characters).arrays()
    return bundle, Engine.from_weights(arrays, bundle.vocabulary.characters), \
        Engine.from_weights(tilted, bundle.vocabulary.characters)  # fmt: skip


def test_scoring_with_the_bias_gains_what_the_fit_reads_and_a_stream_does_not_depend_on_the_others():
    """The engine's log-likelihood with a table, less the network's alone, is ``cadence.gain`` over the rows the
    fitter reads: the engine and the fit agree on where the tune stands, its tonic and each letter's degree."""
    table = np.random.default_rng(1).normal(0, 0.5, (cadence.COMBINATIONS, cadence.DEGREES))
    bundle, network, tilted = _engines(table)
    texts = [tune.strip() for tune in TUNES]
    ids = [bundle.vocabulary.encode(text + "\n\n") for text in texts]
    total = lambda engine: sum(score.sum() for score in log_probabilities(engine, ids))  # noqa: E731
    rows = character_rows(network, bundle.vocabulary, texts)
    assert total(tilted) - total(network) == pytest.approx(cadence.gain(table, *rows), abs=1e-2)
    together = log_probabilities(tilted, ids, streams=6)
    for shared, sequence in zip(together, ids):
        assert np.array_equal(shared, log_probabilities(tilted, [sequence], streams=1)[0])


def test_the_fitter_reads_the_context_after_each_character_for_the_next():
    bundle = load_bundle(default_weights())
    network = Engine.from_weights(bundle.weights(pointer=False, cadence=False), bundle.vocabulary.characters)
    text = "X:1\nM:6/8\nL:1/8\nK:G\nGAB d2B|"
    mass, places, chosen = character_rows(network, bundle.vocabulary, [text])
    music = text.index("GAB")  # from the line break that ends K:, the context has the tonic
    assert len(chosen) == len(text) + 2 - 1 - (music - 1)
    assert chosen[-10:].tolist() == [0, 1, 2, -1, 4, -1, 2, -1, -1, -1]  # G A B, space, d 2 B |, the line breaks
    expected = cadence.combination(context_ids(text + "\n\n")[music - 1 : music + 2], np.array([1, 1, 1]))
    assert places[-10:-7].tolist() == expected.tolist()
    assert (mass >= 0).all() and (mass.sum(axis=1) <= 1 + 1e-6).all()


def test_matching_moves_only_the_closing_bars_rows_towards_the_corpus_and_keeps_the_notes_share():
    rng = np.random.default_rng(3)
    corpus = rng.integers(10, 60, (cadence.COMBINATIONS, cadence.DEGREES)).astype(float)
    own = rng.integers(10, 60, (cadence.COMBINATIONS, cadence.DEGREES)).astype(float)
    own[::5] = corpus[::5]  # shared as the corpus's: nothing to move
    own[1::7] = 0  # too few notes of the model's own to read
    start = rng.normal(0, 0.2, (cadence.COMBINATIONS, cadence.DEGREES))
    moved = cadence.matched(start, corpus, own, step=1.0)
    rows = cadence.matched_rows(corpus, own)
    changed = (moved != start).any(axis=1)
    assert changed.any() and not changed[~rows].any() and not changed[::5].any() and not changed[1::7].any()
    assert rows[cadence.closing_rows()].any() and not rows[~cadence.closing_rows()].any()
    # where the step is taken whole, the tilt moves the model's own shares onto the corpus's, up to the notes' total
    for row in np.flatnonzero(changed)[:20]:
        after = cadence.shares(own)[row] * np.exp(moved[row] - start[row])
        assert after / after.sum() == pytest.approx(cadence.shares(corpus)[row])
        assert cadence.shares(own)[row] @ (moved[row] - start[row]) == pytest.approx(0, abs=1e-12)
    assert cadence.mismatch(corpus, corpus) == 0 < cadence.mismatch(corpus, own) <= 1


def test_the_notes_counted_for_matching_are_those_the_fitter_reads():
    bundle = load_bundle(default_weights())
    network = Engine.from_weights(bundle.weights(pointer=False, cadence=False), bundle.vocabulary.characters)
    texts = [tune.strip() for tune in TUNES]
    _, places, chosen = character_rows(network, bundle.vocabulary, texts)
    expected = np.zeros((cadence.COMBINATIONS, cadence.DEGREES))
    np.add.at(expected, (places[chosen >= 0], chosen[chosen >= 0]), 1)
    counts = place_counts(texts, bundle.vocabulary.characters)
    assert counts.sum() > 500 and np.array_equal(counts, expected)


def test_a_table_of_the_wrong_shape_is_refused_in_one_line(tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(load_bundle(default_weights()).path, damaged)
    arrays = dict(np.load(damaged / "weights.npz"))
    arrays["cadence_weights"] = np.zeros((10, 7))
    np.savez(damaged / "weights.npz", **arrays)
    result = run_cli("sample", "--weights", str(damaged), "--n", "1")
    assert_one_line_error(result, "corrupt", "cadence")


def test_the_shipped_model_has_a_cadence_bias_that_lowers_its_validation_bits():
    bundle = load_bundle(default_weights())
    record = bundle.metadata["cadence"]
    assert bundle.engine().cadence is not None
    assert record["validation_bits_per_char"] < record["validation_bits_per_char_without"]
    assert bundle.metadata["bar_pointer"]["validation_bits_per_char_without"] == record["validation_bits_per_char"]


def test_the_shipped_models_own_tunes_were_matched_closer_to_the_corpus_at_the_closing_bars():
    record = load_bundle(default_weights()).metadata["cadence"]["matched"]
    mismatch = record["closing_bars_mismatch"]
    assert record["rounds"] == len(mismatch) >= 2 and mismatch[-1] < mismatch[0]


@pytest.mark.slow
def test_train_cadence_then_the_pointer_on_top_of_it(tmp_path, copy_bundle):
    out = tmp_path / "copy"
    shutil.copytree(copy_bundle, out)
    corpus = str(DATA / "jigs120.abc")
    run = lambda *options: run_cli("train", "--corpus", corpus, "--out", str(out), "--resume", "--epochs", "1",  # noqa: E731
                                   *options, *TINY_ARGS)  # fmt: skip
    result = run("--bar-pointer")
    assert result.returncode == 0, result.stderr
    result = run("--cadence")  # the pointer was fitted on the network without the bias: it goes
    assert result.returncode == 0, result.stderr
    assert "dropped" in result.stderr
    bundle = load_bundle(out)
    record = json.loads((out / "bundle.json").read_text())["cadence"]
    assert bundle.engine().cadence is not None and bundle.engine().pointer is None
    assert "bar_pointer" not in bundle.metadata and record["training_characters"] > 10_000
    from abcrnn.training.corpus import load_corpus_tunes
    from abcrnn.training.data import bundle_split

    _, validation = bundle_split(bundle, load_corpus_tunes(corpus))
    held_out = [bundle.vocabulary.encode(text + "\n\n") for text in validation]
    without = Engine.from_weights(bundle.weights(cadence=False), bundle.vocabulary.characters)
    assert mean_log_loss(without, held_out) / math.log(2) == pytest.approx(record["validation_bits_per_char_without"],
                                                                           abs=1e-4)  # fmt: skip
    assert mean_log_loss(bundle.engine(), held_out) / math.log(2) == pytest.approx(record["validation_bits_per_char"],
                                                                                   abs=1e-4)  # fmt: skip
    result = run("--cadence", "--bar-pointer")  # both, in order: the pointer on top of the bias
    assert result.returncode == 0, result.stderr
    both = load_bundle(out)
    assert both.engine().cadence is not None and both.engine().pointer is not None
    assert both.metadata["bar_pointer"]["validation_bits_per_char_without"] == \
        both.metadata["cadence"]["validation_bits_per_char"]  # fmt: skip
    other = tmp_path / "other.abc"
    other.write_text("\n\n".join(split_tunes((DATA / "jigs120.abc").read_text())[1:]))
    from abcrnn.errors import AbcrnnError
    from abcrnn.training.cadence import fit_cadence

    with pytest.raises(AbcrnnError, match="--cadence: .* not the corpus"):  # its validation tunes would be fitted on
        fit_cadence(str(out), str(other))


def test_matching_needs_a_cadence_bias(tmp_path):
    from abcrnn.errors import AbcrnnError
    from abcrnn.training.cadence import match_cadence

    bare = tmp_path / "bare"
    shutil.copytree(default_weights(), bare)
    metadata = json.loads((bare / "bundle.json").read_text())
    del metadata["cadence"]
    (bare / "bundle.json").write_text(json.dumps(metadata))
    with pytest.raises(AbcrnnError, match="--cadence-match: .* no cadence bias"):
        match_cadence(str(bare), str(DATA / "jigs120.abc"), 1)


@pytest.mark.slow
def test_matching_the_models_own_tunes_moves_the_closing_bars_and_records_it(tmp_path):
    """A round on a copy of the shipped model (150 tunes: enough for some closing places to reach the notes a
    match needs): only closing-bar rows move, nothing else in the bundle does, and the record is the engine's."""
    from abcrnn.training.cadence import match_cadence
    from abcrnn.training.corpus import shipped_corpus
    from abcrnn.training.data import trained_split

    out = tmp_path / "folk"
    shutil.copytree(default_weights(), out)
    before = load_bundle(out)
    arrays, metadata = dict(before.weights()), before.metadata  # read before the match rewrites the bundle
    lines = []
    record = match_cadence(str(out), str(shipped_corpus("folk.abc")), 1, lines.append, tunes=150)
    after = load_bundle(out)
    moved = (after.weights()["cadence_weights"] != arrays["cadence_weights"]).any(axis=1)
    assert moved.any() and not moved[~cadence.closing_rows()].any()
    assert {name: array.tobytes() for name, array in after.weights(cadence=False).items()} == \
        {name: array.tobytes() for name, array in arrays.items() if name != "cadence_weights"}  # fmt: skip
    assert after.metadata["cadence"]["matched"] == record and len(record["closing_bars_mismatch"]) == 1
    assert {name: value for name, value in after.metadata["cadence"].items() if name != "matched"} == \
        {name: value for name, value in metadata["cadence"].items() if name != "matched"}  # fmt: skip
    assert sum("round 1 of 1" in line for line in lines) == 1
    _, validation = trained_split(after, str(shipped_corpus("folk.abc")), "", "")
    held_out = [after.vocabulary.encode(text + "\n\n") for text in validation]
    assert mean_log_loss(after.engine(), held_out) / math.log(2) == pytest.approx(record["validation_bits_per_char"],
                                                                                  abs=1e-4)  # fmt: skip


@pytest.mark.parametrize("value", ["-1", "x", "True"])
def test_cadence_match_takes_a_number_of_rounds(tmp_path, value):
    result = run_cli("train", "--corpus", str(DATA / "jigs120.abc"), "--out", str(tmp_path / "x"),
                     f"--cadence-match={value}", *TINY_ARGS)  # fmt: skip
    assert_one_line_error(result, "--cadence-match")
    assert not (tmp_path / "x").exists()


def test_cadence_takes_no_value(tmp_path):
    result = run_cli("train", "--corpus", str(DATA / "jigs120.abc"), "--out", str(tmp_path / "x"), "--cadence=3",
                     *TINY_ARGS)  # fmt: skip
    assert_one_line_error(result, "--cadence", "'3'")
    assert not (tmp_path / "x").exists()
