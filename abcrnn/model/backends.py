"""Which Keras backend runs training, on which devices, at which precision.

Keras 3 runs the one network of ``model.build_model`` on TensorFlow, JAX or
PyTorch, chosen by ``KERAS_BACKEND`` before Keras is first imported. What each
can do with a *stateful* LSTM differs, and this module is where those facts live:

- TensorFlow carries the state in float32 and in mixed bfloat16, but cannot
  distribute a stateful model (``MirroredStrategy`` gives each replica a smaller
  batch than the state was built for, and a mirrored variable cannot hold a
  different state per replica).
- JAX carries the state once the LSTM tracks it (``model.CarriedStateLSTM``), in
  float32 and bfloat16, and distributes it with Keras's distribution API: one
  global batch whose streams, and their state rows, are sharded across devices.
- PyTorch carries the state in float32 and, once the state is read and written
  without autocasting (``model.CarriedStateLSTM``), in mixed bfloat16; like
  TensorFlow it cannot distribute a stateful model through Keras.

``tests/lag_task.py`` checks the state on each backend installed.
"""

import contextlib
import importlib.util
import os
import sys

from abcrnn.errors import AbcrnnError

BACKENDS = ("tensorflow", "jax", "torch")
PRECISIONS = ("auto", "float32", "bfloat16")


def backend_name() -> str:
    """The backend Keras will use: ``KERAS_BACKEND``, else TensorFlow, else whichever is installed.

    Keras itself defaults to TensorFlow and fails to import without it; choosing
    an installed backend first lets abcrnn train on a machine that has only JAX
    or PyTorch (a GPU machine, say) with no setting at all.
    """
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        if chosen not in BACKENDS:
            raise AbcrnnError(f"KERAS_BACKEND={chosen} is not one of {', '.join(BACKENDS)}")
        if importlib.util.find_spec(chosen) is None:
            raise AbcrnnError(f"KERAS_BACKEND={chosen}, but {chosen} is not installed: pip install {chosen}")
        return chosen
    for name in BACKENDS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise AbcrnnError("training needs one of tensorflow, jax or torch: pip install tensorflow (or jax)")


def import_keras():
    """Import Keras on the backend of ``backend_name``; every module that needs Keras gets it here."""
    os.environ["KERAS_BACKEND"] = backend_name()
    import keras

    if keras.backend.backend() != os.environ["KERAS_BACKEND"]:
        raise AbcrnnError(
            f"Keras was already imported on {keras.backend.backend()}; set KERAS_BACKEND before starting abcrnn"
        )
    if keras.backend.backend() != "tensorflow":
        # Keras asks whether TensorFlow is installed when it saves a model or sets a
        # seed, importing it (3 s, 630 MB) under any backend; abcrnn never uses it there.
        from keras.src.utils import module_utils

        if getattr(module_utils.tensorflow, "_available", False) is None:
            module_utils.tensorflow._available = False
    return keras


def accelerators() -> list:
    """The GPUs (or TPUs) the current backend can see; empty on a CPU-only machine."""
    backend = import_keras().backend.backend()
    if backend == "jax":
        import jax

        return [device for device in jax.devices() if device.platform != "cpu"]
    if backend == "torch":
        import torch

        return [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    import tensorflow as tf

    return tf.config.list_physical_devices("GPU")


def check_precision(precision: str) -> None:
    """Refuse a ``--precision`` that is not one of ``PRECISIONS``, before any backend is imported."""
    if precision not in PRECISIONS:
        raise AbcrnnError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")


def resolve_precision(precision: str, backend: str, on_accelerator: bool) -> str:
    """The precision to train in: ``auto`` picks the fastest one that keeps the LSTM state.

    Every precision keeps the state on every backend (``tests/lag_task.py``);
    they differ in speed.

    >>> resolve_precision("auto", "jax", on_accelerator=True)
    'bfloat16'
    >>> resolve_precision("auto", "jax", on_accelerator=False)
    'float32'
    """
    from abcrnn.model.model import cpu_has_bfloat16

    check_precision(precision)
    if precision != "auto":
        return precision
    if on_accelerator:
        # JAX's scan on an H100 ran 1.03 M chars/s in bfloat16 against 0.85 M in
        # float32. TensorFlow and PyTorch on a GPU are unmeasured: float32 is safe.
        return "bfloat16" if backend == "jax" else "float32"
    # XLA's CPU code for bfloat16 is slow (bench/train_speed.py); TensorFlow's
    # and PyTorch's use AMX and AVX512-BF16 where the CPU has them.
    return "bfloat16" if backend != "jax" and cpu_has_bfloat16() else "float32"


def device_count(devices: int | None, backend: str, found_accelerators: int) -> int:
    """How many devices to train on: ``--devices``, else every accelerator, else one CPU.

    Only JAX can spread a stateful model over several devices; elsewhere asking
    for more than one is an error, and finding more than one is said.
    """
    if devices is not None and (isinstance(devices, bool) or not isinstance(devices, int) or devices < 1):
        raise AbcrnnError(f"--devices must be a whole number of at least 1, got {devices!r}")
    if backend != "jax":
        if devices is not None and devices > 1:
            raise AbcrnnError(
                f"--devices {devices}: a stateful model cannot be spread over devices under {backend} "
                f"(each replica would need its own LSTM state); run with KERAS_BACKEND=jax"
            )
        if found_accelerators > 1:
            print(f"note: training on 1 of {found_accelerators} GPUs; KERAS_BACKEND=jax uses them all",
                  file=sys.stderr)  # fmt: skip
        return 1
    if devices is None:
        return max(1, found_accelerators)
    return devices


def join_processes(job_address: str | None, processes: int, process_id: int) -> None:
    """Join a training run spread over ``processes`` processes (machines), before any other JAX work.

    Keras's distribution API on JAX: every process runs the same command with its
    own ``process_id``; ``job_address`` is process 0's ``host:port``.
    """
    if processes == 1:
        return
    if backend_name() != "jax":
        raise AbcrnnError(f"--processes {processes}: training over several processes needs KERAS_BACKEND=jax")
    if not job_address or not isinstance(process_id, int) or not 0 <= process_id < processes:
        raise AbcrnnError(f"--processes {processes} needs --job-address HOST:PORT of process 0 and a "
                          f"--process-id from 0 to {processes - 1}; got {job_address!r}, {process_id!r}")  # fmt: skip
    import jax

    # Collectives between processes on CPUs go through gloo; GPUs use NCCL regardless.
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    import_keras().distribution.initialize(job_address, processes, process_id)


def spread_over_devices(devices: int, batch_size: int):
    """Shard the streams, and their LSTM state rows, over ``devices`` devices of every process (JAX only).

    Weights are replicated and gradients averaged, as in ``DataParallel``; the
    state variables are laid out along the batch, so row ``i`` of the state lives
    with stream ``i``. Returns the distribution, or None for one device.
    """
    import jax

    keras = import_keras()
    total = devices * jax.process_count()
    if total == 1:
        return None
    if len(jax.local_devices()) < devices:
        raise AbcrnnError(f"--devices {devices}: this machine has {len(jax.local_devices())} "
                          f"{jax.local_devices()[0].platform.upper()} device(s)")  # fmt: skip
    if batch_size % total:
        raise AbcrnnError(f"--batch-size {batch_size} must divide evenly over {total} devices")
    chosen = [device for process in range(jax.process_count())
              for device in [d for d in jax.devices() if d.process_index == process][:devices]]  # fmt: skip
    mesh = keras.distribution.DeviceMesh((total,), ["batch"], chosen)
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map[".*rnn_state"] = ("batch", None)
    distribution = keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    distribution.auto_shard_dataset = False  # each process already feeds only its own streams
    keras.distribution.set_distribution(distribution)
    return distribution


def process_index() -> tuple[int, int]:
    """This process's index and the number of processes training together."""
    if backend_name() != "jax":
        return 0, 1
    import jax

    return jax.process_index(), jax.process_count()


def agree(value: bool) -> bool:
    """Process 0's ``value`` in every process, so that all stop at the same epoch."""
    if process_index()[1] == 1:
        return value
    from jax.experimental import multihost_utils

    return bool(multihost_utils.broadcast_one_to_all(value))


@contextlib.contextmanager
def outside_distribution():
    """Run one process's own work (saving a bundle) without the distribution's cross-process steps.

    Under a distribution every new variable is placed on every process's devices,
    which needs all processes; saving a model makes one, and only process 0 saves.
    """
    if backend_name() != "jax":
        yield
        return
    keras = import_keras()
    distribution = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(distribution)
