"""Devices a CI machine does not have, mocked: CUDA GPUs (one, two), Apple's MPS, TensorFlow's GPUs;
the random-number state a checkpoint keeps for each; TensorFlow missing (Python 3.14)."""
import random
import re
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from conftest import error_line, stopped
from dlbook import device, frameworks, seed
from dlbook.errors import DeviceError


def forbid(monkeypatch, module, *names):
    """Make module.name raise if called: the code under test must not touch it."""
    for name in names:
        def boom(*args, _name=name, **kwargs):
            raise AssertionError(f"{module.__name__}.{_name} called")
        monkeypatch.setattr(module, name, boom)


@pytest.fixture
def two_gpus(monkeypatch):
    """PyTorch sees two CUDA GPUs; records the CUDA random states set."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: f"NVIDIA Fake {i}")
    monkeypatch.setattr(torch.cuda, "get_rng_state", lambda dev="cuda": torch.tensor([torch.device(dev).index or 0]))
    forbid(monkeypatch, torch.cuda, "get_rng_state_all", "set_rng_state_all")
    restored = []
    monkeypatch.setattr(torch.cuda, "set_rng_state", lambda state, dev="cuda": restored.append((state, torch.device(dev))))
    return restored


# ---- 1-3: random-number state of checkpoints -------------------------------------------------

def test_cpu_run_never_touches_cuda(monkeypatch):
    """Fix 2: a --device cpu run (and the test suite) opens no CUDA context at a checkpoint."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a GPU machine
    forbid(monkeypatch, torch.cuda, "get_rng_state", "get_rng_state_all", "set_rng_state", "set_rng_state_all",
           "device_count", "current_device", "init")
    state = seed.rng_state(torch.device("cpu"))
    assert "cuda" not in state
    seed.set_rng_state(state, torch.device("cpu"))


def test_cpu_state_round_trip():
    state = seed.rng_state(torch.device("cpu"))
    first = torch.rand(3), np.random.rand(), random.random()
    seed.set_rng_state(state, torch.device("cpu"))
    assert torch.equal(torch.rand(3), first[0]) and np.random.rand() == first[1] and random.random() == first[2]


def test_cuda_state_is_the_run_devices_only(two_gpus):
    """Fix 2: a cuda:1 run saves cuda:1's generator, and never asks cuda:0 (no memory taken there)."""
    state = seed.rng_state(torch.device("cuda", 1))
    assert state["cuda"].tolist() == [1]


@pytest.mark.parametrize("saved", [torch.tensor([1]), [torch.tensor([0]), torch.tensor([1])]],
                         ids=["saved on cuda:1", "older checkpoint: one state per GPU"])
def test_resume_where_fewer_gpus_are_visible(two_gpus, saved):
    """Fix 1: a checkpoint written where two GPUs were visible resumes where one is (Colab,
    CUDA_VISIBLE_DEVICES=0): only the run's own device is set, nothing indexes a missing GPU."""
    seed.set_rng_state({"cpu": torch.get_rng_state(), "cuda": saved}, torch.device("cuda", 0))
    assert len(two_gpus) == 1 and two_gpus[0][1] == torch.device("cuda", 0)


def test_resume_on_another_kind_of_device_sets_only_the_cpu(two_gpus, monkeypatch):
    forbid(monkeypatch, torch.mps, "set_rng_state")
    seed.set_rng_state({"cpu": torch.get_rng_state(), "cuda": torch.tensor([1])}, torch.device("mps"))
    assert two_gpus == []


def test_mps_generator_state_is_saved_and_restored(monkeypatch):
    """Fix 3: on Apple silicon the MPS generator's state is in the checkpoint and comes back."""
    forbid(monkeypatch, torch.cuda, "get_rng_state", "get_rng_state_all", "set_rng_state", "set_rng_state_all")
    monkeypatch.setattr(torch.mps, "get_rng_state", lambda: torch.tensor([42], dtype=torch.uint8))
    restored = []
    monkeypatch.setattr(torch.mps, "set_rng_state", restored.append)
    state = seed.rng_state(torch.device("mps"))
    assert state["mps"].tolist() == [42]
    seed.set_rng_state(state, torch.device("mps"))
    assert [t.tolist() for t in restored] == [[42]]


# ---- PyTorch devices, mocked (9: GPU machines keep the out-of-range cases) -------------------

def test_torch_cuda_n_on_two_gpus(two_gpus, capsys):
    assert device.torch_device("cuda:1") == torch.device("cuda", 1)
    assert capsys.readouterr().out.startswith("Device: cuda:1 (NVIDIA Fake 1)")


@pytest.mark.parametrize("name,message", [("cuda:2", "only 2 CUDA GPU(s) visible"), ("cuda:7", "cuda:0..cuda:1")])
def test_torch_cuda_n_out_of_range(two_gpus, capsys, name, message):
    with pytest.raises(DeviceError, match=re.escape(message)) as stop:
        device.torch_device(name)
    assert stop.value.status == 2 and "\n" not in str(stop.value)


@pytest.mark.parametrize("name", ["cuda", "cuda:1", "mps"])
def test_torch_missing_device(monkeypatch, capsys, name):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    status, err = stopped(capsys, lambda argv: device.torch_device(name))
    assert status == 2 and len(err) == 1 and err[0].startswith(error_line(f"--device {name}: "))


def test_torch_auto_prefers_cuda_then_mps(monkeypatch, two_gpus):
    assert device.torch_device("auto") == torch.device("cuda", 0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert device.torch_device("auto") == torch.device("mps")


# ---- TensorFlow devices, mocked (6) -----------------------------------------------------------

class FakeTF:
    """Stands in for tensorflow.config: `gpus` physical GPUs; records what tf_device sets."""

    def __init__(self, gpus, growth_error=None):
        self.gpus = [SimpleNamespace(name=f"/physical_device:GPU:{i}") for i in range(gpus)]
        self.visible, self.growth, self.growth_error = list(self.gpus), [], growth_error
        experimental = SimpleNamespace(get_memory_growth=lambda gpu: gpu in self.growth,
                                       set_memory_growth=self.set_growth,
                                       get_device_details=lambda gpu: {"device_name": f"Fake {gpu.name[-1]}"})
        self.config = SimpleNamespace(list_physical_devices=lambda kind: list(self.gpus),
                                      set_visible_devices=self.set_visible,
                                      get_visible_devices=lambda kind: list(self.visible),
                                      experimental=experimental)
        self.__version__ = "2.x"

    def set_visible(self, devices, kind):
        self.visible = list(devices)

    def set_growth(self, gpu, on):
        if self.growth_error:
            raise RuntimeError(self.growth_error)
        self.growth.append(gpu)


@pytest.fixture
def fake_tf(monkeypatch):
    def make(gpus, platform="linux", **kwargs):
        tf = FakeTF(gpus, **kwargs)
        monkeypatch.setattr(device, "load_tensorflow", lambda: tf)
        monkeypatch.setattr(sys, "platform", platform)
        return tf
    return make


def test_tf_cuda_n_sees_only_that_gpu(fake_tf, capsys):
    tf = fake_tf(2)
    assert device.tf_device("cuda:1") == "/GPU:0"  # the only GPU TensorFlow sees now
    assert tf.visible == [tf.gpus[1]] and tf.growth == [tf.gpus[1]]
    assert capsys.readouterr().out.startswith("Device: /GPU:0 (Fake 1, cuda:1)")


def test_tf_cpu_hides_every_gpu(fake_tf):
    tf = fake_tf(2)
    assert device.tf_device("cpu") == "/CPU:0"
    assert tf.visible == [] and tf.growth == []


def test_tf_auto_takes_the_first_gpu_only(fake_tf):
    tf = fake_tf(2)
    assert device.tf_device("auto") == "/GPU:0" and tf.visible == [tf.gpus[0]]


@pytest.mark.parametrize("gpus", [0, 1])
def test_tf_mps_is_refused_off_macos(fake_tf, capsys, gpus):
    """Not read as "the first GPU" on a Linux CUDA machine, as PyTorch does not."""
    tf = fake_tf(gpus)
    with pytest.raises(DeviceError, match="macOS only") as stop:
        device.tf_device("mps")
    assert stop.value.status == 2
    assert tf.visible == tf.gpus  # nothing changed


def test_tf_mps_is_the_metal_plugin_on_macos(fake_tf, capsys):
    fake_tf(1, platform="darwin")
    assert device.tf_device("mps") == "/GPU:0"
    with pytest.raises(DeviceError, match="no CUDA on macOS"):
        device.tf_device("cuda")


def test_tf_mps_without_the_plugin_says_what_to_install(fake_tf, capsys):
    fake_tf(0, platform="darwin")
    with pytest.raises(DeviceError, match="tensorflow-metal"):
        device.tf_device("mps")


def test_tf_cuda_n_out_of_range(fake_tf, capsys):
    fake_tf(2)
    with pytest.raises(DeviceError, match=re.escape("sees 2 GPU(s)")) as stop:
        device.tf_device("cuda:2")
    assert stop.value.status == 2


def test_tf_says_when_memory_growth_cannot_be_set(fake_tf, capsys):
    fake_tf(1, growth_error="Physical devices cannot be modified after being initialized")
    assert device.tf_device("cuda") == "/GPU:0"
    err = capsys.readouterr().err
    assert "could not let TensorFlow grow its memory" in err and "cannot be modified" in err


# ---- TensorFlow missing: Python 3.14 (issue 13, deliverable 1) ------------------------------

@pytest.fixture
def no_tensorflow(monkeypatch):
    real = frameworks.importlib.util.find_spec
    monkeypatch.setattr(frameworks.importlib.util, "find_spec", lambda name, *a: None if name == "tensorflow" else real(name, *a))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)


def test_without_tensorflow_on_314_the_reason_names_the_pythons(no_tensorflow, capsys):
    reason = frameworks.tensorflow_missing(python=(3, 14, 0))
    assert "Python 3.14.0" in reason and "3.10-3.13" in reason
    status, err = stopped(capsys, lambda argv: frameworks.load_tensorflow())
    assert status == 2 and err == [error_line(frameworks.tensorflow_missing())]  # this Python's reason, one line


def test_without_tensorflow_on_a_supported_python_says_install(no_tensorflow):
    assert "pip install -r requirements.txt" in frameworks.tensorflow_missing(python=(3, 12, 1))


def test_keras_falls_back_to_pytorch_without_tensorflow(no_tensorflow, monkeypatch):
    assert frameworks.keras_backend() == "torch"
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert frameworks.keras_backend() == "jax"


def test_keras_stays_on_tensorflow_where_installed(monkeypatch):
    pytest.importorskip("tensorflow")
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert frameworks.keras_backend() == "tensorflow"


def test_requirements_marker_matches_the_pythons_named():
    """requirements.txt leaves TensorFlow out exactly where tensorflow_missing() says it has no release."""
    from dlbook.check import requirements
    from dlbook.paths import REPO_ROOT

    req = next(r for r in requirements(REPO_ROOT / "requirements.txt") if r.name == "tensorflow")
    hi = frameworks.TENSORFLOW_PYTHONS[1]
    assert req.marker.evaluate({"python_version": f"{hi[0]}.{hi[1]}"})
    assert not req.marker.evaluate({"python_version": f"{hi[0]}.{hi[1] + 1}"})


@pytest.mark.slow
def test_tensorflow_start_up_is_quiet():
    """TensorFlow's C++ notices (oneDNN, CUDA stubs, absl) do not reach stderr."""
    pytest.importorskip("tensorflow")
    proc = subprocess.run([sys.executable, "-c", "from dlbook.frameworks import load_tensorflow as t; "
                           "t().constant(1.0) + 1"], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
