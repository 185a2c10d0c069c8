"""The one place that starts TensorFlow and Keras for the scripts: quietly, with a one-line reason
where TensorFlow is not installed (it has no wheels for the newest Python), and without starting
it at all where a caller only needs to know what it would see (reproduce.py).

Each module imports its framework lazily, so a TensorFlow script never loads PyTorch and the
other way round.
"""
import functools
import importlib.util
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager

from .errors import FrameworkError

# TensorFlow 2.21, the newest in requirements.txt's range, has wheels for these Pythons only.
TENSORFLOW_PYTHONS = ((3, 10), (3, 13))


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
    """`import tensorflow as tf` for the scripts: quiet; FrameworkError, with why, where it is missing or fails to start."""
    problem = tensorflow_missing()
    if problem:
        raise FrameworkError(problem)
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
        raise FrameworkError(f"TensorFlow failed to start: {type(err).__name__}: {err}{hint}")
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
    probe = ("from dlbook.frameworks import load_tensorflow; "
             "print(len(load_tensorflow().config.list_physical_devices('GPU')))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, encoding="utf-8")
    return int(proc.stdout.strip() or 0) if proc.returncode == 0 else 0


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
