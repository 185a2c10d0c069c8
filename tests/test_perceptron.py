import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest


import perceptron
from dlbook import sections
from dlbook.diagrams import overlapping_texts, texts

# In the book's order, as the script writes them.
FIGURES = ["fig6-22_linear_neuron.png", "fig6-23_mp_neuron.png", "fig6-24_perceptron.png",
           "fig6-25_multilayer_network.png", "fig6-26_xor.png", "perceptron_gates.png", "fig6-27_xor_network.png",
           "xor_hidden_space.png", "fig6-28_relu.png"]
DIAGRAMS = FIGURES[:4] + ["fig6-27_xor_network.png"]


def run(capsys, *argv):
    perceptron.main(list(argv))
    return capsys.readouterr().out


def test_default_run_prints_the_book_results_and_writes_figures(tmp_path, capsys):
    out = run(capsys, "--out", str(tmp_path))
    assert "Device: cpu (NumPy)" in out
    for gate in ("AND", "OR", "NAND"):
        assert f"{gate:4s}: converged after" in out
    assert "XOR : did not converge in 100 epochs" in out
    assert "no straight line separates XOR" in out
    # Table 6-2 and the hand-set network's matrices, step by step.
    assert "   1   1 | 0" in out
    assert "XW + c =\n    [  0  -1]\n    [  1   0]\n    [  1   0]\n    [  2   1]" in out
    assert "H = max{0, XW + c} =\n    [  0   0]\n    [  1   0]\n    [  1   0]\n    [  2   1]" in out
    assert "output = Hw + b = [0, 1, 1, 0]" in out
    assert re.findall(r"^Figure: .*[/\\](\S+)$", out, re.M) == FIGURES
    assert [f.file for f in sections.of_script("ch06_feedforward/perceptron.py").figures] == FIGURES
    for name in FIGURES:
        image = matplotlib.image.imread(tmp_path / name)
        assert image.std() > 0, f"{name} is blank"


def test_perceptron_learns_the_separable_gates_and_not_xor():
    rng = np.random.default_rng(0)
    for gate in ("AND", "OR", "NAND"):
        w, b, epochs, converged = perceptron.train_perceptron(perceptron.X, perceptron.GATES[gate], rng)
        assert converged and epochs < 100
        assert perceptron.step(perceptron.X @ w + b).tolist() == perceptron.GATES[gate].tolist()
    w, b, epochs, converged = perceptron.train_perceptron(perceptron.X, perceptron.GATES["XOR"], rng, max_epochs=500)
    assert not converged and epochs == 500
    assert perceptron.step(perceptron.X @ w + b).tolist() != perceptron.GATES["XOR"].tolist()


def test_hand_set_network_computes_xor():
    xw, xw_c, hidden, output = perceptron.xor_network(perceptron.X)
    assert xw.tolist() == [[0, 0], [1, 1], [1, 1], [2, 2]]
    assert hidden.tolist() == [[0, 0], [1, 0], [1, 0], [2, 1]]
    assert output.tolist() == [0, 1, 1, 0]


def test_mp_neuron_and_relu():
    z, y = perceptron.mp_neuron(np.array([1, 0, 1]), np.array([0.5, -0.4, 0.3]), -0.6)
    assert z == pytest.approx(0.2) and y == 1
    assert perceptron.step([-1.0, 0.0, 2.0]).tolist() == [0, 0, 1]
    assert perceptron.relu(np.array([-2.0, 0.0, 3.0])).tolist() == [0, 0, 3]


@pytest.mark.slow
def test_same_seed_same_output_other_seed_other_weights(tmp_path, capsys):
    first = run(capsys, "--out", str(tmp_path), "--seed", "7")
    second = run(capsys, "--out", str(tmp_path), "--seed", "7")
    other = run(capsys, "--out", str(tmp_path), "--seed", "8")
    assert first == second
    assert first != other


def test_max_epochs_and_device_flags(tmp_path, capsys):
    out = run(capsys, "--out", str(tmp_path), "--max-epochs", "3", "--device", "cuda")
    assert "XOR : did not converge in 3 epochs" in out
    assert "--device cuda ignored" in out and "Device: cpu (NumPy)" in out
    with pytest.raises(SystemExit):
        perceptron.main(["--out", str(tmp_path), "--max-epochs", "0"])


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_runs_from_inside_the_chapter_folder(tmp_path):
    folder = Path(perceptron.__file__).parent
    result = subprocess.run([sys.executable, "perceptron.py", "--out", str(tmp_path), "--max-epochs", "5"],
                            cwd=folder, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "output = Hw + b = [0, 1, 1, 0]" in result.stdout
    assert (tmp_path / "fig6-26_xor.png").exists()


# ---- The diagrams (Figs 6-22 ... 6-27): drawn from the run's numbers ----

def table(shown):
    """Fig 6-27's table of x1 x2 | h1 h2 | y, read back as numbers."""
    text = next(t for t in shown if t.startswith(" x1 x2 |   h1   h2 |    y"))
    return [[float(v) for v in line.replace("|", " ").split()] for line in text.splitlines()[1:]]


def test_the_default_runs_diagrams_show_the_numbers_it_prints(tmp_path, capsys, monkeypatch):
    drawn = {}

    def keep(fig, out, name):
        if name in DIAGRAMS:
            drawn[name] = texts(fig), overlapping_texts(fig)
        return save_figure(fig, out, name)

    save_figure = perceptron.save_figure
    monkeypatch.setattr(perceptron, "save_figure", keep)
    out = run(capsys, "--out", str(tmp_path))
    assert sorted(drawn) == sorted(DIAGRAMS)
    for name, (shown, overlaps) in drawn.items():
        assert overlaps == [], name
        assert not re.search(r"[\u4e00-\u9fff]", "".join(shown)), name
    learned = {m[0]: m[1:] for m in re.findall(r"^(\w+) *: converged after .*: w = \[(\S+), (\S+)\], b = (\S+),", out, re.M)}
    assert sorted(learned) == ["AND", "NAND", "OR"]
    # Fig 6-22: the AND weights the run printed.
    w1, w2, b = learned["AND"]
    shown = drawn["fig6-22_linear_neuron.png"][0]
    assert {f"$w_1$ = {w1}", f"$w_2$ = {w2}", f"b = {b}", "Σ"} <= set(shown)
    # Fig 6-23: the MP example as printed ("x = [1, 0, 1], w = [0.5, -0.4, 0.3], b = -0.6", z = 0.2, y = 1).
    assert "x = [1, 0, 1], w = [0.5, -0.4, 0.3], b = -0.6" in out
    shown = drawn["fig6-23_mp_neuron.png"][0]
    assert {"$x_1$ = 1", "$x_2$ = 0", "$x_3$ = 1", "$w_1$ = 0.5", "$w_2$ = -0.4", "$w_3$ = 0.3", "b = -0.6",
            "z = 0.2", "y = f(z) = 1", "f"} <= set(shown)
    # Fig 6-24: every converged gate's weights on its edges, XOR left out.
    shown = drawn["fig6-24_perceptron.png"][0]
    for i, gate in enumerate(["AND", "OR", "NAND"]):
        w1, w2, b = learned[gate]
        assert {w1, w2, f"$y_{i + 1}$ ({gate}), b = {b}"} <= set(shown)
    assert {"input layer\n(passes x on)", "output layer\n(computes f(z))",
            "not drawn (did not converge): XOR"} <= set(shown)
    # Fig 6-25: the 2-2-1 XOR network's layers.
    shown = drawn["fig6-25_multilayer_network.png"][0]
    assert {"$x_1$", "$x_2$", "$h_1$", "$h_2$", "$o_1$", "$W^{(1)}$", "$W^{(2)}$",
            "input X\n2 units", "hidden H\n2 units", "output O\n1 unit"} <= set(shown)
    assert not {"$x_3$", "$h_3$", "$o_2$"} & set(shown)
    # Fig 6-27: the book's weights and, in its table, H and the output the run printed.
    shown = drawn["fig6-27_xor_network.png"][0]
    assert {"$W_{11}$ = 1", "$W_{12}$ = 1", "$W_{21}$ = 1", "$W_{22}$ = 1", "$c_1$ = 0", "$c_2$ = -1",
            "$w_1$ = 1", "$w_2$ = -2", "b = 0"} <= set(shown)
    assert table(shown) == [[0, 0, 0, 0, 0], [0, 1, 1, 0, 1], [1, 0, 1, 0, 1], [1, 1, 2, 1, 0]]


def test_fig_6_22_shows_the_weights_it_is_given():
    fig = perceptron.draw_linear_neuron(np.array([0.5, 0.25]), -0.6)
    shown = texts(fig)
    assert {"$w_1$ = 0.50", "$w_2$ = 0.25", "b = -0.60"} <= set(shown)
    assert "z = w·x + b = 0.50 $x_1$ + 0.25 $x_2$ - 0.60" in shown
    assert any("-0.60, -0.35, -0.10, 0.15" in t for t in shown)  # z at the four inputs, worked by hand
    assert overlapping_texts(fig) == []


def test_fig_6_23_shows_the_neuron_it_is_given():
    # z = 0.2·1 + 0.7·1 - 1.5·0 - 1 = -0.1, so the step gives y = 0.
    fig = perceptron.draw_mp_neuron(np.array([1, 1, 0]), np.array([0.2, 0.7, -1.5]), -1.0)
    shown = texts(fig)
    assert {"$x_2$ = 1", "$x_3$ = 0", "$w_2$ = 0.7", "$w_3$ = -1.5", "b = -1", "z = -0.1", "y = f(z) = 0"} <= set(shown)
    assert overlapping_texts(fig) == []


def test_fig_6_24_draws_only_the_gates_that_converged():
    results = {"AND": (np.array([0.11, 0.22]), -0.33, 3, True), "OR": (np.array([0.44, 0.55]), -0.05, 2, True),
               "NAND": (np.array([-0.66, -0.77]), 0.88, 100, False), "XOR": (np.array([0.1, -0.1]), 0.0, 100, False)}
    fig = perceptron.draw_perceptron(results)
    shown = texts(fig)
    assert {"0.11", "0.22", "0.44", "0.55", "$y_1$ (AND), b = -0.33", "$y_2$ (OR), b = -0.05",
            "not drawn (did not converge): NAND, XOR"} <= set(shown)
    assert not any("-0.66" in t or "0.88" in t or "$y_3$" in t for t in shown)
    assert overlapping_texts(fig) == []


def test_fig_6_25_reads_its_layer_sizes_from_the_arrays():
    fig = perceptron.draw_multilayer_network(np.zeros((3, 4)), np.zeros(4), np.zeros((4, 2)))
    shown = texts(fig)
    assert {"$x_3$", "$h_4$", "$o_2$", "input X\n3 units", "hidden H\n4 units", "output O\n2 units"} <= set(shown)
    assert not {"$x_4$", "$h_5$", "$o_3$"} & set(shown)
    assert overlapping_texts(fig) == []


def test_fig_6_27_shows_the_weights_it_is_given_and_the_hidden_values_they_give():
    fig = perceptron.draw_xor_network(np.array([[2, -1], [0.5, 3]]), np.array([1, -2]), np.array([-1, 4]), 0.5)
    shown = texts(fig)
    assert {"$W_{11}$ = 2", "$W_{12}$ = -1", "$W_{21}$ = 0.5", "$W_{22}$ = 3", "$c_1$ = 1", "$c_2$ = -2",
            "$w_1$ = -1", "$w_2$ = 4", "b = 0.5"} <= set(shown)
    # Worked by hand: H = max{0, XW + c}, y = Hw + b for x = (0,0), (0,1), (1,0), (1,1).
    assert table(shown) == [[0, 0, 1, 0, -0.5], [0, 1, 1.5, 1, 3], [1, 0, 3, 0, -2.5], [1, 1, 3.5, 0, -3]]
    assert overlapping_texts(fig) == []
