"""--device for NumPy, PyTorch and TensorFlow: pick the accelerator, say which, fail clearly if
absent. (Starting TensorFlow and Keras themselves: dlbook.frameworks.)
"""
import sys

from .errors import DeviceError
from .frameworks import load_tensorflow


def _cuda_index(name):
    return int(name.split(":")[1]) if ":" in name else 0


def _mps_available(torch):
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def numpy_device(name):
    """--device for the NumPy scripts (6.4.1-6.4.3, 6.4.5): they have no accelerator to use, and a
    reader who runs every script with --device cuda should still get their output, so a GPU
    request is noted, not refused."""
    if name not in ("auto", "cpu"):
        print(f"Note: --device {name} ignored: this NumPy script always runs on the CPU.")
    print("Device: cpu (NumPy)")


def torch_problem(name):
    """Why PyTorch cannot run on --device `name` here (a one-line reason), or None if it can.

    Asks only whether devices exist: no CUDA context is created, no memory taken.
    """
    import torch

    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
            return f"--device {name}: PyTorch ({build}) sees no CUDA GPU here; use --device cpu or auto"
        count = torch.cuda.device_count()
        if _cuda_index(name) >= count:
            return f"--device {name}: only {count} CUDA GPU(s) visible (cuda:0..cuda:{count - 1})"
    elif name == "mps" and not _mps_available(torch):
        return "--device mps: Apple's Metal backend is not available here; use --device cpu or auto"
    return None


def torch_device(name="auto"):
    """Return a torch.device for auto|cpu|cuda|cuda:N|mps and print the choice."""
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if _mps_available(torch) else "cpu"
    problem = torch_problem(name)
    if problem:
        raise DeviceError(problem)
    if name.startswith("cuda"):
        index = _cuda_index(name)
        device, detail = torch.device("cuda", index), torch.cuda.get_device_name(index)
    elif name == "mps":
        device, detail = torch.device("mps"), "Apple Metal"
    else:
        device, detail = torch.device("cpu"), f"{torch.get_num_threads()} threads"
    print(f"Device: {device} ({detail}), PyTorch {torch.__version__}")
    return device


# ---- TensorFlow ----------------------------------------------------------------------------

def tensorflow_problem(name, gpus):
    """Why TensorFlow, seeing `gpus` GPUs, cannot run on --device `name`; None if it can (auto and
    cpu always can). On a Mac, TensorFlow's only GPUs are the Metal plugin's."""
    metal = sys.platform == "darwin"
    if name == "mps":
        if not metal:
            return "--device mps: Apple's Metal exists on macOS only; use --device cpu, cuda or auto"
        if not gpus:
            return ("--device mps: TensorFlow sees no Metal GPU (it needs `pip install tensorflow-metal`, "
                    "in a version built for this TensorFlow); use --device cpu or auto")
    elif name and name.startswith("cuda"):
        if metal:
            return f"--device {name}: there is no CUDA on macOS; use --device mps, cpu or auto"
        if _cuda_index(name) >= gpus:
            return f"--device {name}: TensorFlow sees {gpus} GPU(s), so there is no {name}; use --device cpu or auto"
    return None


def tf_device(name="auto"):
    """Configure TensorFlow for auto|cpu|cuda|cuda:N|mps and return the device string for tf.device.

    TensorFlow sees only the GPU it was asked for (none for cpu), so it starts no context and takes
    no memory on the others; on that GPU it grows its memory as needed instead of taking it all.
    `mps` means Apple's Metal plugin (tensorflow-metal), which exists on macOS only; elsewhere it is
    refused, as PyTorch refuses it, rather than read as "the first GPU".
    """
    tf = load_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    if name == "auto":
        name = ("mps" if sys.platform == "darwin" else "cuda") if gpus else "cpu"
    problem = tensorflow_problem(name, len(gpus))
    if problem:
        raise DeviceError(problem)
    chosen = [] if name == "cpu" else [gpus[0 if name == "mps" else _cuda_index(name)]]
    if gpus:
        try:
            tf.config.set_visible_devices(chosen, "GPU")
        except RuntimeError:  # TensorFlow already started in this process (a test, a notebook)
            visible = tf.config.get_visible_devices("GPU")
            if chosen and chosen[0] not in visible:
                raise DeviceError(f"--device {name}: TensorFlow already started in this process without that GPU")
            if visible != chosen:
                print(f"Note: TensorFlow already started here, so it still sees {len(visible)} GPU(s)",
                      file=sys.stderr)
    for gpu in chosen:
        if tf.config.experimental.get_memory_growth(gpu):
            continue  # set by an earlier call in this process
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except (RuntimeError, ValueError) as err:
            print(f"Note: could not let TensorFlow grow its memory on {gpu.name} as needed, so it may "
                  f"take all of it ({err})", file=sys.stderr)
    if chosen:
        # Logical GPU numbers count the visible GPUs only: the chosen one is /GPU:0 when it is alone.
        device = f"/GPU:{tf.config.get_visible_devices('GPU').index(chosen[0])}"
        detail = tf.config.experimental.get_device_details(chosen[0]).get("device_name", "GPU")
        detail = f"{detail}, {name}"
    else:
        device, detail = "/CPU:0", "CPU"
    print(f"Device: {device} ({detail}), TensorFlow {tf.__version__}")
    return device
