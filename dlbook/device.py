"""--device for PyTorch and for TensorFlow: pick the accelerator, say which, fail clearly if absent.

Also the one place that imports TensorFlow and Keras for the scripts: quietly, and with a
one-line reason where TensorFlow is not installed (it has no wheels for the newest Python).
"""
import functools
import importlib.util
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager

from .cli import fail

# TensorFlow 2.21, the newest in requirements.txt's range, has wheels for these Pythons only.
TENSORFLOW_PYTHONS = ((3, 10), (3, 13))


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
        fail(problem)
    if name.startswith("cuda"):
        index = _cuda_index(name)
        device, detail = torch.device("cuda", index), torch.cuda.get_device_name(index)
    elif name == "mps":
        device, detail = torch.device("mps"), "Apple Metal"
    else:
        device, detail = torch.device("cpu"), f"{torch.get_num_threads()} threads"
    print(f"Device: {device} ({detail}), PyTorch {torch.__version__}")
    return device


# ---- TensorFlow and Keras -------------------------------------------------------------------

def tensorflow_missing(python=None):
    """Why `import tensorflow` cannot work here (one line), or None when it is installed."""
    if importlib.util.find_spec("tensorflow") is not None:
        return None
    python = python or tuple(sys.version_info[:3])
    (lo_major, lo_minor), (hi_major, hi_minor) = TENSORFLOW_PYTHONS
    versions = f"Python {lo_major}.{lo_minor}-{hi_major}.{hi_minor}"
    if not TENSORFLOW_PYTHONS[0] <= python[:2] <= TENSORFLOW_PYTHONS[1]:
        return (f"TensorFlow has no release for Python {'.'.join(map(str, python))}: this script needs "
                f"{versions} (make a virtual environment with one of those and install requirements.txt there)")
    return ("TensorFlow is not installed; run `python -m pip install -r requirements.txt -e .` "
            f"(it needs {versions})")


@contextmanager
def _hold_stderr():
    """TensorFlow's C++ start-up notices (absl, oneDNN, CUDA stubs) go straight to file descriptor 2,
    before any Python setting can stop them. Hold them back; show them only if start-up fails."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def load_tensorflow():
    """`import tensorflow as tf` for the scripts: quiet, and one line + exit 2 where it is missing."""
    problem = tensorflow_missing()
    if problem:
        fail(problem)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the C++ logs after start-up
    # TensorFlow imports Keras as it starts, and Keras on its PyTorch backend crashes the process
    # there (a segmentation fault): so Keras starts on TensorFlow here, whatever KERAS_BACKEND says.
    backend = os.environ.get("KERAS_BACKEND")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    try:
        with _hold_stderr():
            import tensorflow as tf

            tf.config.list_physical_devices("GPU")  # CUDA's start-up notices come here
    except Exception as err:  # e.g. a tensorflow-metal plugin built for another TensorFlow
        hint = " (on a Mac: `pip uninstall tensorflow-metal` if it was built for another TensorFlow)" \
            if sys.platform == "darwin" else ""
        fail(f"TensorFlow failed to start: {type(err).__name__}: {err}{hint}")
    finally:
        if backend is None:
            del os.environ["KERAS_BACKEND"]
        else:
            os.environ["KERAS_BACKEND"] = backend
    return tf


@functools.cache
def tensorflow_gpus():
    """How many GPUs TensorFlow sees here (0 where it is missing or has no GPU build), asked in a
    child process so that the caller (reproduce.py) never starts TensorFlow itself."""
    if tensorflow_missing():
        return 0
    probe = ("from dlbook.device import load_tensorflow; "
             "print(len(load_tensorflow().config.list_physical_devices('GPU')))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, encoding="utf-8")
    return int(proc.stdout.strip() or 0) if proc.returncode == 0 else 0


def tensorflow_can_use(name, gpus):
    """Whether TensorFlow, seeing `gpus` GPUs, can run on --device `name` (auto and cpu always can)."""
    if name in (None, "auto", "cpu"):
        return True
    if name == "mps":
        return sys.platform == "darwin" and gpus > 0
    return sys.platform != "darwin" and _cuda_index(name) < gpus


def keras_backend():
    """The backend load_keras() gives Keras: KERAS_BACKEND where set, else TensorFlow (Keras' default)
    where installed, else PyTorch, so keras_mlp.py runs on a Python TensorFlow does not support."""
    return os.environ.get("KERAS_BACKEND") or ("torch" if tensorflow_missing() else "tensorflow")


def load_keras():
    """`import keras` for the scripts, on keras_backend()'s backend (TensorFlow started quietly)."""
    os.environ["KERAS_BACKEND"] = keras_backend()
    if os.environ["KERAS_BACKEND"] == "tensorflow":
        load_tensorflow()
    import keras

    return keras


def tf_device(name="auto"):
    """Configure TensorFlow for auto|cpu|cuda|cuda:N|mps and return the device string for tf.device.

    TensorFlow sees only the GPU it was asked for (none for cpu), so it starts no context and takes
    no memory on the others; on that GPU it grows its memory as needed instead of taking it all.
    `mps` means Apple's Metal plugin (tensorflow-metal), which exists on macOS only; elsewhere it is
    refused, as PyTorch refuses it, rather than read as "the first GPU".
    """
    tf = load_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    metal = sys.platform == "darwin"  # on a Mac, TensorFlow's only GPUs are the Metal plugin's
    if name == "auto":
        name = ("mps" if metal else "cuda") if gpus else "cpu"
    if name == "mps":
        if not metal:
            fail("--device mps: Apple's Metal exists on macOS only; use --device cpu, cuda or auto")
        if not gpus:
            fail("--device mps: TensorFlow sees no Metal GPU (it needs `pip install tensorflow-metal`, "
                 "in a version built for this TensorFlow); use --device cpu or auto")
    elif name.startswith("cuda"):
        if metal:
            fail(f"--device {name}: there is no CUDA on macOS; use --device mps, cpu or auto")
        if _cuda_index(name) >= len(gpus):
            fail(f"--device {name}: TensorFlow sees {len(gpus)} GPU(s), so there is no {name}; "
                 f"use --device cpu or auto")
    chosen = [] if name == "cpu" else [gpus[0 if name == "mps" else _cuda_index(name)]]
    if gpus:
        try:
            tf.config.set_visible_devices(chosen, "GPU")
        except RuntimeError:  # TensorFlow already started in this process (a test, a notebook)
            visible = tf.config.get_visible_devices("GPU")
            if chosen and chosen[0] not in visible:
                fail(f"--device {name}: TensorFlow already started in this process without that GPU")
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
