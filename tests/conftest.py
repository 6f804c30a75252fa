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
