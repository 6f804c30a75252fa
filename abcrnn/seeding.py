"""One place to seed every random number generator a run uses."""

import random

import numpy as np


def seed_everything(seed: int, keras: bool = False) -> None:
    """Seed Python and numpy, and Keras's backend when ``keras`` (deterministic ops under TensorFlow)."""
    random.seed(seed)
    np.random.seed(seed)
    if keras:
        from abcrnn.model.backends import import_keras

        import_keras().utils.set_random_seed(seed)
        if import_keras().backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.experimental.enable_op_determinism()
