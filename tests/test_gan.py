"""ch08_generative/gan.py: smoke runs on synthetic data, health checks, resume, and a real-data run."""
import re
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ch08_generative"))
import gan  # noqa: E402

from dlbook import data  # noqa: E402
from dlbook.figures import plt  # noqa: E402

BOOK_LINE = re.compile(r"Epoch \[\d+/\d+\], Step \[\d+/\d+\], d_loss: \d+\.\d{4}, g_loss: \d+\.\d{4}, "
                       r"D\(x\): \d\.\d\d, D\(G\(z\)\): \d\.\d\d")


def run(capsys, *argv):
    result = gan.main(["--device", "cpu", *map(str, argv)])
    return capsys.readouterr().out, result


@pytest.fixture
def small(synthetic_idx, tmp_path, monkeypatch):
    """Synthetic data (200 train images: 4 steps of 50) and a line printed every 2 steps."""
    monkeypatch.setattr(gan, "PRINT_EVERY", 2)
    root = synthetic_idx("mnist", n_train=200, n_test=20)
    return ["--data-dir", root, "--batch-size", 50, "--out", tmp_path / "out"]


def test_smoke_run_prints_book_lines_and_writes_everything(capsys, small, tmp_path):
    out, result = run(capsys, *small, "--epochs", 2)
    lines = [line for line in out.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 4 and all(BOOK_LINE.fullmatch(line) for line in lines)
    assert lines[0].startswith("Epoch [0/2], Step [2/4]")  # 0-based epochs, as the book prints them
    out_dir = tmp_path / "out"
    for name in ["fig8-7_gan_samples.png", "gan_training_curves.png", "gan_samples/real_images.png",
                 "gan_samples/fake_images-1.png", "gan_samples/fake_images-2.png", "gan_samples/fixed_noise-2.png"]:
        assert plt.imread(out_dir / name).std() > 0.01, name
    G = gan.generator()
    G.load_state_dict(torch.load(out_dir / "weights" / "G.ckpt"))
    assert G(torch.zeros(1, gan.LATENT_SIZE)).shape == (1, 784)
    assert result["history"].shape == (8, 4)


def test_same_seed_same_lines(capsys, small):
    first, _ = run(capsys, *small, "--epochs", 1)
    second, _ = run(capsys, *small, "--epochs", 1)
    assert first == second


def test_resume_prints_what_an_uninterrupted_run_prints(capsys, small):
    whole, _ = run(capsys, *small, "--epochs", 3)
    run(capsys, *small, "--epochs", 3, "--max-steps", 4)
    resumed, _ = run(capsys, *small, "--epochs", 3, "--resume")
    later = [line for line in whole.splitlines() if line.startswith(("Epoch [1", "Epoch [2"))]
    assert [line for line in resumed.splitlines() if line.startswith("Epoch")] == later


def test_a_nan_loss_stops_the_run_with_status_1(capsys, small, monkeypatch):
    real_step = gan.train_step

    def step_then_nan(*args):
        row = real_step(*args)
        return row * float("nan") if step_then_nan.calls == 2 else row

    def counting(*args):
        step_then_nan.calls += 1
        return step_then_nan(*args)

    step_then_nan.calls = 0
    monkeypatch.setattr(gan, "train_step", counting)
    with pytest.raises(SystemExit) as exit_:
        run(capsys, *small, "--epochs", 1)
    assert exit_.value.code == 1
    assert "NaN or infinite at epoch 0, step 2" in capsys.readouterr().err


def test_a_collapsed_discriminator_is_reported(capsys):
    healthy = torch.tensor([[0.1, 4.0, 0.999, 0.02]] * 5)
    gan.stop_if_collapsed(healthy, 3)  # D(G(z)) above 0.01: the generator still gets a signal
    collapsed = torch.tensor([[0.01, 9.0, 0.999, 0.001]] * 5)
    with pytest.raises(SystemExit) as exit_:
        gan.stop_if_collapsed(collapsed, 3)
    assert exit_.value.code == 1 and "collapsed in epoch 3" in capsys.readouterr().err


FASHION = data.DATASETS["fashion-mnist"]["system_dirs"][0]


@pytest.mark.skipif(not FASHION.exists(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_smoke(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(gan, "PRINT_EVERY", 10)
    out, _ = run(capsys, "--dataset", "fashion-mnist", "--max-steps", 20, "--out", tmp_path)
    assert re.search(r"^Epoch \[0/200\], Step \[20/600\], d_loss: ", out, re.M)
