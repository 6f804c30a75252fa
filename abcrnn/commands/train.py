"""``abcrnn train``: train a model on an ABC corpus into a bundle folder."""

import sys


def train(
    corpus: str = "corpora/jigs.abc",
    out: str = "weights/model",
    epochs: int = 100,
    batch_size: int = 128,
    seq_len: int = 100,
    layers: int | None = None,
    units: int | None = None,
    embedding_dim: int | None = None,
    dropout: float | None = None,
    learning_rate: float = 0.003,
    lr_decay: float = 0.5,
    clip_norm: float = 5.0,
    val_fraction: float = 0.05,
    patience: int = 8,
    seed: int = 1,
    precision: str = "auto",
    devices: int | None = None,
    job_address: str | None = None,
    processes: int = 1,
    process_id: int = 0,
    transpose: bool = False,
    copy: bool | None = None,
    context: bool | None = None,
    warm_start: str | None = None,
    oversample: str | None = None,
    ending_weight: float = 1.0,
    max_minutes: float | None = None,
    resume: bool = False,
    overwrite: bool = False,
    verbose: int = 1,
) -> None:
    """Train a model on an ABC corpus and save it as a bundle folder.

    Args:
        corpus: ABC file of training tunes (cleaned the same way as `abcrnn corpus`).
        out: bundle folder to write, e.g. weights/mine.
        epochs: passes over the training tunes.
        batch_size: parallel character streams per batch.
        seq_len: characters per window; state carries from window to window.
        layers: stacked LSTM layers (default 2, or the resumed or warm-start bundle's).
        units: LSTM units per layer (default 384, or the bundle's).
        embedding_dim: size of each character's vector (default 64, or the bundle's).
        dropout: dropout after each LSTM layer while training (default 0.3, or the bundle's).
        learning_rate: Adam's learning rate.
        lr_decay: multiply the learning rate by this after an epoch without a better validation loss (1: never).
        clip_norm: gradients are clipped to this norm.
        val_fraction: share of whole tunes held out for validation.
        patience: stop after this many epochs without a better validation loss.
        seed: seeds the split, the tune order of each epoch and the weights.
        precision: float32, bfloat16 (mixed) or auto: the fastest for the backend and device.
        devices: devices to spread the streams over (JAX only); default every GPU, else one CPU.
        job_address: HOST:PORT of process 0, when training over several processes or machines (JAX).
        processes: processes (machines) training together; each runs the same command.
        process_id: this process's number, 0 to processes - 1; process 0 writes the bundle.
        transpose: each epoch, move each training tune into a key drawn with the corpus's key frequencies,
            within G3-B6 (validation tunes stay as written).
        copy: add the copy gate, which lets the tune's own past (the bar 1, 2, 4 and 8 bars back, and
            the longest earlier match) raise the likelihood of what it proposes (default: off, or as the
            resumed or warm-start bundle has it).
        context: feed the network each character's place in its bar (how much of it is left), its part
            (bars since the part began, parts closed) and its key (the tonic letter), read from the text so far
            (default: off, or as the resumed or warm-start bundle has it; a warm start learns it from zero weights).
        warm_start: start from the weights of this bundle, e.g. to fine-tune the shipped model on your own
            collection (--warm-start shipped); the network is the bundle's, its vocabulary grows by the
            corpus's new characters, and a copy gate it lacks starts new (--copy adds one).
        oversample: METER=TIMES[,...], e.g. 9/8=4: each epoch, training tunes in that meter come that many
            times (each time in another key with --transpose); validation tunes stay as they are.
        ending_weight: the loss on each part's ending (its last bar, closing bar line and what follows: the
            cadence and the choice to go on or stop) weighs this much against 1 elsewhere; validation is unweighted.
        max_minutes: stop after the epoch that would run past this wall-clock budget.
        resume: continue the interrupted or finished run in `out` from its last epoch.
        overwrite: replace the bundle already in `out` by a new run (without it, an existing bundle
            needs --resume).
        verbose: 1 shows a progress bar per epoch, 2 one line per epoch, 0 nothing from Keras.
    """
    from abcrnn.errors import AbcrnnError
    from abcrnn.model.model import ModelConfig
    from abcrnn.training.settings import TrainSettings, check_positive
    from abcrnn.training.train import train_model

    if warm_start == "shipped":
        from abcrnn.model.bundle import default_weights

        warm_start = str(default_weights())
    shape = _network_shape(str(out) if resume else warm_start, layers=layers, units=units,
                           embedding_dim=embedding_dim, dropout=dropout, copy=copy, context=context)  # fmt: skip
    for name in ("layers", "units", "embedding_dim"):
        check_positive(name, shape[name])
    if isinstance(shape["dropout"], bool) or not isinstance(shape["dropout"], (int, float)) \
            or not 0 <= shape["dropout"] < 1:  # fmt: skip
        raise AbcrnnError(f"--dropout must be in [0, 1), got {shape['dropout']!r}")
    network = ModelConfig(0, int(shape["embedding_dim"]), int(shape["layers"]), int(shape["units"]),
                          float(shape["dropout"]), bool(shape["copy"]), bool(shape["context"]))  # fmt: skip
    settings = TrainSettings(
        batch_size=batch_size, seq_len=seq_len, learning_rate=float(learning_rate), lr_decay=float(lr_decay),
        clip_norm=float(clip_norm), val_fraction=float(val_fraction), patience=patience, seed=seed,
        transpose=bool(transpose), warm_start=str(warm_start) if warm_start else None,
        oversample=str(oversample) if oversample else None, ending_weight=ending_weight,
    )  # fmt: skip
    placement = {"precision": precision, "devices": devices, "job_address": job_address, "processes": processes,
                 "process_id": process_id}  # fmt: skip
    train_model(str(corpus), str(out), network, settings, epochs, max_minutes, bool(resume), bool(overwrite),
                placement, verbose, report=lambda line: print(line, file=sys.stderr))  # fmt: skip


def _network_shape(source: str | None, **given) -> dict:
    """The network options: as given, else as the bundle in ``source`` (resumed or warm-started) has them, else
    ``ModelConfig``'s defaults."""
    from dataclasses import fields
    from pathlib import Path

    from abcrnn.model.bundle import load_bundle
    from abcrnn.model.model import ModelConfig

    inherited = load_bundle(source).config.to_dict() if source and (Path(source) / "bundle.json").is_file() else {}
    defaults = {field.name: field.default for field in fields(ModelConfig) if field.name in given}
    return {name: value if value is not None else inherited.get(name, defaults[name]) for name, value in given.items()}
