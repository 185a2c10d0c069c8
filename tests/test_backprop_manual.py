import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import torch


import backprop_manual as bp

FIGURE = "backprop_error.png"
X, T = np.array([0.05, 0.10]), np.array([0.01, 0.99])


def run(capsys, *argv):
    bp.main(list(argv))
    return capsys.readouterr().out


def number(pattern, text):
    return float(re.search(pattern, text).group(1))


def test_default_run_matches_the_known_example(tmp_path, capsys):
    out = run(capsys, "--out", str(tmp_path))
    assert "E_total = 0.298371109" in out
    assert "dE/dw5 = 0.741365070 · 0.186815602 · 0.593269992 = 0.082167041" in out
    assert "dE/dw1 = 0.036350306 · 0.241300709 · 0.050000000 = 0.000438568" in out
    assert "w5: 0.400000000 - 0.5 · 0.082167041 = 0.358916480" in out
    assert len(re.findall(r"^iteration: \d+, E_total: ", out, re.M)) == 10
    assert number(r"iteration: 10000, E_total: ([\d.]+)", out) == pytest.approx(3.51e-5, rel=0.01)
    # Part 1: one gradient step lowers the single neuron's cost.
    after, before = re.search(r"^J = ([\d.]+) \(was ([\d.]+)\)", out, re.M).groups()
    assert float(after) < float(before)
    image = matplotlib.image.imread(tmp_path / FIGURE)
    assert image.std() > 0


def test_no_bias_variant(tmp_path, capsys):
    out = run(capsys, "--out", str(tmp_path), "--no-bias", "--iterations", "2000")
    assert "biases: hidden b1 = 0, output b2 = 0" in out
    # Without biases z_h1 = 0.15·0.05 + 0.20·0.10.
    assert "z_h1 = w1·i1 + w2·i2 + b1 = 0.027500000" in out
    expected = bp.total_error(X, T, bp.WEIGHTS, [0, 0])
    assert number(r"E_total = ([\d.]+)\n", out) == pytest.approx(expected, abs=1e-9)
    assert number(r"iteration: 2000, E_total: ([\d.]+)", out) < expected / 10
    assert matplotlib.image.imread(tmp_path / FIGURE).std() > 0


def test_same_run_same_output(tmp_path, capsys):
    argv = ["--out", str(tmp_path), "--iterations", "500", "--print-every", "100"]
    assert run(capsys, *argv) == run(capsys, *argv)


def test_no_seed_flag_since_nothing_is_random(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        bp.main(["--out", str(tmp_path), "--seed", "3"])
    assert exit_.value.code == 2 and "unrecognized arguments: --seed 3" in capsys.readouterr().err


def test_flags_change_the_example(tmp_path, capsys):
    out = run(capsys, "--out", str(tmp_path), "--inputs", "1", "0", "--targets", "0.5", "0.5",
              "--weights", "1", "0", "0", "1", "0", "0", "0", "0", "--biases", "0", "0",
              "--lr", "0.1", "--iterations", "10", "--print-every", "5",
              "--neuron-x", "1", "1", "1", "--neuron-w", "0", "0", "0", "--neuron-b", "0", "--neuron-y", "0.5")
    assert "z_h1 = w1·i1 + w2·i2 + b1 = 1.000000000" in out
    assert "E_total = 0.000000000" in out  # zero output weights give o = 0.5, the targets
    assert "a = sigmoid(z)    = 0.500000000" in out
    assert "iteration: 5, E_total" in out and "iteration: 10, E_total" in out
    with pytest.raises(SystemExit):
        bp.main(["--out", str(tmp_path), "--weights", "1", "2", "3"])


# ---- Gradients: the hand-written chain rule against PyTorch autograd and finite differences ----

def torch_neuron_grads(x, w, b, y):
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    a = torch.sigmoid(w @ torch.tensor(x, dtype=torch.float64) + b)
    (0.5 * (a - y) ** 2).backward()
    return w.grad.numpy(), b.grad.item()


def torch_network_grads(x, t, weights, biases):
    weights = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
    x, t = torch.tensor(x, dtype=torch.float64), torch.tensor(t, dtype=torch.float64)
    h = torch.sigmoid(weights[:4].reshape(2, 2) @ x + biases[0])
    o = torch.sigmoid(weights[4:].reshape(2, 2) @ h + biases[1])
    (0.5 * (t - o) ** 2).sum().backward()
    return weights.grad.numpy()


def central_difference(f, params, eps=1e-6):
    params = np.array(params, dtype=float)
    grad = np.zeros_like(params)
    for i in range(len(params)):
        step = np.zeros_like(params)
        step[i] = eps
        grad[i] = (f(params + step) - f(params - step)) / (2 * eps)
    return grad


def neuron_cases():
    rng = np.random.default_rng(1)
    yield [0.5, -1.0, 2.0], [0.2, -0.3, 0.1], 0.1, 1.0
    for _ in range(3):
        yield rng.normal(size=3).tolist(), rng.normal(size=3).tolist(), rng.normal(), rng.uniform()


def network_cases():
    rng = np.random.default_rng(2)
    yield X, T, bp.WEIGHTS, [0.35, 0.60]
    yield X, T, bp.WEIGHTS, [0.0, 0.0]
    for _ in range(3):
        yield rng.uniform(size=2), rng.uniform(size=2), rng.normal(size=8), rng.normal(size=2)


@pytest.mark.parametrize("x, w, b, y", list(neuron_cases()))
def test_neuron_gradients(x, w, b, y):
    g = bp.neuron_backward(np.array(x), np.array(w), b, y)
    torch_w, torch_b = torch_neuron_grads(x, w, b, y)
    np.testing.assert_allclose(g["dJ_dw"], torch_w, rtol=1e-10, atol=1e-14)
    assert g["dJ_db"] == pytest.approx(torch_b, rel=1e-10, abs=1e-14)
    numeric = central_difference(lambda p: bp.neuron_forward(np.array(x), p[:3], p[3], y)[2], [*w, b])
    np.testing.assert_allclose([*g["dJ_dw"], g["dJ_db"]], numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("x, t, weights, biases", list(network_cases()))
def test_network_gradients_all_eight_weights(x, t, weights, biases):
    grad = bp.network_backward(x, t, weights, biases)["grad"]
    np.testing.assert_allclose(grad, torch_network_grads(x, t, weights, biases), rtol=1e-10, atol=1e-14)
    numeric = central_difference(lambda w: bp.total_error(x, t, w, biases), weights)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-10)


def test_runs_from_inside_the_chapter_folder(tmp_path):
    folder = Path(bp.__file__).parent
    result = subprocess.run([sys.executable, "backprop_manual.py", "--out", str(tmp_path), "--iterations", "100",
                             "--log", str(tmp_path / "run.log")],
                            cwd=folder, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "E_total = 0.298371109" in result.stdout
    assert "iteration: 100, E_total" in (tmp_path / "run.log").read_text(encoding="utf-8")
    assert (tmp_path / FIGURE).exists()
