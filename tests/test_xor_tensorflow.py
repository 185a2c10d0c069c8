"""6.4.4 XOR with TensorFlow: book-format printout, a converging default seed, the seed sweep."""
import os
import re
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="TensorFlow is not installed (it has no wheels for Python 3.14)")
import xor_tensorflow as xor
from conftest import stopped

STEP_LINE = re.compile(r"step: (\d+), loss: (\d+\.\d{3})")


def assert_figure(path):
    assert path.exists(), path
    assert matplotlib.image.imread(path).std() > 0, f"{path} is blank"


def test_default_run_prints_like_the_book(tmp_path, capsys):
    xor.main(["--device", "cpu", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    steps = [m.groups() for m in STEP_LINE.finditer(out)]
    assert [int(step) for step, _ in steps] == list(range(0, 2000, 200))
    assert all(re.fullmatch(r"step: \d+, loss: \d+\.\d{3}", line)
               for line in out.splitlines() if line.startswith("step:"))
    assert steps[-1][1] == "0.000"
    assert "X: array([[0, 0],\n       [0, 1],\n       [1, 0],\n       [1, 1]])" in out
    pred_text = out[out.index("pred: array("):]
    assert "dtype=float32)" in pred_text
    pred = [float(v) for v in re.findall(r"[-+]?\d\.\d+e[-+]\d+", pred_text)]
    np.testing.assert_allclose(pred, [0, 1, 1, 0], atol=0.01)
    assert_figure(tmp_path / "xor_loss.png")


def test_default_seed_converges():
    history, pred = xor.run_xor()
    assert history.shape == (2000,)
    assert history[-1] < 1e-3
    np.testing.assert_allclose(pred[:, 0], [0, 1, 1, 0], atol=0.01)


@pytest.mark.slow
def test_same_seed_prints_the_same(tmp_path, capsys):
    args = ["--device", "cpu", "--steps", "400", "--seed", "3", "--out", str(tmp_path)]
    xor.main(args)
    first = capsys.readouterr().out
    xor.main(args)
    assert capsys.readouterr().out == first
    xor.main(args[:-4] + ["--seed", "4", "--out", str(tmp_path)])
    assert capsys.readouterr().out != first


@pytest.mark.slow
def test_sweep_counts_stuck_seeds(tmp_path, capsys):
    log = tmp_path / "sweep.txt"
    xor.main(["--device", "cpu", "--sweep", "12", "--out", str(tmp_path), "--log", str(log)])
    out = capsys.readouterr().out
    solved = int(re.search(r"solved \(loss < 0\.001\): (\d+)/12", out).group(1))
    stuck = int(re.search(r"stuck: (\d+)/12 seeds", out).group(1))
    groups = [int(n) for n in re.findall(r"^(?:stuck at loss \d\.\d{3} \(1/\d\)|not on a plateau): (\d+) seeds",
                                         out, re.M)]
    assert solved + stuck == 12
    assert solved > 0 and stuck > 0  # seeds 0..11 hold both kinds
    assert sum(groups) == stuck
    assert "stuck at loss 0.167 (1/6)" in out
    assert "stuck: " in log.read_text(encoding="utf-8")
    assert_figure(tmp_path / "xor_sweep_regions.png")


def test_sweep_trains_the_same_networks_as_single_runs():
    seeds = [0, 4]
    stacked = [np.stack(ws) for ws in zip(*(xor.init_weights(s) for s in seeds))]
    history, _, _ = xor.train(stacked, steps=300)
    for column, seed in enumerate(seeds):
        single, _ = xor.run_xor(seed, steps=300)
        np.testing.assert_allclose(history[:, column], single, rtol=1e-3, atol=1e-6)


def test_dead_units_are_counted():
    # The book's hand-set hidden layer (6.4.3): unit 1 active on 3 inputs, unit 2 on (1, 1) only.
    w1 = np.array([[1, 1], [1, 1]], np.float32)
    b1 = np.array([[0, -1]], np.float32)
    np.testing.assert_array_equal(xor.active_inputs([w1, b1]), [3, 1])
    np.testing.assert_array_equal(xor.active_inputs([-w1, b1]), [0, 0])  # both dead


def test_plateaus_are_named():
    assert str(xor.plateau(0.2500004)) == "1/4"
    assert str(xor.plateau(0.16667)) == "1/6"
    assert xor.plateau(0.0371) is None


@pytest.mark.slow
@pytest.mark.parametrize("bad", [["--device", "cuda:7"], ["--lr", "-1"], ["--steps", "0"]])
def test_bad_flags_exit_with_status_2(tmp_path, capsys, bad):
    status, _ = stopped(capsys, xor.main, *bad, "--out", tmp_path)  # argparse's SystemExit or a DeviceError
    assert status == 2


@pytest.mark.slow
def test_keras_backend_does_not_matter(tmp_path, capsys):
    """KERAS_BACKEND=torch, exported for keras_mlp.py, leaves XOR on TensorFlow: same numbers."""
    args = ["--device", "cpu", "--steps", "400", "--out", str(tmp_path)]
    xor.main(args)
    expected = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("step:", "pred:"))]
    proc = subprocess.run([sys.executable, xor.__file__, *args], capture_output=True, text=True, encoding="utf-8", timeout=120,
                          env={**os.environ, "KERAS_BACKEND": "torch"})
    assert proc.returncode == 0, proc.stderr
    assert [line for line in proc.stdout.splitlines() if line.startswith(("step:", "pred:"))] == expected
    assert proc.stderr == ""  # and TensorFlow's start-up notices stay off stderr
