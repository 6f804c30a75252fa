"""Train the stateful LSTM on a corpus, with validation, early stopping and resume.

Each epoch shuffles the training tunes (from the seed), joins them into one
text, cuts it into ``batch_size`` contiguous streams and feeds them as
consecutive windows to a compiled ``fit``, so each stream's LSTM state carries
from window to window. States reset at the start of every epoch. After each
epoch the held-out tunes are scored, each from a fresh state, and the bundle
is rewritten: the best epoch's model, plus the last one for ``--resume``.
"""

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from abcrnn.text.abc import TUNE_SEPARATOR, header_fields, join_tunes, model_text
from abcrnn.training.augment import TRANSPOSITION_CHARACTERS, KeyMover
from abcrnn.model.backends import (
    accelerators,
    agree,
    backend_name,
    check_precision,
    device_count,
    join_processes,
    outside_distribution,
    process_index,
    resolve_precision,
    spread_over_devices,
)
from abcrnn.model.bundle import FORMAT_VERSION, load_bundle, save_bundle
from abcrnn.training.corpus import header_statistics, load_corpus_tunes
from abcrnn.training.data import (
    ending_weights,
    split_train_validation,
    stream_chunks,
    stream_context_inputs,
    stream_copy_inputs,
    stream_layout,
    stream_text,
    stream_windows,
)
from abcrnn.errors import AbcrnnError
from abcrnn.model.model import ModelConfig
from abcrnn.model.vocabulary import Vocabulary
from abcrnn.training.settings import TrainSettings, check_positive

# Settings that must match for --resume to continue the same run.
OVERSAMPLE_SEED_STEP = 100_003  # a repeated tune's key is drawn from a seed far from the epochs' own
OWN_TUNES_SEED = 7_000_000  # the model's own tunes of epoch e (--reward-endings) come from this + e x their count
RESUME_SETTINGS = ("batch_size", "seq_len", "val_fraction", "seed", "transpose", "header_order")


def corpus_fingerprint(tunes: list[str]) -> str:
    """A short hash of the cleaned corpus: a bundle remembers what it was trained on."""
    return hashlib.sha256(join_tunes(tunes).encode("utf-8")).hexdigest()[:16]


def train_model(
    corpus: str,
    out: str,
    network: ModelConfig,
    settings: TrainSettings,
    epochs: int = 100,
    max_minutes: float | None = None,
    resume: bool = False,
    overwrite: bool = False,
    placement: dict | None = None,
    verbose: int = 1,
    report=None,
) -> None:
    """Train a model on an ABC corpus and save it as a bundle folder (the work of ``abcrnn train``).

    Args:
        corpus: ABC file of training tunes (cleaned the same way as `abcrnn corpus`).
        out: the bundle folder to write.
        network: the network's shape; its ``vocab_size`` is replaced by the corpus's.
        settings: how to train; stored whole in the bundle.
        epochs: passes over the training tunes, in all (a resumed run counts those done).
        max_minutes: stop after the epoch that would run past this wall-clock budget.
        resume: continue the run in ``out``; ``overwrite``: replace it (otherwise ``out`` must hold none).
        placement: where to train: ``precision``, ``devices``, ``job_address``, ``processes``, ``process_id``
            (see ``model.backends``).
        verbose: Keras's progress: 1 a bar per epoch, 2 a line per epoch, 0 nothing.
        report: called with each line to show the user (an epoch's losses, why training stopped).
    """
    report = report or (lambda line: None)
    placement = placement or {}
    check_positive("epochs", epochs)
    if max_minutes is not None:
        check_positive("max_minutes", max_minutes)
    check_precision(placement.get("precision", "auto"))
    bundle = _existing_bundle(out, resume, overwrite)
    if bundle:
        settings = replace(settings, header_order=bundle.header_order)
    join_processes(placement.get("job_address"), placement.get("processes", 1), placement.get("process_id", 0))
    tunes = load_corpus_tunes(corpus)
    extra_characters = TRANSPOSITION_CHARACTERS if settings.transpose else ""
    vocabulary = Vocabulary.from_text(join_tunes(tunes) + TUNE_SEPARATOR + extra_characters)
    parent = load_bundle(settings.warm_start) if settings.warm_start and not bundle else None
    # A resumed or warm-started network reads with its own ids (a warm start's are its parent's, not
    # sorted); a warm start adds the corpus's new characters after them.
    if bundle or parent:
        vocabulary = (bundle or parent).vocabulary.extended(vocabulary.characters)
    config = replace(network, vocab_size=vocabulary.size)
    fingerprint = corpus_fingerprint(tunes)
    train_tunes, validation_tunes = split_train_validation(
        [model_text(tune, settings.header_order) for tune in tunes], settings.val_fraction, settings.seed
    )
    # Fail on a too-small corpus before TensorFlow is even imported.
    stream_windows(vocabulary.encode(stream_text(train_tunes, settings.seed)), settings.batch_size, settings.seq_len)
    if parent:
        _check_warm_start(parent, config)
    if settings.reward_anchor and settings.warm_start:  # a resumed run too: it reads the warm start each epoch
        start = parent or load_bundle(settings.warm_start)
        if start.vocabulary != vocabulary:
            raise AbcrnnError(f"--reward-anchor: {start.path} lacks some of this corpus's characters, so it "
                              "cannot say what it would write in the model's own tunes; leave --reward-anchor out")
    stored = settings.to_dict() | _placement(placement.get("precision", "auto"), placement.get("devices"),
                                             settings.batch_size)  # fmt: skip
    if bundle:
        _check_resumable(bundle, fingerprint, config, stored)
    metadata = bundle.metadata if bundle else {
        "format": FORMAT_VERSION, "config": config.to_dict(), "vocabulary": vocabulary.characters,
        "corpus": {"path": str(corpus), "fingerprint": fingerprint, "tunes": len(tunes),
                   "training_tunes": len(train_tunes), "validation_tunes": len(validation_tunes),
                   "headers": header_statistics(tunes)},
        "history": [], "best_epoch": 0,
    }  # fmt: skip
    if parent:
        metadata["parent"] = _parent_record(parent, vocabulary)
    metadata["training"] = stored
    budget = float(max_minutes) * 60 if max_minutes else math.inf
    epoch_tunes = _epoch_tunes(train_tunes, tunes, stored, report)
    _fit_epochs(bundle, _Run(out, config, vocabulary, epoch_tunes, validation_tunes, metadata, int(epochs), verbose,
                             budget, report))  # fmt: skip


def _epoch_tunes(train_tunes: list[str], corpus_tunes: list[str], settings: dict, report):
    """A function giving each epoch's training tunes: as written, or each moved to a key drawn for it.

    A tune in a meter ``--oversample`` names comes that many times, each time drawn into a key of its
    own (with ``--transpose``), so a rare meter's bars weigh more without the same text repeating.
    """
    mover = KeyMover(train_tunes, corpus_tunes) if settings["transpose"] else None
    if mover:
        movable = sum(len(moves) > 1 for moves, _ in mover.choices)
        report(f"--transpose: {movable} of {len(train_tunes)} training tunes can move to other keys")

    def draw(epoch: int, copy: int) -> list[str]:
        return mover.epoch_tunes(settings["seed"] + epoch + OVERSAMPLE_SEED_STEP * copy) if mover else train_tunes

    factors = TrainSettings(oversample=settings.get("oversample")).oversampling()
    times = [factors.get(header_fields(tune).get("M", "").replace(" ", ""), 1) for tune in train_tunes]
    if max(times) > 1:
        report(f"--oversample: {sum(t > 1 for t in times)} training tunes come {max(times)} times an epoch "
               f"({sum(times)} tunes in all)")  # fmt: skip

    def epoch_tunes(epoch: int) -> list[str]:
        tunes = list(draw(epoch, 0))
        for copy in range(1, max(times)):
            again = draw(epoch, copy)
            tunes += [again[i] for i, count in enumerate(times) if count > copy]
        return tunes

    return epoch_tunes


def _placement(precision: str, devices: int | None, batch_size: int) -> dict:
    """Where and how this run trains: backend, devices in all, processes and precision."""
    backend = backend_name()
    found = len(accelerators())
    per_process = device_count(devices, backend, found)
    if backend == "jax":
        spread_over_devices(per_process, batch_size)
    processes = process_index()[1]
    return {"backend": backend, "devices": per_process * processes, "processes": processes,
            "precision": resolve_precision(precision, backend, on_accelerator=found > 0)}  # fmt: skip


def _existing_bundle(out: str, resume: bool, overwrite: bool):
    """The bundle to resume; refuses to replace one that is there without --resume or --overwrite."""
    from pathlib import Path

    if resume and overwrite:
        raise AbcrnnError("--resume continues the bundle and --overwrite replaces it: choose one")
    if resume:
        return load_bundle(out)
    if not overwrite and Path(out).exists() and any(Path(out).iterdir()):
        raise AbcrnnError(f"{out} already holds a model: pass --resume to continue it or --overwrite to replace it")
    return None


def _check_warm_start(start, config: ModelConfig) -> None:
    """Refuse a warm start from a bundle whose network has another shape."""
    for name in ("embedding_dim", "layers", "units"):
        if getattr(start.config, name) != getattr(config, name):
            raise AbcrnnError(f"--warm-start: {start.path} has {name}={getattr(start.config, name)}, not "
                              f"{getattr(config, name)}; pass --{name.replace('_', '-')} {getattr(start.config, name)}")  # fmt: skip


def _parent_record(parent, vocabulary: Vocabulary) -> dict:
    """What a warm-started bundle records of the bundle it started from."""
    return {
        "path": str(parent.path), "corpus": parent.metadata["corpus"]["path"],
        "corpus_fingerprint": parent.metadata["corpus"]["fingerprint"], "epochs": len(parent.metadata["history"]),
        "validation_bits_per_char": _best_validation(parent.metadata),
        "added_characters": vocabulary.characters[parent.vocabulary.size :],
    }  # fmt: skip


def _best_validation(metadata: dict) -> float | None:
    rows = [row["validation_bits_per_char"] for row in metadata.get("history", [])]
    return min(rows) if rows else None


def _check_resumable(bundle, fingerprint: str, config: ModelConfig, settings: dict) -> None:
    """Refuse to resume a bundle trained on another corpus, network or data layout."""
    if bundle.metadata["corpus"]["fingerprint"] != fingerprint:
        raise AbcrnnError(f"--resume: {bundle.path} was trained on a different corpus; use a new --out")
    for name, value in config.to_dict().items():
        if name != "vocab_size" and bundle.config.to_dict()[name] != value:
            option = name.replace("_", "-")
            raise AbcrnnError(
                f"--resume: {bundle.path} has {name}={bundle.config.to_dict()[name]}, not {value}; "
                f"pass --{option} {bundle.config.to_dict()[name]} or use a new --out"
            )
    for name in RESUME_SETTINGS:
        if bundle.metadata["training"].get(name, False) != settings[name]:
            raise AbcrnnError(
                f"--resume: {bundle.path} was trained with --{name.replace('_', '-')} "
                f"{bundle.metadata['training'].get(name, False)}, not {settings[name]}"
            )


def _compiled_model(bundle, config: ModelConfig, settings: dict):
    from abcrnn.model.backends import import_keras
    from abcrnn.model.model import build_model

    keras = import_keras()
    if bundle:
        return bundle.keras_model(last=True)
    model = build_model(config, settings["batch_size"], settings["seq_len"], precision=settings["precision"])
    if settings.get("warm_start"):
        from abcrnn.model.model import copy_weights

        copy_weights(load_bundle(settings["warm_start"]).keras_model(), model)
    optimizer = keras.optimizers.Adam(settings["learning_rate"], clipnorm=settings["clip_norm"])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


@dataclass
class _Run:
    """A training run as ``train`` prepared it, for the epochs to fit."""

    out: str  # the bundle folder written after each epoch
    config: ModelConfig
    vocabulary: Vocabulary
    epoch_tunes: Callable[[int], list[str]]  # each epoch's training tunes (``_epoch_tunes``)
    validation_tunes: list[str]
    metadata: dict  # the bundle's record: its "training" settings as stored, and the history so far
    epochs: int
    verbose: int
    budget: float  # seconds of wall clock
    report: Callable[[str], None]


def _fit_epochs(bundle, run: _Run) -> None:
    from abcrnn.seeding import seed_everything

    out, config, vocabulary, metadata, epochs, report = (run.out, run.config, run.vocabulary, run.metadata, run.epochs,
                                                         run.report)  # fmt: skip
    settings, history = metadata["training"], metadata["history"]
    seed_everything(settings["seed"] + len(history), keras=True)
    writer = process_index()[0] == 0  # one process writes the bundle and reports
    if _finished(metadata, epochs, report):
        return
    model = _compiled_model(bundle, config, settings)
    validation_ids = [vocabulary.encode(tune + TUNE_SEPARATOR) for tune in run.validation_tunes]
    caches: dict = {"copy": {}, "context": {}}  # each tune text's copy proposals and context, computed once
    first_epoch = epoch = len(history)
    started = time.perf_counter()
    try:
        for epoch in range(len(history), epochs):
            tunes = run.epoch_tunes(epoch)
            row = _fit_one_epoch(model, run, tunes, caches, epoch, run.verbose if writer else 0)
            row.update(_validate(model, config, vocabulary, validation_ids))
            # Taught its own endings, the network is meant to leave the corpus's likeliest: each epoch is kept.
            improved = bool(settings.get("reward_endings")) or not history or \
                row["validation_loss"] < min(r["validation_loss"] for r in history)  # fmt: skip
            row["learning_rate"] = float(model.optimizer.learning_rate.numpy())
            history.append(row)
            if improved:
                metadata["best_epoch"] = row["epoch"]
                for fitted in ("bar_pointer", "cadence"):  # fitted on the network this epoch replaces
                    metadata.pop(fitted, None)
            elif settings["lr_decay"] < 1:
                model.optimizer.learning_rate.assign(row["learning_rate"] * settings["lr_decay"])
            if writer:
                with outside_distribution():
                    save_bundle(out, model, metadata, improved)
                report(_epoch_line(row, epochs, improved))
            if _finished(metadata, epochs, report if writer else lambda line: None):
                break
            elapsed = time.perf_counter() - started
            if agree(elapsed + elapsed / (epoch + 1 - first_epoch) > run.budget):
                report(f"stopped: the next epoch would pass the {run.budget / 60:g}-minute budget")
                break
    except KeyboardInterrupt:
        report(f"\ninterrupted in epoch {epoch + 1}; {out} keeps epoch {len(history)}: "
               f"continue with the same command and --resume")  # fmt: skip
        raise


def _finished(metadata: dict, epochs: int, report) -> bool:
    """True, saying why, when the run has done its epochs or stopped early."""
    history, patience = metadata["history"], metadata["training"]["patience"]
    if history and len(history) - metadata["best_epoch"] >= patience:
        report(f"stopped early: no better validation loss for {patience} epochs; best epoch {metadata['best_epoch']}")
        return True
    if len(history) >= epochs:
        if history:
            report(f"done: {len(history)} epochs; best epoch {metadata['best_epoch']}")
        return True
    return False


def _fit_one_epoch(model, run: _Run, train_tunes: list[str], caches: dict, epoch: int, verbose: int) -> dict:
    from abcrnn.model.model import reset_states

    config, vocabulary, settings = run.config, run.vocabulary, run.metadata["training"]
    batch_size, seq_len = settings["batch_size"], settings["seq_len"]
    rewarded: dict[str, np.ndarray] = {}
    drawn: dict[str, np.ndarray] = {}  # the model's own tunes' targets, where --reward-anchor draws them
    if settings.get("reward_endings"):
        rewarded, drawn, shares = _own_endings(model, run, epoch, verbose)
    own = [chunk[: -len(TUNE_SEPARATOR)] for chunk in rewarded]
    chunks = stream_chunks(train_tunes + own, settings["seed"] + epoch)
    inputs, targets = stream_windows(vocabulary.encode("".join(chunks)), batch_size, seq_len)
    if drawn:
        ids = [drawn[chunk] if chunk in drawn else vocabulary.encode(chunk) for chunk in chunks]
        targets = stream_layout(np.concatenate(ids)[1:], batch_size, seq_len)
    features = [inputs]
    per_character = []
    if config.copy:
        per_character += stream_copy_inputs(chunks, vocabulary, caches["copy"], config.copy_sources)
    if config.context:
        per_character.append(stream_context_inputs(chunks, caches["context"]))
    features += [stream_layout(values[:-1].astype(np.int32), batch_size, seq_len) for values in per_character]
    # Each process feeds its own share of the streams; Keras joins them into the global batch.
    process, processes = process_index()
    local_batch = batch_size // processes
    local_rows = lambda rows: rows.reshape(-1, batch_size, *rows.shape[1:])[  # noqa: E731
        :, process * local_batch : (process + 1) * local_batch].reshape(-1, *rows.shape[1:])  # fmt: skip
    weights = _target_weights(chunks, settings.get("ending_weight", 1.0), batch_size, seq_len, rewarded)
    reset_states(model)
    started = time.perf_counter()
    result = model.fit(
        [local_rows(values) for values in features] if len(features) > 1 else local_rows(inputs), local_rows(targets),
        sample_weight=None if weights is None else local_rows(weights),
        batch_size=local_batch, epochs=epoch + 1, initial_epoch=epoch, shuffle=False, verbose=verbose,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    for cache in caches.values():  # the model's own tunes are read once: their features are not kept
        for chunk in rewarded:
            cache.pop(chunk, None)
    loss = float(result.history["loss"][-1])
    row = {
        "epoch": epoch + 1, "train_loss": round(loss, 5), "train_bits_per_char": round(loss / math.log(2), 5),
        "seconds": round(seconds, 1), "chars_per_second": round(inputs.size / seconds),
    }  # fmt: skip
    if rewarded:  # the share of the model's own tunes (sampled before this epoch) whose parts ended as rewarded
        from abcrnn.training.rewards import GOALS, reward_goal

        goal = GOALS[reward_goal(settings)][0]
        row.update({f"own_{kind}_parts_{goal}": round(share, 4) for kind, share in shares.items()})
    return row


def _own_endings(model, run: _Run, epoch: int, verbose: int):
    """The tunes the network writes as it stands, each as a training chunk with its loss weights and, with
    ``--reward-anchor``, its targets; and the share of their first and last parts that ended as rewarded
    (``rewards.own_endings``). Their sampling shows its progress unless ``verbose`` is 0."""
    from abcrnn.progress import progress_printer
    from abcrnn.training.rewards import GOALS, own_endings, reward_goal

    settings = run.metadata["training"]
    started = time.perf_counter()
    progress = progress_printer(settings["reward_samples"], f"epoch {epoch + 1}: sampling the model's own tunes") \
        if verbose else None  # fmt: skip
    seed = OWN_TUNES_SEED + settings["reward_samples"] * epoch
    goal = GOALS[reward_goal(settings)][1]
    rewarded, drawn, shares = own_endings(model, run.config, run.vocabulary, run.metadata, seed, progress)
    run.report(f"epoch {epoch + 1}: sampled {len(rewarded)} of the model's own tunes in "
               f"{time.perf_counter() - started:.0f} s; parts ending {goal}: "
               + ", ".join(f"{kind} {share:.1%}" for kind, share in shares.items()))  # fmt: skip
    return rewarded, drawn, shares


def _target_weights(chunks: list[str], ending_weight: float, batch_size: int, seq_len: int,
                    rewarded: dict[str, np.ndarray] | None = None):  # fmt: skip
    """Each target character's weight in the loss, laid out as the targets; None where all weigh 1.

    The corpus tunes' are scaled to a mean of 1, so that the training loss stays comparable with an
    unweighted run's; the model's own tunes (``rewarded``, by chunk) weigh as their rewards say.
    """
    rewarded = rewarded or {}
    if ending_weight == 1 and not rewarded:
        return None
    corpus = {index: ending_weights(chunk, ending_weight)
              for index, chunk in enumerate(chunks) if chunk not in rewarded}  # fmt: skip
    mean = np.concatenate(list(corpus.values())).mean() if corpus else 1.0
    weights = [corpus[index] / mean if index in corpus else rewarded[chunk] for index, chunk in enumerate(chunks)]
    return stream_layout(np.concatenate(weights)[1:], batch_size, seq_len)


def _validate(model, config: ModelConfig, vocabulary: Vocabulary, validation_ids) -> dict:
    """Score the held-out tunes, each from a fresh state, with the numpy engine."""
    from abcrnn.model.engine import Engine, mean_log_loss
    from abcrnn.model.model import model_weights

    engine = Engine.from_weights(model_weights(model, config), vocabulary.characters)
    loss = mean_log_loss(engine, validation_ids)
    return {"validation_loss": round(loss, 5), "validation_bits_per_char": round(loss / math.log(2), 5)}


def _epoch_line(row: dict, epochs: int, improved: bool) -> str:
    return (
        f"epoch {row['epoch']}/{epochs}: training {row['train_bits_per_char']:.3f} bits/char, "
        f"validation {row['validation_bits_per_char']:.3f} bits/char"
        f"{' (best, saved)' if improved else ''}; {row['chars_per_second']} chars/s"
    )
