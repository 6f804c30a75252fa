"""One place to seed every random number generator a run uses."""

import random

import numpy as np


def seed_everything(seed: int, tensorflow: bool = False) -> None:
    """Seed Python and numpy, and Keras/TensorFlow (deterministic ops) when ``tensorflow``."""
    random.seed(seed)
    np.random.seed(seed)
    if tensorflow:
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
