"""A reader's worst day: the scripts run as subprocesses, as a reader runs them, when things go wrong."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch

from dlbook import data
from dlbook.figures import plt
from conftest import OFFLINE, ROOT, data_folder, needs_data

pytestmark = pytest.mark.slow  # every test here starts a script in a subprocess

needs_fashion = needs_data("fashion-mnist")


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND", "WAYLAND_DISPLAY")}
    e.update(PYTHONUNBUFFERED="1", **extra)
    return e


def run(script, *args, cwd=ROOT, timeout=120, **extra_env):
    """Run a chapter script by its path relative to `cwd`, as a reader would."""
    path = os.path.relpath(ROOT / script, cwd)
    return subprocess.run([sys.executable, path, *map(str, args)], cwd=cwd, env=env(**extra_env),
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def one_line_error(proc, status=2):
    assert proc.returncode == status, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr.strip().splitlines()[-1]


# 1. No network and no data files
@pytest.mark.parametrize("script,cwd", [("ch08_generative/vae.py", ROOT), ("ch08_generative/gan.py", ROOT / "ch08_generative"),
                                        ("ch06_feedforward/keras_mlp.py", ROOT / "ch06_feedforward")])
def test_no_network_no_data_names_the_files(script, cwd, tmp_path):
    start = time.perf_counter()
    proc = run(script, "--data-dir", tmp_path, "--device", "cpu", "--out", tmp_path / "out", cwd=cwd, **OFFLINE)
    assert time.perf_counter() - start < 60
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    for filename in data.FILES.values():
        assert filename in proc.stderr
    assert str(tmp_path / "mnist") in proc.stderr and "apt-get install dataset-fashion-mnist" in proc.stderr
    assert not (tmp_path / "out").exists()


# 2. A truncated data file
@needs_fashion
def test_truncated_file_is_reported_and_not_trained_on(tmp_path):
    folder = tmp_path / "fashion-mnist"
    shutil.copytree(data_folder("fashion-mnist"), folder)
    images = folder / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:100_000])
    proc = run("ch08_generative/vae.py", "--dataset", "fashion-mnist", "--data-dir", tmp_path, "--device", "cpu",
               "--out", tmp_path / "out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{images}: not a readable copy" in proc.stderr and "truncated or corrupt" in proc.stderr
    assert "Epoch" not in proc.stdout


# 3. No display: every figure is written (the NumPy scripts; the others' figures are tested in-process)
@pytest.mark.parametrize("script", ["ch06_feedforward/perceptron.py", "ch06_feedforward/backprop_manual.py"])
def test_figures_without_a_display(script, tmp_path):
    proc = run(script, "--out", tmp_path, cwd=ROOT / "ch06_feedforward")
    assert proc.returncode == 0, proc.stderr
    figures = re.findall(r"^Figure: (.+)$", proc.stdout, re.M)
    assert figures and all(plt.imread(f).std() > 0 for f in figures)


# 4. Devices that are not there; no GPU visible with --device auto. cuda:99 is out of range on any
# machine; a device that is there is not tested here (the mps run of gan.py would train on a Mac).
def _present(device, script):
    if device == "cuda":
        return torch.cuda.is_available()
    if device == "mps":
        return sys.platform == "darwin" and (script.endswith("xor_tensorflow.py") or torch.backends.mps.is_available())
    return False


@pytest.mark.parametrize("script", ["ch08_generative/gan.py", "ch06_feedforward/xor_tensorflow.py"])
@pytest.mark.parametrize("device", ["cuda", "cuda:99", "mps"])
def test_missing_device_is_one_line_and_status_2(script, device, tmp_path):
    if _present(device, script):
        pytest.skip(f"this machine has {device}")
    if script.endswith("xor_tensorflow.py"):
        pytest.importorskip("tensorflow")
    line = one_line_error(run(script, "--device", device, "--out", tmp_path))
    assert f"--device {device}" in line


def test_no_visible_gpu_runs_on_the_cpu_and_says_so(tmp_path):
    pytest.importorskip("tensorflow")
    proc = run("ch06_feedforward/xor_tensorflow.py", "--steps", "10", "--out", tmp_path, CUDA_VISIBLE_DEVICES="")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Device: /CPU:0")


# 5. Bad flag values: argparse-style errors, nothing written
@pytest.mark.parametrize("flags", [["--epochs", "-1"], ["--batch-size", "0"], ["--dataset", "cifar"],
                                   ["--out", "{blocker}/figures"], ["--device", "gpu"]])
def test_bad_flags(flags, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    flags = [f.format(blocker=blocker) for f in flags]
    proc = run("ch08_generative/vae.py", *flags, cwd=tmp_path)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


# 6. A NaN loss
@needs_fashion
def test_nan_loss_stops_with_the_step_and_status_1(tmp_path):
    proc = run("ch08_generative/vae.py", "--dataset", "fashion-mnist", "--lr", "1e4", "--max-steps", "300",
               "--device", "cpu", "--out", tmp_path)
    line = one_line_error(proc, status=1)
    assert re.search(r"NaN or infinite at epoch 1, step \d+: training diverged", line)


# 7. Interrupted runs, then --resume
@needs_fashion
@pytest.mark.parametrize("script,sig,flags", [
    ("ch08_generative/vae.py", signal.SIGINT, ["--epochs", "2"]),
    ("ch08_generative/gan.py", signal.SIGTERM, ["--epochs", "2", "--batch-size", "300"]),
])
def test_interrupt_then_resume_prints_the_uninterrupted_numbers(script, sig, flags, tmp_path):
    common = [sys.executable, script, "--dataset", "fashion-mnist", "--device", "cpu", *flags]
    whole = run(script, *common[2:], "--out", tmp_path / "whole", timeout=300)
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "cut"
    proc = subprocess.Popen([*common, "--out", str(out)], cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")
    deadline = time.time() + 200
    while not (out / "weights").exists() or not list((out / "weights").glob("*.pt")):
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.2)
    proc.send_signal(sig)  # in epoch 2
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr
    assert "epoch 1 is saved" in stderr and "--resume" in stderr
    ckpt = next((out / "weights").glob("*.pt"))
    assert torch.load(ckpt, weights_only=True)["epoch"] == 1
    assert not list(out.rglob(".*.tmp"))
    assert all(plt.imread(p).std() > 0 for p in out.rglob("*.png"))

    resumed = run(script, *common[2:], "--out", out, "--resume", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    # the saved epoch's lines again, then the rest: the uninterrupted run's printout, and its verdict
    book_lines = r"^(?:Epoch|Book check:).*$"
    assert "Resuming after epoch 1" in resumed.stdout
    assert re.findall(book_lines, resumed.stdout, re.M) == re.findall(book_lines, whole.stdout, re.M)


# 8. Determinism, as a reader runs it
def test_same_seed_same_printout_from_the_command_line(tmp_path):
    first = run("ch06_feedforward/perceptron.py", "--seed", "3", "--out", tmp_path)
    second = run("ch06_feedforward/perceptron.py", "--seed", "3", "--out", tmp_path)
    assert first.returncode == 0 and first.stdout == second.stdout


# 9. A fresh environment: .ci/run makes a new virtual environment and runs exactly the README's command
def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^# Run the tests\n(.+)$", readme, re.M).group(1)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci.splitlines() and "python3 -m venv" in ci


# 10. A reader's `script | head`: the pipe closes early, and the script ends without a traceback
@pytest.mark.parametrize("script,args", [("ch06_feedforward/perceptron.py", []),
                                         ("ch06_feedforward/backprop_manual.py", []),
                                         ("ch06_feedforward/xor_tensorflow.py", ["--steps", "1"]),
                                         ("ch06_feedforward/keras_mlp.py", ["--device", "cpu", "--data-dir", "{tmp}"]),
                                         ("reproduce.py", ["--check"])])
def test_a_closed_pipe_ends_quietly(script, args, tmp_path):
    if "tensorflow" in script:
        pytest.importorskip("tensorflow")
    args = [a.format(tmp=tmp_path) for a in args] + ([] if script == "reproduce.py" else ["--out", str(tmp_path)])
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the script writes: its first line hits a broken pipe
    proc = subprocess.run([sys.executable, script, *args], cwd=ROOT, env=env(**OFFLINE), stdout=write_end,
                          stderr=subprocess.PIPE, text=True, encoding="utf-8", timeout=120)
    os.close(write_end)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.returncode == 141
