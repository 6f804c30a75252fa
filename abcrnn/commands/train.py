"""``abcrnn train``: train a model on an ABC corpus into a bundle folder."""

import sys

from abcrnn.declared import command_from
from abcrnn.training.settings import TrainSettings


def _train(
    settings,
    corpus: str,
    out: str,
    epochs: int,
    layers: int | None,
    units: int | None,
    embedding_dim: int | None,
    dropout: float | None,
    copy: bool | None,
    copy_sources: int | None,
    context: bool | None,
    gate_context: bool | None,
    precision: str,
    devices: int | None,
    job_address: str | None,
    processes: int,
    process_id: int,
    max_minutes: float | None,
    resume: bool,
    overwrite: bool,
    cadence: bool,
    bar_pointer: bool,
    cadence_match: int,
    verbose: int,
) -> None:
    from abcrnn.errors import AbcrnnError
    from abcrnn.model.copying import EARLIER_SOURCES, SOURCES
    from abcrnn.model.model import ModelConfig
    from abcrnn.training.settings import check_positive
    from abcrnn.training.train import train_model

    shape = _network_shape(str(out) if resume else settings.warm_start, layers=layers, units=units,
                           embedding_dim=embedding_dim, dropout=dropout, copy=copy, copy_sources=copy_sources,
                           context=context, gate_context=gate_context)  # fmt: skip
    for name in ("layers", "units", "embedding_dim"):
        check_positive(name, shape[name])
    if shape["copy_sources"] not in range(EARLIER_SOURCES, len(SOURCES) + 1) or isinstance(shape["copy_sources"], bool):
        raise AbcrnnError(f"--copy-sources must be {EARLIER_SOURCES} (without the part before's bar) or "
                          f"{len(SOURCES)}, got {shape['copy_sources']!r}")  # fmt: skip
    if isinstance(shape["dropout"], bool) or not isinstance(shape["dropout"], (int, float)) \
            or not 0 <= shape["dropout"] < 1:  # fmt: skip
        raise AbcrnnError(f"--dropout must be in [0, 1), got {shape['dropout']!r}")
    network = ModelConfig(0, int(shape["embedding_dim"]), int(shape["layers"]), int(shape["units"]),
                          float(shape["dropout"]), bool(shape["copy"]), int(shape["copy_sources"]),
                          bool(shape["context"]), bool(shape["gate_context"]))  # fmt: skip
    for option, value in (("--cadence", cadence), ("--bar-pointer", bar_pointer)):
        if not isinstance(value, bool):
            raise AbcrnnError(f"{option} takes no value, got {value!r}")
    if isinstance(cadence_match, bool) or not isinstance(cadence_match, int) or cadence_match < 0:
        raise AbcrnnError(f"--cadence-match takes a number of rounds, 0 or more, got {cadence_match!r}")
    if bar_pointer and not network.copy:
        raise AbcrnnError("--bar-pointer follows the copy gate's part source: add --copy")
    placement = {"precision": precision, "devices": devices, "job_address": job_address, "processes": processes,
                 "process_id": process_id}  # fmt: skip
    report = lambda line: print(line, file=sys.stderr)  # noqa: E731
    train_model(str(corpus), str(out), network, settings, epochs, max_minutes, bool(resume), bool(overwrite),
                placement, verbose, report=report)  # fmt: skip
    if cadence:
        from abcrnn.training.cadence import fit_cadence

        fit_cadence(str(out), str(corpus), report)
    if bar_pointer:
        from abcrnn.training.bar_pointer import fit_bar_pointer

        fit_bar_pointer(str(out), str(corpus), report)
    if cadence_match:
        from abcrnn.training.cadence import match_cadence

        match_cadence(str(out), str(corpus), cadence_match, report, progress=True)


train = command_from(
    _train, TrainSettings, "Train a model on an ABC corpus and save it as a bundle folder.",
    before=[
        ("corpus", str, "corpora/jigs.abc", "ABC file of training tunes (cleaned the same way as `abcrnn corpus`)."),
        ("out", str, "weights/model", "bundle folder to write, e.g. weights/mine."),
        ("epochs", int, 100, "passes over the training tunes."),
        ("layers", int | None, None, "stacked LSTM layers (default 2, or the resumed or warm-start bundle's)."),
        ("units", int | None, None, "LSTM units per layer (default 384, or the bundle's)."),
        ("embedding_dim", int | None, None, "size of each character's vector (default 64, or the bundle's)."),
        ("dropout", float | None, None, "dropout after each LSTM layer while training (default 0.3, or the bundle's)."),
    ],
    after=[
        ("precision", str, "auto", "float32, bfloat16 (mixed) or auto: the fastest for the backend and device."),
        ("devices", int | None, None, "devices to spread the streams over (JAX only); default every GPU, else one CPU."),
        ("job_address", str | None, None, "HOST:PORT of process 0, when training over several processes or machines "
                                          "(JAX)."),
        ("processes", int, 1, "processes (machines) training together; each runs the same command."),
        ("process_id", int, 0, "this process's number, 0 to processes - 1; process 0 writes the bundle."),
        ("copy", bool | None, None, "add the copy gate, which lets the tune's own past (the bar 1, 2, 4 and 8 bars "
                                    "back, the same bar of the part before, and the longest earlier match) raise "
                                    "the likelihood of what it proposes "
                                    "(default: off, or as the resumed or warm-start bundle has it)."),
        ("copy_sources", int | None, None, "the copy gate's sources: 6 adds the same bar of the part before to the "
                                           "five (default 6, or as the resumed or warm-start bundle has it; 6 from a "
                                           "bundle with 5 grows the gate, the sixth starting as the eight-bar one)."),
        ("context", bool | None, None, "feed the network each character's place in its bar (how much of it is left), "
                                       "its part (bars since the part began, parts closed) and its key (the tonic "
                                       "letter), read from the text so far (default: off, or as the resumed or "
                                       "warm-start bundle has it; a warm start learns it from zero weights)."),
        ("gate_context", bool | None, None, "let the copy gate read the context too (with --copy and --context): "
                                            "where the tune stands in its bar and part, so that it can bring a "
                                            "phrase back where human tunes do, such as the first part's cadence "
                                            "at the end of the second (default: off, or as the resumed or "
                                            "warm-start bundle has it; a warm start learns it from zero weights)."),
        ("max_minutes", float | None, None, "stop after the epoch that would run past this wall-clock budget."),
        ("resume", bool, False, "continue the interrupted or finished run in `out` from its last epoch."),
        ("overwrite", bool, False, "replace the bundle already in `out` by a new run (without it, an existing bundle "
                                   "needs --resume)."),
        ("cadence", bool, False, "after training (or, with --resume, on a finished run), fit the cadence bias on the "
                                 "training tunes: how far the room left in the bar, the bar of the part and the "
                                 "parts closed should tilt the network towards each degree of the key, such as "
                                 "the tonic at a part's last note (see model/cadence.py; fitted before "
                                 "--bar-pointer, and a pointer fitted without it is dropped)."),
        ("bar_pointer", bool, False, "after training (or, with --resume, on a finished run), fit the bar pointer "
                                     "on the training tunes (with --copy): at each bar the part before could give "
                                     "again, how likely that bar comes back whole, as one decision (see "
                                     "model/pointer.py)."),
        ("cadence_match", int, 0, "after --cadence and --bar-pointer (or, with --resume, on a finished run with a "
                                  "cadence bias), this many rounds of matching the model's own tunes to the "
                                  "training tunes at a part's closing bars: each round samples 1,000 tunes and "
                                  "moves the cadence bias there until their degrees are shared as the corpus's are "
                                  "(see model/cadence.py; 0: none)."),
        ("verbose", int, 1, "1 shows a progress bar per epoch, 2 one line per epoch, 0 nothing from Keras."),
    ],
)  # fmt: skip


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
