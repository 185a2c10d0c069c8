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


def rng_state(device):
    """The random-number state a checkpoint needs to resume a run on `device` with the same numbers:
    the CPU generator's, plus the generator of that one accelerator (never touching another GPU)."""
    import torch

    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    elif device.type == "mps":
        state["mps"] = torch.mps.get_rng_state()
    return state


def set_rng_state(state, device):
    """Restore what rng_state saved; an accelerator's state only where the run is on that kind again."""
    import torch

    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)
    elif device.type == "mps" and "mps" in state:
        torch.mps.set_rng_state(state["mps"])
