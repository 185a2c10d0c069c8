import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest


import perceptron

FIGURES = ["fig6-26_xor.png", "perceptron_gates.png", "xor_hidden_space.png", "fig6-28_relu.png"]


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
    for name in FIGURES:
        assert f"Figure: {tmp_path / name}" in out
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


def test_runs_from_inside_the_chapter_folder(tmp_path):
    folder = Path(perceptron.__file__).parent
    result = subprocess.run([sys.executable, "perceptron.py", "--out", str(tmp_path), "--max-epochs", "5"],
                            cwd=folder, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "output = Hw + b = [0, 1, 1, 0]" in result.stdout
    assert (tmp_path / "fig6-26_xor.png").exists()
