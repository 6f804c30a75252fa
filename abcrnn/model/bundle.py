"""Model bundles: a folder holding everything needed to use or resume a model.

    weights/NAME/
        bundle.json          config, vocabulary, corpus fingerprint, settings, history
        model.keras          the best epoch's Keras model, with optimizer state
        weights.npz          the same weights as arrays, for the numpy engine
        last.keras           the last epoch's model when it is not the best (for --resume)
        history.csv          per-epoch losses in nats and bits per character
        bits_per_char.png    training and validation bits per character by epoch

A bundle is always written whole into a temporary folder and renamed into
place, so a crash never leaves half of one.
"""

import csv
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from abcrnn.errors import AbcrnnError
from abcrnn.files import atomic_directory, shipped_file
from abcrnn.model.model import ModelConfig
from abcrnn.model.vocabulary import Vocabulary
from abcrnn.text.abc import WRITTEN_HEADER_ORDER

# The bundle format this abcrnn writes; it reads every format up to it. 2: a copy gate may be
# present, and the header order of the model's text is recorded (1 read WRITTEN_HEADER_ORDER).
FORMAT_VERSION = 2
BEST_MODEL, LAST_MODEL, WEIGHTS, METADATA = "model.keras", "last.keras", "weights.npz", "bundle.json"


@dataclass
class Bundle:
    """A loaded bundle's description; the weights are read on demand."""

    path: Path
    config: ModelConfig
    vocabulary: Vocabulary
    metadata: dict = field(default_factory=dict)

    @property
    def history(self) -> list[dict]:
        return self.metadata.get("history", [])

    @property
    def header_statistics(self) -> dict | None:
        """Rhythms, keys and rhythm-meter pairs of the training corpus (see corpus.header_statistics), if recorded."""
        return self.metadata.get("corpus", {}).get("headers")

    @property
    def header_order(self) -> str:
        """The order of header fields in the model's text (see data.MODEL_HEADER_ORDER)."""
        return self.metadata.get("training", {}).get("header_order", WRITTEN_HEADER_ORDER)

    @property
    def epochs_done(self) -> int:
        return len(self.history)

    @property
    def best_epoch(self) -> int:
        return self.metadata.get("best_epoch", 0)

    def engine(self, pointer: bool = True):
        """The numpy engine for the best epoch's weights (``pointer``: with the bar pointer, where it has one)."""
        from abcrnn.model.engine import Engine

        try:
            return Engine.from_weights(self.weights(pointer), self.vocabulary.characters)
        except (ValueError, KeyError) as error:
            raise AbcrnnError(f"{self.path / WEIGHTS}: corrupt or unreadable weights ({error})") from None

    def weights(self, pointer: bool = True, cadence: bool = True) -> dict[str, np.ndarray]:
        """The best epoch's named arrays (``pointer``, ``cadence``: with the bar pointer's and the cadence bias's,
        where it has them)."""
        from abcrnn.model import cadence as cadence_bias
        from abcrnn.model import pointer as bar_pointer

        left_out = (() if pointer else bar_pointer.ARRAYS) + (() if cadence else cadence_bias.ARRAYS)
        try:
            with np.load(self.path / WEIGHTS) as arrays:
                return {name: arrays[name] for name in arrays.files if name not in left_out}
        except (OSError, ValueError, KeyError, EOFError) as error:  # EOFError: an empty file
            raise AbcrnnError(f"{self.path / WEIGHTS}: corrupt or unreadable weights ({error})") from None

    def keras_model(self, last: bool = False):
        """The Keras model (with optimizer state) of the best epoch, or of the last one.

        A model saved under any Keras backend loads under any other.
        """
        from abcrnn.model.backends import import_keras
        from abcrnn.model.model import carried_state_lstm_class, context_one_hot_class, copy_gate_class

        keras = import_keras()
        carried_state_lstm_class(), copy_gate_class(), context_one_hot_class()  # registers the layer classes before loading
        path = self.path / (LAST_MODEL if last and (self.path / LAST_MODEL).exists() else BEST_MODEL)
        if not path.exists():
            raise AbcrnnError(f"{path}: missing from the bundle; retrain it")
        try:
            model = keras.saving.load_model(path, safe_mode=True)
        except Exception as error:  # Keras raises many kinds for a damaged file
            raise AbcrnnError(f"{path}: corrupt Keras model ({type(error).__name__}); retrain it") from None
        if keras.backend.backend() != "tensorflow" and any(type(layer) is keras.layers.LSTM for layer in model.layers):
            # Bundles from before CarriedStateLSTM: their state would silently not carry here.
            raise AbcrnnError(f"{path}: saved by an older abcrnn whose LSTM state carries only under "
                              f"TensorFlow; use KERAS_BACKEND=tensorflow for this bundle")  # fmt: skip
        return model


def load_bundle(path: str | os.PathLike) -> Bundle:
    """Read a bundle's description, refusing a missing or damaged one with a clear error."""
    path = Path(path)
    if not path.is_dir():
        raise AbcrnnError(f"{path}: no model bundle here (train one with: abcrnn train --out {path})")
    try:
        metadata = json.loads((path / METADATA).read_text())
    except FileNotFoundError:
        raise AbcrnnError(f"{path}: not a model bundle ({METADATA} is missing)") from None
    except (ValueError, OSError) as error:
        raise AbcrnnError(f"{path / METADATA}: corrupt bundle description ({error})") from None
    version = metadata.get("format", 1) if isinstance(metadata, dict) else None
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise AbcrnnError(f"{path}: made by a newer abcrnn (bundle format {version}; this one reads up to "
                          f"{FORMAT_VERSION}): upgrade abcrnn")  # fmt: skip
    try:
        config = config_of(metadata)
        vocabulary = Vocabulary(metadata["vocabulary"])
    except (ValueError, KeyError, TypeError) as error:
        raise AbcrnnError(f"{path / METADATA}: corrupt bundle description ({error})") from None
    if config.vocab_size != vocabulary.size:
        raise AbcrnnError(
            f"{path / METADATA}: corrupt: vocabulary has {vocabulary.size} characters, config says {config.vocab_size}"
        )
    return Bundle(path, config, vocabulary, metadata)


def config_of(metadata: dict) -> ModelConfig:
    """The network's shape a bundle records; one recorded before the copy memory's ``part`` source read
    the first ``copying.EARLIER_SOURCES`` sources."""
    from abcrnn.model.copying import EARLIER_SOURCES

    return ModelConfig(**({"copy_sources": EARLIER_SOURCES} | metadata["config"]))


def save_bundle(path: str | os.PathLike, model, metadata: dict, improved: bool) -> None:
    """Write a bundle after an epoch: ``model`` becomes the best one if ``improved``.

    Otherwise the previous best files are kept and ``model`` is saved as the
    last epoch, so that ``--resume`` continues exactly where training stopped.
    """
    from abcrnn.model.model import model_weights

    path = Path(path)
    config = config_of(metadata)
    with atomic_directory(path) as folder:
        if improved:
            model.save(folder / BEST_MODEL)
            np.savez(folder / WEIGHTS, **model_weights(model, config))
        else:
            for name in (BEST_MODEL, WEIGHTS):
                _link_or_copy(path / name, folder / name)
            model.save(folder / LAST_MODEL)
        (folder / METADATA).write_text(json.dumps(metadata, indent=1))
        (folder / "history.csv").write_text(history_csv(metadata["history"]))
        plot_history(metadata["history"], folder / "bits_per_char.png")


def rewrite_weights(path: str | os.PathLike, weights: dict[str, np.ndarray], metadata: dict) -> None:
    """Replace a bundle's numpy weights and description, whole or not at all; its Keras models and plots stay."""
    path = Path(path)
    with atomic_directory(path) as folder:
        for item in path.iterdir():
            if item.name not in (WEIGHTS, METADATA) and item.is_file():
                _link_or_copy(item, folder / item.name)
        np.savez(folder / WEIGHTS, **weights)
        (folder / METADATA).write_text(json.dumps(metadata, indent=1))


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def history_csv(history: list[dict]) -> str:
    """The per-epoch history as CSV text."""
    if not history:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(history[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    return buffer.getvalue()


def plot_history(history: list[dict], path: Path) -> None:
    """Plot training and validation bits per character by epoch to a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    epochs = [row["epoch"] for row in history]
    figure, axes = pyplot.subplots(figsize=(6, 4))
    axes.plot(epochs, [row["train_bits_per_char"] for row in history], marker="o", label="training")
    axes.plot(epochs, [row["validation_bits_per_char"] for row in history], marker="o", label="validation")
    axes.set_xlabel("epoch")
    axes.set_ylabel("bits per character")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    pyplot.close(figure)


def default_weights() -> Path:
    """The shipped folk model: ``weights/folk`` here, in the source tree, or where pip installed it."""
    return shipped_file(f"weights/folk/{METADATA}").parent
