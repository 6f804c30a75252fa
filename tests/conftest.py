import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DATA = Path(__file__).parent / "data"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).parent.parent


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m abcrnn ARGS`` as a user would and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "abcrnn", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=600,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    """A user error: non-zero exit, one line on stderr naming the problem, no traceback."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) >= 1 and lines[-1].startswith("abcrnn: error:"), result.stderr
    error_lines = [line for line in lines if line.startswith("abcrnn: error:")]
    assert len(error_lines) == 1, result.stderr
    for word in words:
        assert word in error_lines[0], error_lines[0]


@pytest.fixture
def data_dir() -> Path:
    return DATA


TINY_ARGS = ["--layers", "2", "--units", "32", "--embedding-dim", "16", "--batch-size", "16", "--seq-len", "50",
             "--val-fraction", "0.1", "--learning-rate", "0.01", "--verbose", "0"]  # fmt: skip
TINY = dict(layers=2, units=32, embedding_dim=16, batch_size=16, seq_len=50, val_fraction=0.1,
            learning_rate=0.01, verbose=0)  # fmt: skip


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory) -> Path:
    """A tiny 2-layer model trained for 2 epochs on 120 jigs: shared by the tests that need one."""
    from abcrnn.commands.train import train

    out = tmp_path_factory.mktemp("bundles") / "tiny"
    train(corpus=str(DATA / "jigs120.abc"), out=str(out), epochs=2, **TINY)
    return out


@pytest.fixture(scope="session")
def copy_bundle(tmp_path_factory) -> Path:
    """A tiny model with a copy gate, trained for 1 epoch on 120 jigs: shared by the tests that need one."""
    from abcrnn.commands.train import train

    out = tmp_path_factory.mktemp("bundles") / "copy"
    train(corpus=str(DATA / "jigs120.abc"), out=str(out), epochs=1, copy=True, **TINY)
    return out


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright; the tests that need it skip, saying why, without them."""
    if not CHROMIUM:
        pytest.skip("no Chromium to test the pages in (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api", reason="no playwright (pip install playwright)")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required",
            "--disable-background-networking"])  # fmt: skip
        yield browser
        browser.close()


def assert_header_starts_resume(bundle, primer: str = "") -> None:
    """Streams started from the ``HeaderStart`` their tunes' draw recorded, in a batch beside a stream that writes its
    own header, each go on exactly as a stream fed the same header as a primer (drawing the likeliest character).
    A ``primer`` (a whole header, and music to open with) gives each draw the same header."""
    from abcrnn.sampling.streams import Drawing, sample_tunes

    engine, vocabulary, order = bundle.engine(), bundle.vocabulary, bundle.header_order
    first = sample_tunes(engine, vocabulary, 3, Drawing(max_chars=300), seed=7, header_starts=True, header_order=order,
                         primer=primer)  # fmt: skip
    starts = [tune.header for tune in first]
    assert all(start.text[: start.music_start].rstrip().split("\n")[-1].startswith("K:") for start in starts)
    assert all(start.text.endswith(primer.split("\n")[-1]) for start in starts)  # the opening music, if any
    assert len({start.text for start in starts}) == (1 if primer else 3)
    likeliest = Drawing(top_k=1, max_chars=300)
    resumed = sample_tunes(engine, vocabulary, 4, likeliest, seed=[1, 2, 3, 4], forced=[{}] * 3 + [{"K": "Dmix"}],
                           starts=starts + [None], header_order=order)  # fmt: skip
    for start, tune in zip(starts, resumed):
        (primed,) = sample_tunes(engine, vocabulary, 1, likeliest, seed=9, primer=start.text, header_order=order)
        assert tune.text.split("\n", 1)[1] == primed.text.split("\n", 1)[1]
        assert tune.header is None and len(tune.text) > len(start.text) + 20
    (alone,) = sample_tunes(engine, vocabulary, 1, likeliest, seed=4, forced={"K": "Dmix"}, header_order=order)
    assert resumed[3].text.split("\n", 1)[1] == alone.text.split("\n", 1)[1] and "K:Dmix" in alone.text
