"""The settings of a training run, checked once and stored whole in the bundle (``bundle.json``'s "training")."""

import re
from dataclasses import asdict, dataclass

from abcrnn.errors import AbcrnnError
from abcrnn.text.abc import MODEL_HEADER_ORDER


@dataclass(frozen=True)
class TrainSettings:
    """How a model is trained (the network's shape is ``model.ModelConfig``)."""

    batch_size: int = 128  # parallel character streams per batch
    seq_len: int = 100  # characters per window; the state carries from window to window
    learning_rate: float = 0.003  # Adam's
    lr_decay: float = 0.5  # the learning rate is multiplied by this after an epoch without improvement
    clip_norm: float = 5.0  # gradients are clipped to this norm
    val_fraction: float = 0.05  # share of whole tunes held out for validation
    patience: int = 8  # stop after this many epochs without a better validation loss
    seed: int = 1  # seeds the split, the tune order of each epoch and the weights
    transpose: bool = False  # move each training tune to a key drawn for it, each epoch
    header_order: str = MODEL_HEADER_ORDER  # the order of header fields in the model's text
    warm_start: str | None = None  # the bundle whose weights the network starts from
    oversample: str | None = None  # "9/8=4": each epoch, training tunes in these meters come this many times
    ending_weight: float = 1.0  # the loss on each part's last bar and the characters after it weighs this much

    def oversampling(self) -> dict[str, int]:
        """The meters to oversample and their factors, from "9/8=4,3/2=2".

        >>> TrainSettings(oversample="9/8=4, 3/2=2").oversampling()
        {'9/8': 4, '3/2': 2}
        """
        factors = {}
        for part in filter(None, (piece.strip() for piece in (self.oversample or "").split(","))):
            meter, _, factor = part.partition("=")
            if not re.fullmatch(r"\d+/\d+|C\|?", meter.strip()) or not factor.strip().isdigit() or int(factor) < 1:
                raise AbcrnnError(f"--oversample wants METER=TIMES, e.g. 9/8=4, got {part!r}")
            factors[meter.strip()] = int(factor)
        return factors

    def __post_init__(self):
        for name in ("batch_size", "seq_len", "learning_rate", "lr_decay", "clip_norm", "val_fraction", "patience",
                     "ending_weight"):
            check_positive(name, getattr(self, name))
        for name in ("batch_size", "seq_len", "patience"):
            if not isinstance(getattr(self, name), int):
                raise AbcrnnError(f"--{name.replace('_', '-')} must be a whole number, got {getattr(self, name)!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise AbcrnnError(f"--seed must be a whole number, got {self.seed!r}")
        if not 0 < self.val_fraction < 1:
            raise AbcrnnError(f"--val-fraction must be between 0 and 1, got {self.val_fraction}")
        self.oversampling()

    def to_dict(self) -> dict:
        return asdict(self)


def check_positive(name: str, value) -> None:
    """A number option that must be above 0, named as the user typed it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise AbcrnnError(f"--{name.replace('_', '-')} must be positive, got {value}")
