"""ch08_generative/vae.py: the loss terms, smoke runs on synthetic data, resume, and a real-data run."""
import math
import re
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ch08_generative"))
import vae  # noqa: E402

from dlbook import data  # noqa: E402
from dlbook.figures import plt  # noqa: E402

BOOK_LINE = re.compile(r"Epoch\[\d+/\d+\], Step \[\d+/\d+\], Reconst Loss: \d+\.\d{4}, KL Div: \d+\.\d{4}")


def not_blank(path):
    return plt.imread(path).std() > 0.01


def test_kl_matches_closed_form_and_monte_carlo():
    torch.manual_seed(0)
    mu, log_var = torch.randn(3, 4, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    _, kl = vae.vae_losses(torch.zeros(3, 1), torch.zeros(3, 1), mu, log_var)
    var = log_var.exp()
    closed = 0.5 * (var + mu**2 - 1 - log_var).sum()  # KL(N(mu, var) || N(0, 1)), summed
    assert kl.item() == pytest.approx(closed.item(), rel=1e-12)
    q = torch.distributions.Normal(mu, (log_var / 2).exp())
    z = q.sample((200_000,))
    p = torch.distributions.Normal(0.0, 1.0)
    monte_carlo = (q.log_prob(z) - p.log_prob(z)).sum(dim=(1, 2)).mean()
    assert kl.item() == pytest.approx(monte_carlo.item(), rel=0.02)


def test_bce_from_logits_equals_bce_on_the_sigmoid_output():
    torch.manual_seed(0)
    logits, x = torch.randn(5, 784), torch.rand(5, 784)
    reconst, _ = vae.vae_losses(logits, x, torch.zeros(5, 2), torch.zeros(5, 2))
    expected = F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="sum")
    assert reconst.item() == pytest.approx(expected.item(), rel=1e-5)


def run(capsys, *argv):
    result = vae.main(["--device", "cpu", *map(str, argv)])
    return capsys.readouterr().out, result


@pytest.fixture
def small(synthetic_idx, tmp_path, monkeypatch):
    """Synthetic data (256 train images: 8 steps of 32) and a line printed every 2 steps."""
    monkeypatch.setattr(vae, "PRINT_EVERY", 2)
    root = synthetic_idx("mnist", n_train=256, n_test=64)
    return ["--data-dir", root, "--batch-size", 32, "--out", tmp_path / "out"]


def test_smoke_run_prints_book_lines_and_writes_everything(capsys, small, tmp_path):
    out, result = run(capsys, *small, "--epochs", 2, "--log", tmp_path / "run.log")
    lines = [line for line in out.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 8 and all(BOOK_LINE.fullmatch(line) for line in lines)
    assert lines[0].startswith("Epoch[1/2], Step [2/8]") and lines[-1].startswith("Epoch[2/2], Step [8/8]")
    assert re.search(r"Per-image loss \(nats, one z sample\): train \d+\.\d", out)
    assert (tmp_path / "run.log").read_text().splitlines()[:8] == lines
    out_dir = tmp_path / "out"
    for name in ["fig8-4_vae_reconstruction.png", "fig8-5_vae_samples.png", "vae_loss_curves.png",
                 "vae_samples/sampled-1.png", "vae_samples/reconst-2.png"]:
        assert not_blank(out_dir / name), name
    assert result["history"].shape == (16, 2)


def test_same_seed_same_lines(capsys, small):
    first, _ = run(capsys, *small, "--max-steps", 6)
    second, _ = run(capsys, *small, "--max-steps", 6)
    other, _ = run(capsys, *small, "--max-steps", 6, "--seed", 1)
    assert first == second and first != other


def test_weights_are_saved_and_load_back(capsys, small, tmp_path):
    run(capsys, *small, "--epochs", 1, "--z-dim", 2)
    path = vae.weights_path(tmp_path / "out", 2)
    model = vae.load_vae(path, torch.device("cpu"))
    state = torch.load(path, weights_only=False)
    assert state["epoch"] == 1 and model.fc2.out_features == 2
    assert torch.equal(model.fc1.weight, state["model"]["fc1.weight"])


def test_resume_prints_what_an_uninterrupted_run_prints(capsys, small):
    whole, _ = run(capsys, *small, "--epochs", 3)
    run(capsys, *small, "--epochs", 3, "--max-steps", 8)  # stops after epoch 1, as if interrupted
    resumed, _ = run(capsys, *small, "--epochs", 3, "--resume")
    epochs_2_3 = [line for line in whole.splitlines() if line.startswith(("Epoch[2", "Epoch[3", "Per-image"))]
    assert [line for line in resumed.splitlines() if line.startswith(("Epoch", "Per-image"))] == epochs_2_3


def test_resume_refuses_a_checkpoint_from_other_settings(capsys, small):
    run(capsys, *small, "--max-steps", 8)
    with pytest.raises(SystemExit) as exit_:
        run(capsys, *small, "--resume", "--seed", 5)
    assert exit_.value.code == 2 and "--seed" in capsys.readouterr().err


def test_a_diverging_run_stops_at_the_step_with_status_1(capsys, small):
    with pytest.raises(SystemExit) as exit_:
        run(capsys, *small, "--lr", 1e4)
    assert exit_.value.code == 1
    assert re.search(r"NaN or infinite at epoch 1, step \d+", capsys.readouterr().err)


FASHION = data.DATASETS["fashion-mnist"]["system_dirs"][0]


@pytest.mark.skipif(not FASHION.exists(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_smoke(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(vae, "PRINT_EVERY", 10)
    out, result = run(capsys, "--dataset", "fashion-mnist", "--max-steps", 20, "--out", tmp_path)
    assert "Epoch[1/30], Step [20/469]" in out
    assert math.isfinite(result["test_nats"][0]) and result["test_nats"][0] < 550  # 784·ln 2 ≈ 543 at random
