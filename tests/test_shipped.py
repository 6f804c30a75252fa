"""The shipped jig model, as a user gets it: it loads, and it writes jigs that pass validation."""

from conftest import ROOT, run_cli

from abcrnn.abc import header_fields, split_tunes
from abcrnn.bundle import load_bundle
from abcrnn.corpus import load_corpus_tunes
from abcrnn.train import corpus_fingerprint
from abcrnn.validate import validate_tune


def test_shipped_bundle_describes_its_training():
    bundle = load_bundle(ROOT / "weights" / "jigs")
    corpus = load_corpus_tunes(str(ROOT / "corpora" / "jigs-valid.abc"))
    assert bundle.metadata["corpus"]["fingerprint"] == corpus_fingerprint(corpus)
    best = bundle.history[bundle.best_epoch - 1]
    assert best["validation_bits_per_char"] < 2.0
    assert bundle.engine().vocab_size == bundle.vocabulary.size


def test_default_sampling_writes_valid_jigs(tmp_path):
    out = tmp_path / "jigs.abc"
    result = run_cli("sample", "--n", "20", "--seed", "1", "--out", str(out), cwd=tmp_path)  # from any folder
    assert result.returncode == 0, result.stderr
    assert "weights/jigs" in result.stderr
    tunes = split_tunes(out.read_text())
    assert len(tunes) == 20
    assert all(header_fields(tune)["M"] == "6/8" for tune in tunes)
    valid = sum(validate_tune(tune).valid for tune in tunes)
    assert valid >= 15, f"only {valid} of 20 sampled jigs pass validation"


def test_shipped_model_honours_forced_key(tmp_path):
    out = tmp_path / "dorian.abc"
    result = run_cli("sample", "--n", "5", "--seed", "2", "--key", "Edor", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert [header_fields(tune)["K"] for tune in split_tunes(out.read_text())] == ["Edor"] * 5
