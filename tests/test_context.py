"""The model's context: the tracker's readings against music21's bars, and the engine against Keras."""

import re

import numpy as np
import pytest

from abcrnn.model.context import BANDS, CONTEXTS, ContextTracker, TuneReader, context_ids
from abcrnn.model.vocabulary import Vocabulary
from abcrnn.text.abc import TUNE_SEPARATOR, header_fields, model_text
from abcrnn.text.bars import meter_length, read_bars
from abcrnn.text.tokens import BAR_LINE_PATTERN
from abcrnn.training.corpus import load_corpus_tunes
from conftest import DATA, TINY, assert_header_starts_resume

REMAINING, BAR_OF_PART, PARTS_CLOSED, TONIC = range(len(CONTEXTS))
FULL = 2  # the remaining id of a full bar


def contexts_before_bar_lines(tune: str) -> list[np.ndarray]:
    """The context just before each bar line of the music that closes a bar with notes."""
    ids = context_ids(tune)
    music = tune.index("\n", tune.index("\nK:") + 1) + 1
    found, start = [], music
    for line in BAR_LINE_PATTERN.finditer(tune, music):
        if re.search(r"[A-Ga-gz]", re.sub(r'"[^"]*"|![^!]*!', "", tune[start : line.start()])):
            found.append(ids[line.start() - 1])
        start = line.end()
    return found


def test_a_bar_is_full_where_music21_finds_it_full():
    tunes = load_corpus_tunes(str(DATA / "jigs120.abc"))[:40]
    agree = total = full_bars = 0
    for tune in tunes:
        meter = header_fields(tune)["M"].strip()
        bars = read_bars(tune, meter)
        contexts = contexts_before_bar_lines(tune)
        if len(bars) != len(contexts):
            continue
        for bar, context in zip(bars, contexts):
            full = bar.length == meter_length(meter)
            agree += full == (context[REMAINING] == FULL)
            full_bars += full
            total += 1
    assert total > 500 and full_bars > 0.7 * total
    assert agree / total > 0.99


def test_remaining_counts_down_in_half_unit_notes():
    ids = context_ids("X:1\nM:6/8\nL:1/8\nK:G\nG2A B>c d/e/|")
    header_end = len("X:1\nM:6/8\nL:1/8\nK:G\n")
    remaining = ids[header_end - 1 :, REMAINING].tolist()
    # Read as written so far: 6 unit notes left (12 halves, id 14) at the start, 5 after G, 4 after G2, 3 after A;
    # B>c keeps the pair's 2; d as written fills the bar, d/ leaves a half, e overfills it (1), e/ fills it (2).
    assert remaining == [14, 12, 10, 8, 8, 6, 6, 4, 4, 2, 3, 1, 2, 2]
    assert ids[: header_end - 1, REMAINING].tolist() == [0] * (header_end - 1)  # the header has no bar
    over = context_ids("X:1\nM:2/4\nL:1/8\nK:D\nABcde")[-1, REMAINING]
    free = context_ids("X:1\nM:none\nK:D\nABcde")[-1, REMAINING]
    assert (over, free) == (1, 0)


def test_bars_and_parts_are_counted_and_the_tonic_follows_the_key():
    tune = "X:1\nM:2/4\nL:1/8\nK:G\n|:GA Bc|de fg:|\n|:ag fe|dc BA:|\nK:Dmix\nD4|]"
    ids = context_ids(tune)
    at = lambda text: ids[tune.index(text) + len(text) - 1]  # noqa: E731
    assert at("|:G")[BAR_OF_PART] == 1 and at("|d")[BAR_OF_PART] == 2
    assert at("|:a")[BAR_OF_PART] == 1 and at("|:a")[PARTS_CLOSED] == 2  # one :| closed the first part
    assert at("|dc")[PARTS_CLOSED] == 2 and at("D4")[PARTS_CLOSED] == 3
    letters = "CDEFGAB"
    assert at("|:G")[TONIC] == 1 + letters.index("G") and at("D4")[TONIC] == 1 + letters.index("D")
    assert (ids.max(axis=0) < np.array(BANDS)).all() and (ids >= 0).all()


def test_streams_read_alone_as_together():
    texts = ["X:1\nM:6/8\nK:D\nAFA dfe|dcB A2G:|", "X:1\nM:C|\nK:Ador\neA A2 BAGB|"]
    vocabulary = Vocabulary.from_text("".join(texts))
    tracker = ContextTracker(vocabulary.characters, 2)
    together = [tracker.feed(vocabulary.encode(a + b)) for a, b in zip(*texts)]
    for row, text in enumerate(texts):
        alone = context_ids(text[: len(together)])
        assert np.array_equal(np.array([step[row] for step in together]), alone)
    assert TuneReader().read("X") == (0, 0, 0, 0)


@pytest.mark.slow
def test_engine_with_a_context_equals_keras_and_a_warm_start_begins_as_its_parent(tmp_path, copy_bundle):
    from abcrnn.commands.train import train
    from abcrnn.model.bundle import load_bundle
    from abcrnn.model.copying import copy_features
    from dataclasses import replace

    from abcrnn.model.model import build_model, copy_weights

    parent = load_bundle(copy_bundle)
    text = model_text(load_corpus_tunes(str(DATA / "jigs120.abc"))[7]) + TUNE_SEPARATOR
    ids = parent.vocabulary.encode(text)
    # Warm-started with a context, the network starts as its parent: the context's rows are zero.
    config = replace(parent.config, context=True)
    model = build_model(config, batch_size=1, seq_len=None)
    copy_weights(parent.keras_model(), model)
    ((proposals, bands),) = copy_features(parent.vocabulary.characters, [ids])
    inputs = [ids[None], proposals[None].astype("int32"), bands[None].astype("int32"),
              context_ids(text)[None].astype("int32")]  # fmt: skip
    parent_probabilities = engine_probabilities(parent.engine(), ids)
    np.testing.assert_allclose(np.asarray(model(inputs))[0], parent_probabilities, atol=1e-5)
    # After training, the engine gives the Keras model's probabilities, and the context counts.
    train(corpus=str(DATA / "jigs120.abc"), out=str(tmp_path / "context"), epochs=1, context=True,
          warm_start=str(copy_bundle), **TINY)  # fmt: skip
    bundle = load_bundle(tmp_path / "context")
    assert bundle.config.context and bundle.config.copy
    model = build_model(bundle.config, batch_size=1, seq_len=None)
    copy_weights(bundle.keras_model(), model)
    actual = engine_probabilities(bundle.engine(), ids)
    np.testing.assert_allclose(actual, np.asarray(model(inputs))[0], atol=1e-5)
    assert np.abs(bundle.engine().context_table).max() > 1e-3  # it learned to read the context
    assert_header_starts_resume(bundle, "X:1\nT:Context\nM:6/8\nL:1/8\nK:G\nGAB")  # best_of's later candidates carry on each stream's context from its header


@pytest.mark.slow
def test_a_copy_gate_reading_the_context_starts_as_its_parent_and_the_engine_equals_keras(tmp_path, copy_bundle):
    from dataclasses import replace

    from abcrnn.commands.train import train
    from abcrnn.model.bundle import load_bundle
    from abcrnn.model.copying import RUN_BUCKETS, copy_features
    from abcrnn.model.model import build_model, copy_weights

    parent = load_bundle(copy_bundle)
    text = model_text(load_corpus_tunes(str(DATA / "jigs120.abc"))[7]) + TUNE_SEPARATOR
    ids = parent.vocabulary.encode(text)
    model = build_model(replace(parent.config, context=True, gate_context=True), batch_size=1, seq_len=None)
    copy_weights(parent.keras_model(), model)  # the gate's and the first layer's context rows start at zero
    ((proposals, bands),) = copy_features(parent.vocabulary.characters, [ids])
    inputs = [ids[None], proposals[None].astype("int32"), bands[None].astype("int32"),
              context_ids(text)[None].astype("int32")]  # fmt: skip
    np.testing.assert_allclose(np.asarray(model(inputs))[0], engine_probabilities(parent.engine(), ids), atol=1e-5)
    train(corpus=str(DATA / "jigs120.abc"), out=str(tmp_path / "gate"), epochs=1, context=True, gate_context=True,
          warm_start=str(copy_bundle), **TINY)  # fmt: skip
    bundle = load_bundle(tmp_path / "gate")
    assert bundle.config.gate_context
    model = build_model(bundle.config, batch_size=1, seq_len=None)
    copy_weights(bundle.keras_model(), model)
    np.testing.assert_allclose(engine_probabilities(bundle.engine(), ids), np.asarray(model(inputs))[0], atol=1e-5)
    engine = bundle.engine()
    read_before = engine.recurrent_kernels[-1].shape[0] + len(engine.gate_bias) * RUN_BUCKETS
    assert engine.gate_kernel.shape[0] == read_before + sum(BANDS)
    assert np.abs(engine.gate_kernel[read_before:]).max() > 1e-4  # it learned to read the context


def engine_probabilities(engine, ids) -> np.ndarray:
    state, out = engine.initial_state(1), []
    for character_id in ids:
        log_probs, state = engine.step(np.array([character_id]), state)
        out.append(np.exp(log_probs[0]))
    return np.array(out)
