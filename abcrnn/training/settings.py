"""The settings of a training run, checked once and stored whole in the bundle (``bundle.json``'s "training")."""

import re
from dataclasses import asdict, dataclass, fields

from abcrnn.declared import setting
from abcrnn.errors import AbcrnnError
from abcrnn.text.abc import MODEL_HEADER_ORDER


@dataclass(frozen=True)
class TrainSettings:
    """How a model is trained (the network's shape is ``model.ModelConfig``).

    Each field is declared once (``declared.setting``), with its default and the help
    ``abcrnn train`` shows; the command's options are made from them.
    """

    batch_size: int = setting(128, "parallel character streams per batch.")
    seq_len: int = setting(100, "characters per window; state carries from window to window.")
    learning_rate: float = setting(0.003, "Adam's learning rate.")
    lr_decay: float = setting(0.5, "multiply the learning rate by this after an epoch without a better validation "
                                   "loss (1: never).")  # fmt: skip
    clip_norm: float = setting(5.0, "gradients are clipped to this norm.")
    val_fraction: float = setting(0.05, "share of whole tunes held out for validation.")
    patience: int = setting(8, "stop after this many epochs without a better validation loss.")
    seed: int = setting(1, "seeds the split, the tune order of each epoch and the weights.")
    transpose: bool = setting(False, "each epoch, move each training tune into a key drawn with the corpus's key "
                                     "frequencies, within G3-B6 (validation tunes stay as written).")  # fmt: skip
    header_order: str = setting(MODEL_HEADER_ORDER, "the order of header fields in the model's text.", command=False)
    warm_start: str | None = setting(
        None, "start from the weights of this bundle, e.g. to fine-tune the shipped model on your own collection "
        "(--warm-start shipped); the network is the bundle's, its vocabulary grows by the corpus's new characters, "
        "and a copy gate or context it lacks starts new (--copy, --context add them).")
    oversample: str | None = setting(
        None, "METER=TIMES[,...], e.g. 9/8=4: each epoch, training tunes in that meter come that many times (each "
        "time in another key with --transpose); validation tunes stay as they are.")
    ending_weight: float = setting(
        1.0, "the loss on each part's ending (its last bar, closing bar line and what follows: the cadence and the "
        "choice to go on or stop) weighs this much against 1 elsewhere; validation is unweighted.")
    reward_endings: float = setting(
        0.0, "teach the model its own endings (with --warm-start): each epoch, sample --reward-samples tunes from the "
        "model as it stands and train on them beside the corpus, the loss on each first and last part's ending "
        "weighing this much times its reward (1 if its last note is the key's tonic, else 0) less the epoch's mean "
        "reward; every other character of them weighs nothing (0: off; see training/rewards.py).")
    reward_samples: int = setting(2000, "with --reward-endings, the tunes sampled each epoch.")
    reward_home: bool = setting(
        False, "with --reward-endings, reward the tune's own home instead of the key's tonic: a first part's cadence "
        "on the tonic or its dominant, and a last part ending where the tune itself is at home (where its first part "
        "ended, unless on the dominant), so a modal tune is not sent to its key signature's tonic.")
    reward_return: bool = setting(
        False, "with --reward-endings, reward a last part for closing with its first part's last bar as written, as "
        "most human jigs come home (68% of corpora/jigs.abc's tunes; the shipped model's own, 15%), and a first part "
        "for its cadence on the key's tonic.")
    reward_anchor: float = setting(
        0.0, "with --reward-endings, keep the model's own music between its endings as the warm start wrote it: "
        "there each character's target is drawn from what the warm start predicts at that point, and weighs this "
        "much (a KL anchor; 0: none).")

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
        if self.warm_start == "shipped":
            from abcrnn.model.bundle import default_weights

            object.__setattr__(self, "warm_start", str(default_weights()))
        elif self.warm_start is not None:
            object.__setattr__(self, "warm_start", str(self.warm_start))
        if self.oversample is not None:
            object.__setattr__(self, "oversample", str(self.oversample))
        for item in fields(self):  # a whole number given for a float is stored as the float it means
            value = getattr(self, item.name)
            if item.type is float and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, item.name, float(value))
        object.__setattr__(self, "transpose", bool(self.transpose))
        for name in ("batch_size", "seq_len", "learning_rate", "lr_decay", "clip_norm", "val_fraction", "patience",
                     "ending_weight", "reward_samples"):
            check_positive(name, getattr(self, name))
        for name, zero in (("reward_endings", "off"), ("reward_anchor", "none")):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise AbcrnnError(f"--{name.replace('_', '-')} must be 0 ({zero}) or positive, got {value!r}")
        for name in ("reward_home", "reward_return"):
            if not isinstance(getattr(self, name), bool):
                raise AbcrnnError(f"--{name.replace('_', '-')} takes no value, got {getattr(self, name)!r}")
        if self.reward_home and self.reward_return:
            raise AbcrnnError("--reward-home and --reward-return reward the last part differently: choose one")
        idle = [name for name in ("reward_home", "reward_return", "reward_anchor") if getattr(self, name)]
        if idle and not self.reward_endings:
            option = f"--{idle[0].replace('_', '-')}"
            raise AbcrnnError(f"{option} shapes the reward of --reward-endings W, which is off: add --reward-endings "
                              f"(e.g. 8) or leave {option} out")  # fmt: skip
        for name in ("batch_size", "seq_len", "patience", "reward_samples"):
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
