"""--seed: one call per framework so the same seed on the CPU prints the same numbers twice."""
import random

import numpy as np


def seed_torch(seed):
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def seed_tf(seed):
    import keras

    keras.utils.set_random_seed(seed)  # Python, NumPy and TensorFlow (or the active backend)
