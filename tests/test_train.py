import math
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import DATA, ROOT, TINY, TINY_ARGS, assert_one_line_error, run_cli

from abcrnn.model.bundle import load_bundle
from abcrnn.errors import AbcrnnError
from abcrnn.commands.train import train

JIGS = str(DATA / "jigs120.abc")


def test_one_layer_model_learns_jigs(tmp_path):
    out = tmp_path / "one"
    train(corpus=JIGS, out=str(out), epochs=2, **{**TINY, "layers": 1})
    bundle = load_bundle(out)
    losses = [row["validation_loss"] for row in bundle.history]
    assert len(losses) == 2 and losses[1] < losses[0]
    # A model that learned something beats a uniform guess over the vocabulary.
    assert bundle.history[-1]["validation_bits_per_char"] < math.log2(bundle.vocabulary.size)


def test_bundle_describes_itself(tiny_bundle):
    bundle = load_bundle(tiny_bundle)
    assert bundle.config.layers == 2 and bundle.config.units == 32
    assert bundle.config.vocab_size == bundle.vocabulary.size
    metadata = bundle.metadata
    assert metadata["corpus"]["tunes"] == 120 and len(metadata["corpus"]["fingerprint"]) == 16
    assert metadata["training"]["seq_len"] == 50 and metadata["best_epoch"] in (1, 2)
    assert (tiny_bundle / "history.csv").read_text().count("\n") == 3
    assert (tiny_bundle / "bits_per_char.png").read_bytes()[:4] == b"\x89PNG"
    model = bundle.keras_model()
    assert int(model.optimizer.iterations) > 0  # optimizer state travels with the model


@pytest.mark.slow
def test_training_is_reproducible_from_seed(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        train(corpus=JIGS, out=str(out), epochs=1, seed=7, **TINY)
    rows = [load_bundle(out).history[0] for out in (first, second)]
    assert rows[0]["train_loss"] == rows[1]["train_loss"]
    assert rows[0]["validation_loss"] == rows[1]["validation_loss"]


@pytest.mark.slow
def test_resume_runs_only_the_missing_epochs(tmp_path, capfd):
    out = tmp_path / "resumed"
    train(corpus=JIGS, out=str(out), epochs=1, **{**TINY, "verbose": 2})
    steps_after_one = int(load_bundle(out).keras_model(last=True).optimizer.iterations)
    capfd.readouterr()
    train(corpus=JIGS, out=str(out), epochs=2, resume=True, **{**TINY, "verbose": 2})
    printed = capfd.readouterr()
    assert "Epoch 2/2" in printed.out and "Epoch 1/2" not in printed.out
    bundle = load_bundle(out)
    assert [row["epoch"] for row in bundle.history] == [1, 2]
    assert int(bundle.keras_model(last=True).optimizer.iterations) == 2 * steps_after_one


@pytest.mark.slow
def test_ctrl_c_keeps_last_completed_epoch(tmp_path):
    out = tmp_path / "interrupted"
    process = subprocess.Popen(
        [sys.executable, "-m", "abcrnn", "train", "--corpus", JIGS, "--out", str(out), "--epochs", "200", *TINY_ARGS],
        stderr=subprocess.PIPE, text=True, cwd=ROOT,
        # A suite run in the background (`pytest &`) ignores Ctrl-C, and its children would inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.time() + 120
    while not (out / "bundle.json").exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "continue with the same command and --resume" in stderr
    bundle = load_bundle(out)
    assert 1 <= bundle.epochs_done < 200
    assert not list(tmp_path.glob(".interrupted*"))  # no half-written bundle left behind


def test_resume_refuses_other_corpus_and_other_network(tiny_bundle, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_bundle, copy)
    other = tmp_path / "other.abc"
    other.write_text((DATA / "jigs120.abc").read_text().replace("T:", "T:Other "))
    with pytest.raises(AbcrnnError, match="different corpus"):
        train(corpus=str(other), out=str(copy), epochs=3, resume=True, **TINY)
    with pytest.raises(AbcrnnError, match="units=32, not 64"):
        train(corpus=JIGS, out=str(copy), epochs=3, resume=True, **{**TINY, "units": 64})
    assert load_bundle(copy).epochs_done == 2  # nothing overwritten


def test_resume_without_bundle_fails(tmp_path):
    result = run_cli("train", "--corpus", JIGS, "--out", str(tmp_path / "none"), "--resume", *TINY_ARGS)
    assert_one_line_error(result, "no model bundle")


def test_corrupt_keras_file_is_reported(tiny_bundle, tmp_path):
    copy = tmp_path / "corrupt"
    shutil.copytree(tiny_bundle, copy)
    (copy / "model.keras").write_bytes(b"not a zip file")
    (copy / "last.keras").unlink(missing_ok=True)
    result = run_cli("train", "--corpus", JIGS, "--out", str(copy), "--epochs", "3", "--resume", *TINY_ARGS)
    assert_one_line_error(result, "corrupt Keras model")
    assert (copy / "model.keras").read_bytes() == b"not a zip file"


def test_corrupt_bundle_description_is_reported(tiny_bundle, tmp_path):
    copy = tmp_path / "corrupt"
    shutil.copytree(tiny_bundle, copy)
    (copy / "bundle.json").write_text("{broken")
    result = run_cli("evaluate", "--weights", str(copy), "--corpus", str(DATA / "unseen.abc"))
    assert_one_line_error(result, "corrupt bundle description")


def test_a_bundle_from_a_newer_abcrnn_is_refused_and_the_format_is_written(tiny_bundle, tmp_path):
    import json

    from abcrnn.model.bundle import FORMAT_VERSION

    assert json.loads((tiny_bundle / "bundle.json").read_text())["format"] == FORMAT_VERSION
    newer = tmp_path / "newer"
    shutil.copytree(tiny_bundle, newer)
    metadata = json.loads((newer / "bundle.json").read_text())
    metadata["format"] = FORMAT_VERSION + 1
    metadata["config"]["a_setting_of_the_future"] = 1
    (newer / "bundle.json").write_text(json.dumps(metadata))
    result = run_cli("sample", "--weights", str(newer), "--n", "1")
    assert_one_line_error(result, "made by a newer abcrnn", f"bundle format {FORMAT_VERSION + 1}")


@pytest.mark.parametrize(
    "content, problem", [(None, "no such file"), ("", "empty"), ("X:1\nT:t\nK:C\nC|\n", "smaller than one batch")]
)
def test_bad_corpus_fails_before_training(tmp_path, content, problem):
    corpus = tmp_path / "corpus.abc"
    if content is not None:
        corpus.write_text(content + "\n" + content)
    out = tmp_path / "bundle"
    result = run_cli("train", "--corpus", str(corpus), "--out", str(out), *TINY_ARGS)
    assert_one_line_error(result, problem)
    assert not out.exists()


def test_evaluate_scores_unseen_tunes(tiny_bundle):
    result = run_cli("evaluate", "--weights", str(tiny_bundle), "--corpus", str(DATA / "unseen.abc"))
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["tunes"] == "10"
    bits = float(lines["bits per char"])
    assert math.isfinite(bits) and 0 < bits < 7
    vocabulary = load_bundle(tiny_bundle).vocabulary
    unseen = [c for c in (DATA / "unseen.abc").read_text() if c not in vocabulary.characters]
    assert lines["unseen characters"].split()[0] == str(len(unseen))


def test_evaluate_counts_unseen_characters(tiny_bundle):
    from abcrnn.sampling.evaluate import score_tunes

    bundle = load_bundle(tiny_bundle)
    tune = "X:1\nT:Jig\nM:6/8\nL:1/8\nK:D\nd2e fed|\n"
    plain = score_tunes(bundle, [tune])
    odd = score_tunes(bundle, [tune.replace("Jig", "J\u00e9\u00e9")])
    assert plain["unseen_count"] == 0 and odd["unseen_count"] == 2
    assert odd["unseen_characters"] == ["\u00e9"] and math.isfinite(odd["bits_per_char"])


@pytest.mark.slow
def test_learning_rate_halves_after_an_epoch_without_improvement(tmp_path, monkeypatch):
    # The mechanism, not the luck of a chaotic training run: validation losses are scripted.
    import abcrnn.training.train

    scripted = iter([2.0, 2.5, 1.5, 1.8])
    monkeypatch.setattr(abcrnn.training.train, "_validate", lambda *args: {"validation_loss": next(scripted),
                                                                  "validation_bits_per_char": 0.0})  # fmt: skip
    out = tmp_path / "plateau"
    train(corpus=JIGS, out=str(out), epochs=4, **{**TINY, "layers": 1, "learning_rate": 0.01})
    bundle = load_bundle(out)
    assert [row["learning_rate"] for row in bundle.history] == pytest.approx([0.01, 0.01, 0.005, 0.005])
    keras_model = bundle.keras_model(last=True)  # the last epoch's optimizer carries the halved rate on
    assert float(keras_model.optimizer.learning_rate.numpy()) == pytest.approx(0.0025)
    assert bundle.best_epoch == 3 and (out / "last.keras").exists()  # the best model is kept, the last beside it


@pytest.mark.slow
def test_transpose_trains_on_moved_tunes_and_keeps_validation_as_written(tmp_path, monkeypatch, capfd):
    import abcrnn.training.train

    seen = []
    real_fit = abcrnn.training.train._fit_one_epoch
    monkeypatch.setattr(abcrnn.training.train, "_fit_one_epoch", lambda model, run, tunes, *rest: (
        seen.append(list(tunes)) or real_fit(model, run, tunes, *rest)))  # fmt: skip
    out = tmp_path / "moved"
    train(corpus=str(DATA / "rhythms60.abc"), out=str(out), epochs=2, transpose=True, **TINY)
    bundle = load_bundle(out)
    assert bundle.metadata["training"]["transpose"] is True
    assert set("^_=#b") <= set(bundle.vocabulary.characters)
    assert "training tunes can move to other keys" in capfd.readouterr().err
    keys = lambda tunes: [tune.split("\nK:")[1].split("\n")[0] for tune in tunes]  # noqa: E731
    assert keys(seen[0]) != keys(seen[1])  # each epoch draws new keys
    from abcrnn.training.corpus import load_corpus_tunes
    from abcrnn.text.abc import model_text

    written = {model_text(tune) for tune in load_corpus_tunes(str(DATA / "rhythms60.abc"))}
    assert sum(tune not in written for tune in seen[0]) > len(seen[0]) / 3  # many moved
    with pytest.raises(AbcrnnError, match="--transpose True, not False"):
        train(corpus=str(DATA / "rhythms60.abc"), out=str(out), epochs=3, resume=True, **TINY)


def test_oversample_repeats_a_rare_meter_each_time_in_its_own_key():
    from abcrnn.errors import AbcrnnError
    from abcrnn.text.abc import header_fields
    from abcrnn.training.corpus import load_corpus_tunes
    from abcrnn.training.settings import TrainSettings
    from abcrnn.training.train import _epoch_tunes

    tunes = load_corpus_tunes(DATA / "rhythms60.abc")
    slip_jigs = [tune for tune in tunes if header_fields(tune).get("M") == "9/8"]
    assert slip_jigs
    epoch = _epoch_tunes(tunes, tunes, {"transpose": True, "seed": 1, "oversample": "9/8=3"}, lambda line: None)(0)
    meters = [header_fields(tune).get("M") for tune in epoch]
    assert meters.count("9/8") == 3 * len(slip_jigs) and len(epoch) == len(tunes) + 2 * len(slip_jigs)
    keys = {}
    for tune in epoch:
        if header_fields(tune).get("M") == "9/8":
            keys.setdefault(header_fields(tune).get("T"), set()).add(header_fields(tune)["K"])
    assert sum(len(found) > 1 for found in keys.values()) > len(keys) / 2  # mostly moved to other keys
    plain = _epoch_tunes(tunes, tunes, {"transpose": False, "seed": 1}, lambda line: None)(0)
    assert plain == tunes
    for wrong in ("9/8", "9/8=x", "nine=2", "9/8=0"):
        with pytest.raises(AbcrnnError, match="--oversample"):
            TrainSettings(oversample=wrong)


def test_warm_start_on_a_corpus_within_the_vocabulary_keeps_the_parents(tiny_bundle, tmp_path):
    """Fine-tuning on a small collection: its characters are a subset, so the parent's vocabulary is kept."""
    from abcrnn.files import read_tunes

    few = tmp_path / "few.abc"
    few.write_text("\n\n".join(read_tunes(JIGS)[:20]) + "\n")
    out = tmp_path / "fine"
    train(corpus=str(few), out=str(out), epochs=1, warm_start=str(tiny_bundle), **TINY)
    parent, child = load_bundle(tiny_bundle), load_bundle(out)
    assert child.vocabulary == parent.vocabulary
    assert child.metadata["parent"]["path"] == str(tiny_bundle)
    assert child.metadata["parent"]["corpus_fingerprint"] == parent.metadata["corpus"]["fingerprint"]
    assert child.metadata["parent"]["added_characters"] == ""


@pytest.mark.slow
def test_warm_start_grows_the_vocabulary_for_new_characters(tiny_bundle, tmp_path):
    from abcrnn.files import read_tunes

    parent = load_bundle(tiny_bundle)
    new = [character for character in "&jq#" if character not in parent.vocabulary.characters][:2]
    assert new, "the tiny corpus already has every test character"
    tunes = read_tunes(JIGS)[:30]
    tunes[0] = tunes[0].replace("T:", f"T:{''.join(new)} ", 1)
    corpus = tmp_path / "new.abc"
    corpus.write_text("\n\n".join(tunes) + "\n")
    out = tmp_path / "grown"
    train(corpus=str(corpus), out=str(out), epochs=1, warm_start=str(tiny_bundle), **TINY)
    child = load_bundle(out)
    assert child.vocabulary.characters == parent.vocabulary.characters + "".join(sorted(new))
    assert child.metadata["parent"]["added_characters"] == "".join(sorted(new))
    assert child.engine().dense_kernel.shape[1] == parent.vocabulary.size + len(new)


def test_a_grown_model_starts_with_the_parents_odds_between_old_characters(tiny_bundle):
    """The new characters' rows start rare; between the old characters nothing changes."""
    import numpy as np

    from abcrnn.model.engine import Engine
    from abcrnn.model.model import build_model, copy_weights, model_weights

    parent = load_bundle(tiny_bundle)
    grown_vocabulary = parent.vocabulary.extended("&")
    config = type(parent.config)(**{**parent.config.to_dict(), "vocab_size": grown_vocabulary.size})
    grown = build_model(config, batch_size=1, seq_len=None)
    copy_weights(parent.keras_model(), grown)
    engines = [parent.engine(), Engine.from_weights(model_weights(grown, config), grown_vocabulary.characters)]
    ids = parent.vocabulary.encode("X:1\nT:Reel\nK:G\nGAB dBG|")
    odds = []
    for engine in engines:
        log_probabilities, _ = engine.feed(ids[None, :], engine.initial_state(1))
        odds.append(np.exp(log_probabilities[0]))
    old = [probabilities[: parent.vocabulary.size] for probabilities in odds]
    assert np.allclose(old[0] / old[0].sum(), old[1] / old[1].sum(), atol=1e-6)
    assert odds[1][-1] < 0.2 / len(odds[1])  # the new character starts rare


def test_a_copy_gate_grown_to_read_a_new_source_keeps_the_old_boosts_and_starts_the_new_as_the_last():
    """A bundle made before the ``part`` source (such as the shipped one) warm-starts a gate that reads it:
    the old sources boost as before, and the new one as the last old source would from the same run bands."""
    import numpy as np

    from abcrnn.model.copying import EARLIER_SOURCES, RUN_BUCKETS, SOURCES
    from abcrnn.model.model import ModelConfig, build_model, copy_weights

    assert load_bundle(ROOT / "weights" / "folk").config.copy_sources == EARLIER_SOURCES  # recorded without it
    parent, child = (build_model(ModelConfig(20, 4, 1, 8, copy=True, copy_sources=sources), batch_size=1, seq_len=None)
                     for sources in (EARLIER_SOURCES, len(SOURCES)))  # fmt: skip
    gate = parent.get_layer("copy_gate")
    rng = np.random.default_rng(0)
    gate.set_weights([rng.normal(size=weight.shape).astype("float32") for weight in gate.get_weights()])
    copy_weights(parent, child)
    (old_kernel, old_bias), (kernel, bias) = gate.get_weights(), child.get_layer("copy_gate").get_weights()

    def boosts(kernel, bias, state, bands):
        one_hots = np.concatenate([np.eye(RUN_BUCKETS)[band] for band in bands])
        return np.logaddexp(0, np.concatenate([state, one_hots]) @ kernel + bias)

    state, bands = rng.normal(size=8), rng.integers(1, RUN_BUCKETS, size=EARLIER_SOURCES)
    before = boosts(old_kernel, old_bias, state, bands)
    after = boosts(kernel, bias, state, np.append(bands, bands[-1]))
    assert np.allclose(after[:EARLIER_SOURCES], before) and np.isclose(after[-1], before[-1])
    # The new source's boost reads its own bands: another band, another boost; the old ones' do not.
    moved = boosts(kernel, bias, state, np.append(bands, bands[-1] % (RUN_BUCKETS - 1) + 1))
    assert np.allclose(moved[:EARLIER_SOURCES], before) and not np.isclose(moved[-1], before[-1])


def test_copy_sources_out_of_range_is_refused_in_one_line(tmp_path):
    result = run_cli("train", "--corpus", str(DATA / "jigs120.abc"), "--out", str(tmp_path / "m"), "--copy",
                     "--copy-sources", "4", *TINY_ARGS)  # fmt: skip
    assert_one_line_error(result, "--copy-sources must be 5", "got 4")
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_a_warm_started_bundle_resumes_with_its_own_vocabulary_and_network(tiny_bundle, tmp_path):
    """Resuming keeps the ids the bundle was trained with (the parent's order, not the corpus's sorted one)
    and its network, without the network options given again."""
    from abcrnn.files import read_tunes

    tunes = read_tunes(JIGS)[:30]
    tunes[0] = tunes[0].replace("T:", "T:& ", 1)  # a character the parent lacks, so the order is not sorted
    corpus = tmp_path / "new.abc"
    corpus.write_text("\n\n".join(tunes) + "\n")
    out = tmp_path / "fine"
    shape = {"batch_size": 16, "seq_len": 50, "val_fraction": 0.1, "learning_rate": 0.01, "verbose": 0}
    train(corpus=str(corpus), out=str(out), epochs=1, warm_start=str(tiny_bundle), **shape)
    before = load_bundle(out)
    assert before.config.units == 32  # the parent's network, not the command's default
    assert before.vocabulary.characters != "".join(sorted(before.vocabulary.characters))
    train(corpus=str(corpus), out=str(out), epochs=2, resume=True, **shape)
    after = load_bundle(out)
    assert after.vocabulary == before.vocabulary and after.config == before.config
    first, second = (row["validation_loss"] for row in after.history)
    assert second < first + 0.5  # read with the wrong ids, the resumed epoch's loss leaps by nats
