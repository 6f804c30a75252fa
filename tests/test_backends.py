"""Training on every Keras backend installed: the state carries, bundles move, devices and processes agree.

Each backend runs in its own process: Keras picks its backend once, at import.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys

import pytest
from conftest import DATA, ROOT, TINY_ARGS, assert_one_line_error, run_cli
from lag_task import STATELESS_FLOOR

from abcrnn.model.bundle import load_bundle

# Each trains in a fresh process under a backend: minutes in all, run by CI (see pyproject.toml).
pytestmark = pytest.mark.slow

INSTALLED = [name for name in ("tensorflow", "jax", "torch") if importlib.util.find_spec(name)]
JIGS = str(DATA / "jigs120.abc")
TWO_CPU_DEVICES = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
needs_jax = pytest.mark.skipif("jax" not in INSTALLED, reason="JAX is not installed (pip install 'jax[cpu]')")


def run_under(backend: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` from the project root with ``KERAS_BACKEND=backend``."""
    environment = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=environment,
                          timeout=600)  # fmt: skip


def train_under(backend: str, out, *options: str, env: dict | None = None) -> list[dict]:
    """``abcrnn train`` the tiny network on 120 jigs; return the bundle's history."""
    result = run_under(backend, "-m", "abcrnn", "train", "--corpus", JIGS, "--out", str(out), *TINY_ARGS, *options,
                       env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return load_bundle(out).history


def losses(history: list[dict]) -> list[float]:
    return [value for row in history for value in (row["train_loss"], row["validation_loss"])]


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
@pytest.mark.parametrize("backend", INSTALLED)
def test_state_carries_between_windows(backend, precision):
    result = run_under(backend, "tests/lag_task.py", "--precision", precision, "--epochs", "8")
    assert result.returncode == 0, result.stderr[-3000:]
    loss = float(result.stdout.split("loss=")[-1].split()[0])
    # Without a carried state the loss cannot go below 0.624 nats; with it, it reaches about 0.02.
    assert loss < STATELESS_FLOOR / 5, result.stdout


@needs_jax
def test_state_carries_when_streams_are_sharded_over_two_devices():
    result = run_under("jax", "tests/lag_task.py", "--devices", "2", "--epochs", "8", env=TWO_CPU_DEVICES)
    assert result.returncode == 0, result.stderr[-3000:]
    assert float(result.stdout.split("loss=")[-1].split()[0]) < STATELESS_FLOOR / 5


@needs_jax
@pytest.mark.skipif("tensorflow" not in INSTALLED, reason="TensorFlow is not installed")
def test_bundle_trained_under_jax_resumes_under_tensorflow_and_samples(tmp_path):
    out = tmp_path / "moved"
    train_under("jax", out, "--epochs", "1")
    assert load_bundle(out).metadata["training"]["backend"] == "jax"
    history = train_under("tensorflow", out, "--epochs", "2", "--resume")
    assert [row["epoch"] for row in history] == [1, 2]
    assert load_bundle(out).metadata["training"]["backend"] == "tensorflow"
    assert int(load_bundle(out).keras_model(last=True).optimizer.iterations) > 0
    sampled = run_cli("sample", "--weights", str(out), "--n", "2", "--seed", "1", "--max-chars", "200")
    assert sampled.returncode == 0 and sampled.stdout.count("X:") == 2, sampled.stderr


@needs_jax
def test_two_devices_give_one_devices_losses(tmp_path):
    one = train_under("jax", tmp_path / "one", "--epochs", "1", "--devices", "1", env=TWO_CPU_DEVICES)
    two = train_under("jax", tmp_path / "two", "--epochs", "1", "--devices", "2", env=TWO_CPU_DEVICES)
    assert load_bundle(tmp_path / "two").metadata["training"]["devices"] == 2
    assert losses(two) == pytest.approx(losses(one), rel=1e-4)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@needs_jax
def test_two_processes_on_localhost_give_one_process_losses(tmp_path):
    single = train_under("jax", tmp_path / "single", "--epochs", "2")
    out = tmp_path / "multi"
    command = [sys.executable, "-m", "abcrnn", "train", "--corpus", JIGS, "--out", str(out), *TINY_ARGS,
               "--epochs", "2", "--processes", "2", "--job-address", f"127.0.0.1:{free_port()}"]  # fmt: skip
    environment = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([*command, "--process-id", str(index)], cwd=ROOT, env=environment, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for index in (0, 1)]  # fmt: skip
    outputs = [worker.communicate(timeout=600) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    multi = load_bundle(out)
    assert multi.metadata["training"]["processes"] == 2
    assert losses(multi.history) == pytest.approx(losses(single), rel=1e-4)
    assert "epoch 2/2" in outputs[0][1] and "epoch 2/2" not in outputs[1][1]  # process 0 reports and writes


@pytest.mark.skipif("tensorflow" not in INSTALLED, reason="TensorFlow is not installed")
def test_devices_under_tensorflow_is_refused_in_one_line(tmp_path):
    result = run_under("tensorflow", "-m", "abcrnn", "train", "--corpus", JIGS, "--out", str(tmp_path / "b"),
                       *TINY_ARGS, "--devices", "2")  # fmt: skip
    assert_one_line_error(result, "cannot be spread over devices under tensorflow", "KERAS_BACKEND=jax")
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    "options, problem",
    [(["--precision", "float16"], "--precision must be one of"),
     (["--processes", "2"], "--processes 2"),
     (["--devices", "0"], "--devices must be a whole number")],
)  # fmt: skip
def test_bad_placement_options_give_one_line_errors(tmp_path, options, problem):
    result = run_cli("train", "--corpus", JIGS, "--out", str(tmp_path / "b"), *TINY_ARGS, *options)
    assert_one_line_error(result, problem)


def test_unknown_backend_is_refused_in_one_line(tmp_path):
    result = run_under("theano", "-m", "abcrnn", "train", "--corpus", JIGS, "--out", str(tmp_path / "b"), *TINY_ARGS)
    assert_one_line_error(result, "KERAS_BACKEND=theano")


def test_bundle_records_backend_and_placement(tiny_bundle):
    training = json.loads((tiny_bundle / "bundle.json").read_text())["training"]
    assert training["backend"] in INSTALLED and training["devices"] == 1 and training["processes"] == 1
    assert training["precision"] in ("float32", "bfloat16")


@needs_jax
def test_training_under_jax_never_imports_tensorflow(tmp_path):
    # TensorFlow costs 3 s and 630 MB at import; Keras would import it on every save where it is installed.
    code = ("import sys\nfrom abcrnn.commands.train import train\n"
            f"train(corpus={JIGS!r}, out={str(tmp_path / 'b')!r}, epochs=1, layers=1, units=8, embedding_dim=4, "
            "batch_size=16, seq_len=50, val_fraction=0.1, verbose=0)\n"
            "from abcrnn.model.bundle import load_bundle\nload_bundle(" + repr(str(tmp_path / "b")) + ").keras_model()\n"
            "print('tensorflow' in sys.modules)")  # fmt: skip
    result = run_under("jax", "-c", code)
    assert result.returncode == 0 and result.stdout.strip().splitlines()[-1] == "False", result.stderr[-2000:]


def test_a_chosen_backend_that_is_not_installed_is_refused(monkeypatch):
    from abcrnn.model import backends
    from abcrnn.errors import AbcrnnError

    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(AbcrnnError, match="KERAS_BACKEND=torch, but torch is not installed"):
        backends.backend_name()


ENGINE_EQUALS_KERAS = """
import sys, numpy as np
from abcrnn.model.bundle import load_bundle
from abcrnn.model.copying import copy_features
from abcrnn.model.model import build_model, copy_weights
bundle = load_bundle(sys.argv[1])
model = build_model(bundle.config, batch_size=1, seq_len=None)
copy_weights(bundle.keras_model(), model)
ids = bundle.vocabulary.encode(open(sys.argv[2]).read().split("\\n\\n")[5] + "\\n\\n")
((proposals, bands),) = copy_features(bundle.vocabulary.characters, [ids])
import keras
expected = keras.ops.convert_to_numpy(model.predict_on_batch(
    [ids[None], proposals[None].astype("int32"), bands[None].astype("int32")]))[0]
engine, state, actual = bundle.engine(), None, []
state = engine.initial_state(1)
for character_id in ids:
    log_probs, state = engine.step(np.array([character_id]), state)
    actual.append(np.exp(log_probs[0]))
print("difference=", np.abs(np.array(actual) - expected).max())
"""


@pytest.mark.parametrize("backend", INSTALLED)
def test_the_copy_gate_trains_on_every_backend_and_the_engine_equals_it(backend, tmp_path):
    import numpy as np

    out = tmp_path / "copy"
    history = train_under(backend, out, "--epochs", "2", "--copy")
    assert history[1]["train_loss"] < history[0]["train_loss"]
    with np.load(out / "weights.npz") as weights:
        assert np.abs(weights["gate_kernel"]).max() > 1e-3  # the gate learned from its zero start
    result = run_under(backend, "-c", ENGINE_EQUALS_KERAS, str(out), JIGS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert float(result.stdout.split("difference=")[-1]) < 1e-5
