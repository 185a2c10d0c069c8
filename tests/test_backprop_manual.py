import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import torch


import backprop_manual as bp
from dlbook.diagrams import overlapping_texts, texts
from dlbook.figures import plt, save_figure

FIGURE = "backprop_error.png"
X, T = np.array([0.05, 0.10]), np.array([0.01, 0.99])


def run(capsys, *argv):
    bp.main(list(argv))
    return capsys.readouterr().out


@pytest.fixture
def diagrams_unsaved(monkeypatch):
    """Draw Figs 6-29..6-35 but write no PNG of them (0.6 s each): for the tests of the printout, which
    the fast loop runs; the diagrams' own tests below read their texts, and the slow ones write them."""
    def save(fig, out, name):
        if name.startswith("fig6-"):
            plt.close(fig)
            return Path(out) / name
        return save_figure(fig, out, name)

    monkeypatch.setattr(bp, "save_figure", save)


def number(pattern, text):
    return float(re.search(pattern, text).group(1))


def test_default_run_matches_the_known_example(tmp_path, capsys, diagrams_unsaved):
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


def test_no_bias_variant(tmp_path, capsys, diagrams_unsaved):
    out = run(capsys, "--out", str(tmp_path), "--no-bias", "--iterations", "2000")
    assert "biases: hidden b1 = 0, output b2 = 0" in out
    # Without biases z_h1 = 0.15·0.05 + 0.20·0.10.
    assert "z_h1 = w1·i1 + w2·i2 + b1 = 0.027500000" in out
    expected = bp.total_error(X, T, bp.WEIGHTS, [0, 0])
    assert number(r"E_total = ([\d.]+)\n", out) == pytest.approx(expected, abs=1e-9)
    assert number(r"iteration: 2000, E_total: ([\d.]+)", out) < expected / 10
    assert matplotlib.image.imread(tmp_path / FIGURE).std() > 0


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_same_run_same_output(tmp_path, capsys):
    argv = ["--out", str(tmp_path), "--iterations", "500", "--print-every", "100"]
    assert run(capsys, *argv) == run(capsys, *argv)


def test_no_seed_flag_since_nothing_is_random(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        bp.main(["--out", str(tmp_path), "--seed", "3"])
    assert exit_.value.code == 2 and "unrecognized arguments: --seed 3" in capsys.readouterr().err


def test_flags_change_the_example(tmp_path, capsys, diagrams_unsaved):
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



# ---- Figs 6-29 .. 6-35: drawn from the numbers the run prints ----
DIAGRAMS = ["fig6-29_neuron_unfolded.png", "fig6-30_network.png", "fig6-31_layers.png", "fig6-32_forward_pass.png",
            "fig6-33_backward_pass.png", "fig6-34_backprop_to_w5.png", "fig6-35_backprop_to_w1.png"]


def drawn(monkeypatch, capsys, tmp_path, *argv, write=False):
    """Run the script; return its printout and {file: (the figure's texts joined, its overlapping texts,
    the texts)} as saved."""
    shown = {}

    def record(fig, out, name):
        shown[name] = ("\n".join(texts(fig)), overlapping_texts(fig), texts(fig))
        if write:
            return save_figure(fig, out, name)
        plt.close(fig)  # read, not written (0.6 s each): the published example's test writes them
        return Path(out) / name

    monkeypatch.setattr(bp, "save_figure", record)
    return run(capsys, "--out", str(tmp_path), "--iterations", "10", *argv), shown


def test_diagrams_show_the_published_example(monkeypatch, capsys, tmp_path):
    _, shown = drawn(monkeypatch, capsys, tmp_path, write=True)
    assert list(shown) == DIAGRAMS + [FIGURE]  # in the book's order
    for name in DIAGRAMS[3:]:
        assert "0.298371109" in shown[name][0], name  # E_total
    assert "= 0.082167041" in shown["fig6-34_backprop_to_w5.png"][0]
    assert "= 0.35891648" in shown["fig6-34_backprop_to_w5.png"][0]  # w5 after one step
    assert "= 0.149780716" in shown["fig6-35_backprop_to_w1.png"][0]  # w1 after one step
    assert "$w_5$ = 0.4" in shown["fig6-30_network.png"][0] and "$b_1$ = 0.35" in shown["fig6-30_network.png"][0]
    layers = shown["fig6-31_layers.png"][0]
    assert all(name in layers for name in ("input layer (x)", "hidden layer (h)", "output layer (o)", "= 0.99"))
    for name in DIAGRAMS:
        assert shown[name][1] == [], name
        assert not re.search(r"[\u4e00-\u9fff]", shown[name][0]), name  # English and symbols only
        assert matplotlib.image.imread(tmp_path / name).std() > 0


def printed(pattern, out):
    return re.findall(pattern, out, re.M)


def shows(labels, symbol, value):
    """One text of the figure names `symbol` and shows `value`: the value is where the symbol is."""
    return any(symbol in label and value in label for label in labels)


@pytest.mark.parametrize("flags", [["--weights", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8",
                                    "--neuron-w", "0.5", "0.5", "-0.5", "--neuron-b", "0"],
                                   ["--no-bias"]])
def test_diagrams_show_the_numbers_printed_for_the_flags(monkeypatch, capsys, tmp_path, flags):
    out, shown = drawn(monkeypatch, capsys, tmp_path, *flags)
    text = {name: shown[name][0] for name in DIAGRAMS}
    labels = shown["fig6-29_neuron_unfolded.png"][2]
    for name, symbol in [("z = w·x + b", "$z = w"), ("a = sigmoid(z)", "$a = f(z)$"), ("J = 1/2 (a - y)^2", "$J = "),
                         ("dJ/da", r"\partial J/\partial a"), ("dJ/dz", r"\partial J/\partial z"),
                         ("dJ/db", r"\partial J/\partial b")]:
        assert shows(labels, symbol, printed(rf"^{re.escape(name)} .*= (-?[\d.]+)$", out)[0]), name
    for k, value in enumerate(printed(r"^dJ/dw = .*= \[(.*)\]$", out)[0].split(", ")):
        assert rf"$\partial J/\partial w_{k + 1}$ = {value}" in text["fig6-29_neuron_unfolded.png"]
    weights = printed(r"^w1..w8 = (.*)$", out)[0].split()
    assert all(f"$w_{k + 1}$ = {w}" in text["fig6-30_network.png"] for k, w in enumerate(weights))
    assert ("no biases" in text["fig6-30_network.png"]) == ("--no-bias" in flags)
    forward = printed(r"^z_\w\w = .* = (-?[\d.]+)   \w\w = f\(z_\w\w\) = (-?[\d.]+)$", out)
    errors = printed(r"^E_o1 = (-?[\d.]+), E_o2 = (-?[\d.]+), E_total = (-?[\d.]+)$", out)[0]
    assert len(forward) == 4
    assert all(v in text["fig6-32_forward_pass.png"] for pair in forward for v in (*pair, *errors))
    steps = printed(r"^w(\d): (-?[\d.]+) - [\d.]+ · \(?(-?[\d.]+)\)? = (-?[\d.]+)$", out)
    assert len(steps) == 8 and all(f"= {grad}" in text["fig6-33_backward_pass.png"] for _, _, grad, _ in steps)
    assert all(errors[2] in text[name] for name in DIAGRAMS[3:])
    w5 = printed(r"^(?:dE/do1|do1/dz_o1|dz_o1/dw5|dE/dw5) .* = (-?[\d.]+)$", out) + [steps[4][3]]
    assert len(w5) == 5 and all(f"= {v}" in text["fig6-34_backprop_to_w5.png"] for v in w5), w5
    w1 = printed(r"^(?:dE_o1/dh1|dE_o2/dh1|dE/dh1|dh1/dz_h1|dz_h1/dw1|dE/dw1) .* = (-?[\d.]+)$", out) + [steps[0][3]]
    assert len(w1) == 7 and all(v in text["fig6-35_backprop_to_w1.png"] for v in w1), w1
    parts = printed(r"^dE_o\d/dh1 .* = (-?[\d.]+)$", out)  # the sum's two terms, each in the sum
    assert all(shows(shown["fig6-35_backprop_to_w1.png"][2], r"\partial E_{o1}/\partial h_1 + ", v) for v in parts)
    assert all(shown[name][1] == [] for name in DIAGRAMS)

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


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_runs_from_inside_the_chapter_folder(tmp_path):
    folder = Path(bp.__file__).parent
    result = subprocess.run([sys.executable, "backprop_manual.py", "--out", str(tmp_path), "--iterations", "100",
                             "--log", str(tmp_path / "run.log")],
                            cwd=folder, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "E_total = 0.298371109" in result.stdout
    assert "iteration: 100, E_total" in (tmp_path / "run.log").read_text(encoding="utf-8")
    assert (tmp_path / FIGURE).exists()
