"""--seed: one call per framework so the same seed on the CPU prints the same numbers twice; and the
random-number state a checkpoint keeps, so a resumed run prints the numbers an unbroken run prints."""
import random

import numpy as np


def seed_torch(seed):
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device (lazily: no CUDA context is made)


def seed_tf(seed):
    """TensorFlow's own seeds, whatever KERAS_BACKEND says (xor_tensorflow.py uses no Keras)."""
    from .frameworks import load_tensorflow

    random.seed(seed)
    np.random.seed(seed)
    load_tensorflow().random.set_seed(seed)


def seed_keras(seed):
    import keras

    keras.utils.set_random_seed(seed)  # Python, NumPy and the active backend (TensorFlow or PyTorch)


def _torch_device(device):
    import torch

    return torch.device(device)  # accepts "cuda:1" as well as a torch.device


def rng_state(device):
    """The random-number state to save with a run on `device`: Python's, NumPy's, PyTorch's CPU
    generator and the generator of that one accelerator. Never touches another device: a CPU run
    opens no CUDA context, and a cuda:1 run takes no memory on cuda:0."""
    import torch

    device = _torch_device(device)
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    elif device.type == "mps":
        state["mps"] = torch.mps.get_rng_state()
    return state


def set_rng_state(state, device):
    """Restore what rng_state saved, for a run on `device`. An accelerator's state is restored only
    on the same kind of device, which may have another number now (saved on cuda:1 where two GPUs
    were visible, resumed on cuda:0 where one is). Checkpoints from older versions held one CUDA
    state per visible GPU: the first one is used."""
    import torch

    device = _torch_device(device)
    torch.set_rng_state(state["cpu"])
    if "python" in state:
        random.setstate(state["python"])
        np.random.set_state(state["numpy"])
    if device.type == "cuda" and "cuda" in state:
        saved = state["cuda"]
        torch.cuda.set_rng_state(saved[0] if isinstance(saved, (list, tuple)) else saved, device)
    elif device.type == "mps" and "mps" in state:
        torch.mps.set_rng_state(state["mps"])
