"""The shipped folk model, as a user gets it: it loads and writes tunes of the rhythm asked for that pass validation."""

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


def test_shipped_model_writes_reels_in_reel_meters(tmp_path):
    out = tmp_path / "reels.abc"
    result = run_cli("sample", "--n", "10", "--seed", "3", "--rhythm", "reel", "--out", str(out))
    assert result.returncode == 0, result.stderr
    tunes = split_tunes(out.read_text())
    assert all(header_fields(tune)["R"] == "reel" for tune in tunes)
    assert all(header_fields(tune)["M"] in ("C|", "C", "4/4", "2/4") for tune in tunes)


def test_shipped_model_honours_forced_key(tmp_path):
    out = tmp_path / "dorian.abc"
    result = run_cli("sample", "--n", "5", "--seed", "2", "--key", "Edor", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert [header_fields(tune)["K"] for tune in split_tunes(out.read_text())] == ["Edor"] * 5
