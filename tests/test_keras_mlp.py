"""6.5 Keras MLP: trains on small synthetic IDX data, prints the test loss and accuracy, draws figures."""
import re

import matplotlib.image
import pytest


import keras_mlp
from conftest import error_line, stopped
from dlbook.errors import DeviceError

FIGURES = ["keras_training_curves.png", "keras_predictions.png"]


def run(capsys, *argv):
    keras_mlp.main(["--device", "cpu", *argv])
    return capsys.readouterr().out


@pytest.mark.slow
def test_trains_on_synthetic_mnist_and_prints_test_results(synthetic_idx, tmp_path, capsys):
    data_dir = synthetic_idx("mnist", n_train=256, n_test=64)
    log = tmp_path / "run.txt"
    out = run(capsys, "--data-dir", str(data_dir), "--epochs", "2", "--batch-size", "32",
              "--out", str(tmp_path), "--log", str(log))
    assert "256 train samples" in out and "64 test samples" in out
    assert re.search(r"^Epoch 2/2$", out, re.M)
    assert re.search(r"^Test loss: \d+\.\d{4}$", out, re.M)
    accuracy = float(re.search(r"^Test accuracy: (\d\.\d{4})$", out, re.M).group(1))
    assert accuracy > 0.5  # the blobs sit in one place per class: easy to learn, chance is 0.1
    assert "Test accuracy:" in log.read_text(encoding="utf-8")
    for name in FIGURES:
        assert matplotlib.image.imread(tmp_path / name).std() > 0, name


@pytest.mark.slow
def test_max_train_and_same_seed_same_numbers(synthetic_idx, tmp_path, capsys):
    data_dir = synthetic_idx("fashion-mnist", n_train=200, n_test=40)
    args = ["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--max-train", "100",
            "--epochs", "1", "--batch-size", "25", "--out", str(tmp_path)]
    first = run(capsys, *args)
    assert "100 train samples" in first
    second = run(capsys, *args)

    def results(out):
        return re.findall(r"^Test (?:loss|accuracy): .*$", out, re.M)

    assert len(results(first)) == 2
    assert results(first) == results(second)


def test_missing_data_exits_with_status_2(synthetic_idx, tmp_path, capsys):
    synthetic_idx("mnist", n_train=20, n_test=10)  # only to switch off the system copy and downloads
    status, err = stopped(capsys, keras_mlp.main, "--data-dir", tmp_path / "empty", "--out", tmp_path)
    assert status == 2 and err[0] == error_line("MNIST not found and not downloadable (downloads disabled).")


@pytest.mark.slow
def test_bad_device_exits_with_status_2(tmp_path):
    with pytest.raises(DeviceError) as stop:
        keras_mlp.main(["--device", "cuda:7", "--out", str(tmp_path)])
    assert stop.value.status == 2
