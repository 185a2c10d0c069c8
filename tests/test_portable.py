"""Readers on Windows and in hosted notebooks, stood in for on Linux: consoles that cannot show
every character (GBK, cp1252, an ASCII locale), weights that travel between machines, a GPU that
PyTorch sees and TensorFlow does not, and notebooks opened with or without their repository."""
import io
import os
import pathlib
import subprocess
import sys

import pytest
import torch

import reproduce
from dlbook import checkpoints, console, manifest
from conftest import OFFLINE
from dlbook.paths import REPO_ROOT

# Python on Windows writes pipes and files in the ANSI code page; an ASCII locale stands in for "not UTF-8".
STAND_INS = {"gbk": {"PYTHONIOENCODING": "gbk"}, "cp1252": {"PYTHONIOENCODING": "cp1252"},
             "ascii-locale": {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}}


def start_as(stand_in, *argv, cwd=REPO_ROOT):
    env = {**os.environ, **OFFLINE, **STAND_INS[stand_in]}
    return subprocess.Popen([sys.executable, *map(str, argv)], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def run_as(stand_in, *argv, cwd=REPO_ROOT, timeout=120):
    proc = start_as(stand_in, *argv, cwd=cwd)
    stdout, stderr = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.slow
def test_check_ends_normally_on_a_console_without_the_marks():
    procs = {stand_in: start_as(stand_in, "reproduce.py", "--check") for stand_in in STAND_INS}  # at once:
    for stand_in, proc in procs.items():  # each mostly waits on its imports
        stdout, stderr = proc.communicate(timeout=120)
        out, err = stdout.decode("ascii", "replace"), stderr.decode("ascii", "replace")
        assert "Traceback" not in err and proc.returncode == (1 if "problem(s)" in out else 0), (stand_in, err)
        items = out.splitlines()[1:-1]
        assert items and all(line.startswith(("ok ", "XX ")) for line in items), (stand_in, out)  # not '?'


def test_evaluate_table_prints_on_a_cp1252_console(monkeypatch):
    import evaluate

    stream = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    monkeypatch.setattr(sys, "stdout", stream)
    console.safe_streams()
    print(manifest.markdown_table(evaluate.table([["real (5000 each)", "-", 1.5, 0.9, 0.9, 3.3, 0.1, 1.0, 0.2]], "x.md")))
    stream.flush()
    assert b"Fr\xe9chet distance ?" in stream.buffer.getvalue()  # é exists in cp1252, the arrow does not


@pytest.mark.slow
@pytest.mark.parametrize("stand_in", STAND_INS)
def test_reproduce_and_its_gallery_under_a_windows_code_page(stand_in, tmp_path):
    """The scripts' pipes are UTF-8 whatever the console's code page, the gallery (Chinese
    captions, '·') is written in UTF-8, and echoing all of it never crashes."""
    code = ("import reproduce; from dlbook import cli; "
            "reproduce.RUNS = [r for r in reproduce.RUNS if r.name == 'perceptron']; cli.start(reproduce.main)")
    proc = run_as(stand_in, "-c", code, "--chapter", "6", "--out", tmp_path)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    gallery = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "图6-26 异或问题示意图" in gallery and " · " in gallery
    assert "z = w·x + b" in (tmp_path / "logs" / "perceptron.log").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("stand_in", STAND_INS)
def test_notebook_stale_check_under_a_windows_code_page(stand_in):
    proc = run_as(stand_in, "-m", "dlbook.notebooks", "--stale")
    assert proc.returncode == 0 and not proc.stderr, proc.stdout + proc.stderr


def _objects(value):
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _objects(item)


@pytest.mark.slow
@pytest.mark.parametrize("script, files", [
    ("vae", ["vae_z20.pt"]), ("autoencoder", ["autoencoder.pt"]), ("gan", ["gan.pt", "G.ckpt", "D.ckpt"]),
    ("cgan", ["cgan.pt", "cgan_G.ckpt", "cgan_D.ckpt"]), ("dcgan", ["dcgan.pt", "dcgan_G.ckpt", "dcgan_D.ckpt"])])
def test_checkpoints_load_with_weights_only_and_hold_no_paths_or_device_tensors(script, files, synthetic_idx,
                                                                               tmp_path, monkeypatch):
    module = __import__(script)
    for name in ("print_every", "log_every"):
        if hasattr(module, name):
            monkeypatch.setattr(module, name, 1)
    root = synthetic_idx("mnist", n_train=100, n_test=20)
    module.main(["--device", "cpu", "--data-dir", str(root), "--out", str(tmp_path), "--epochs", "1",
                 "--batch-size", "50"])
    for file in files:
        saved = torch.load(tmp_path / "weights" / file, weights_only=True)  # no code from the file runs
        found = list(_objects(saved))
        assert not any(isinstance(v, pathlib.PurePath) for v in found)
        assert all(v.device.type == "cpu" for v in found if isinstance(v, torch.Tensor))


def test_portable_turns_paths_arrays_and_device_tensors_into_plain_values():
    import numpy as np

    state = checkpoints.portable({"out": pathlib.Path("figures"), "numpy": ("MT19937", np.arange(3, dtype=np.uint32)),
                               "w": torch.ones(2)})
    assert state["out"] == "figures" and state["numpy"] == ("MT19937", [0, 1, 2])


def test_a_run_stopped_before_its_first_epoch_names_no_weights(synthetic_idx, tmp_path, capsys):
    import vae

    root = synthetic_idx("mnist", n_train=256, n_test=20)
    vae.main(["--device", "cpu", "--data-dir", str(root), "--out", str(tmp_path), "--max-steps", "1"])
    out = capsys.readouterr().out
    assert "Weights: none saved (stopped before the first epoch ended)" in out
    assert not (tmp_path / "weights" / "vae_z20.pt").exists()


@pytest.mark.slow
def test_a_gpu_only_pytorch_sees_sends_the_tensorflow_scripts_to_the_cpu(tmp_path, monkeypatch, capsys):
    """`reproduce.py --device cuda` where PyTorch has CUDA (mocked) and pip's TensorFlow has none."""
    monkeypatch.setattr(reproduce.device, "torch_problem", lambda name: None)
    monkeypatch.setattr(reproduce.frameworks, "tensorflow_gpus", lambda: 0)
    monkeypatch.setattr(reproduce.frameworks, "keras_backend", lambda: "tensorflow")
    args = reproduce.parse_args(["--device", "cuda"])
    for run in reproduce.RUNS:
        argv = reproduce.command(run, args)
        on_cpu = run.name in ("xor_tensorflow", "xor_sweep", "keras_mlp")
        assert argv[argv.index("--device") + 1] == ("cpu" if on_cpu else "cuda"), run.name
    monkeypatch.setattr(reproduce, "RUNS", [r for r in reproduce.RUNS if r.name == "xor_tensorflow"])
    assert reproduce.main(["--chapter", "6", "--device", "cuda", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Note: TensorFlow sees 0 GPU(s) here, so this script runs on the CPU" in out
    assert "Device: /CPU:0" in out


def test_tensorflow_keeps_a_gpu_it_sees():
    assert not reproduce.device.tensorflow_problem("cuda:1", 2) and reproduce.device.tensorflow_problem("cuda:1", 1)


# ---- notebooks opened where readers open them ---------------------------------------------------
def first_code_cell(script="ch08_generative/cgan.py"):
    from dlbook import notebooks

    return next(source for kind, source in notebooks.cells(script) if kind == "code")


def test_a_notebook_in_a_clone_finds_its_repository_without_pip_install():
    # -S: no site-packages, so neither `pip install -e .` nor anything else puts dlbook on the path
    check = "\nimport importlib.util, dlbook.paths; assert importlib.util.find_spec('evaluate'); print(dlbook.paths.REPO_ROOT)"
    proc = subprocess.run([sys.executable, "-S", "-c", first_code_cell() + check], cwd=REPO_ROOT / "ch08_generative",
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0 and proc.stdout.strip() == str(REPO_ROOT), proc.stderr


def test_a_notebook_opened_alone_says_what_to_type(tmp_path):
    proc = subprocess.run([sys.executable, "-S", "-c", first_code_cell()], cwd=tmp_path,
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "!git clone" in proc.stderr and "%cd dlbook-companion/ch08_generative" in proc.stderr


@pytest.mark.slow
def test_the_log_file_is_utf8_on_a_console_that_is_not(tmp_path):
    """--log is written in UTF-8 whatever the locale: the printed '·' of 6.4.1 needs it."""
    log = tmp_path / "perceptron.log"
    proc = run_as("ascii-locale", "ch06_feedforward/perceptron.py", "--out", tmp_path, "--log", log)
    assert proc.returncode == 0, proc.stderr.decode("ascii", "replace")
    assert "z = w·x + b = 0.2" in log.read_text(encoding="utf-8")
