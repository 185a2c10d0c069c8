"""--device for PyTorch and for TensorFlow: pick the accelerator, say which, fail clearly if absent."""
import os

from .cli import fail


def _cuda_index(name):
    return int(name.split(":")[1]) if ":" in name else 0


def torch_device(name="auto"):
    """Return a torch.device for auto|cpu|cuda|cuda:N|mps and print the choice."""
    import torch

    mps_ok = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if mps_ok else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            fail(f"--device {name}: PyTorch sees no CUDA GPU here; use --device cpu or auto")
        index = _cuda_index(name)
        if index >= torch.cuda.device_count():
            fail(f"--device {name}: only {torch.cuda.device_count()} CUDA GPU(s) visible "
                 f"(cuda:0..cuda:{torch.cuda.device_count() - 1})")
        device = torch.device("cuda", index)
        detail = torch.cuda.get_device_name(index)
    elif name == "mps":
        if not mps_ok:
            fail("--device mps: Apple's Metal backend is not available here; use --device cpu or auto")
        device, detail = torch.device("mps"), "Apple Metal"
    else:
        device, detail = torch.device("cpu"), f"{torch.get_num_threads()} threads"
    print(f"Device: {device} ({detail}), PyTorch {torch.__version__}")
    return device


def tf_device(name="auto"):
    """Configure TensorFlow for auto|cpu|cuda|cuda:N|mps and return the device string for tf.device.

    Memory growth is switched on so TensorFlow takes GPU memory as it needs it, not all at once.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised by an earlier call in this process
            pass
    if name == "auto":
        name = "cuda" if gpus else "cpu"
    if name == "mps" or name.startswith("cuda"):
        # On a Mac, tensorflow-metal shows the Apple GPU as a TensorFlow "GPU" device.
        index = 0 if name == "mps" else _cuda_index(name)
        if index >= len(gpus):
            if name == "mps":
                fail("--device mps: TensorFlow sees no Metal GPU (on a Mac it needs tensorflow-metal); "
                     "use --device cpu or auto")
            fail(f"--device {name}: TensorFlow sees {len(gpus)} GPU(s), so there is no {name}; "
                 f"use --device cpu or auto")
        device = f"/GPU:{index}"
        details = tf.config.experimental.get_device_details(gpus[index])
        detail = details.get("device_name", "GPU")
    else:
        device, detail = "/CPU:0", "CPU"
    print(f"Device: {device} ({detail}), TensorFlow {tf.__version__}")
    return device
