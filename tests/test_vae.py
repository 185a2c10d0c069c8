"""ch08_generative/vae.py: the loss terms, smoke runs on synthetic data, resume, and a real-data run."""
import functools
import math
import re

import pytest
import torch

import vae
from conftest import VAE_LINE, error_line, needs_data, run_main, stopped
from dlbook import book, checkpoints, data
from dlbook.diagrams import overlapping_texts, texts
from dlbook.errors import TrainingError
from dlbook.figures import plt

def not_blank(path):
    return plt.imread(path).std() > 0.01


class Fixed(torch.nn.Module):
    """A stand-in VAE whose encoder returns fixed (mu, log_var): for testing the loss lines."""

    def __init__(self, mu, log_var):
        super().__init__()
        self.mu, self.log_var = mu, log_var

    def forward(self, x):
        return torch.full_like(x, 0.5), self.mu, self.log_var


def test_kl_matches_closed_form_and_monte_carlo():
    torch.manual_seed(0)
    mu, log_var = torch.randn(3, 4, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    x = torch.zeros(3, 784, dtype=torch.float64)
    reconst, kl = vae.per_image_nats(Fixed(mu, log_var), x)
    assert reconst == pytest.approx(784 * math.log(2))  # BCE of 0.5 against 0: ln 2 per pixel
    var = log_var.exp()
    closed = 0.5 * (var + mu**2 - 1 - log_var).sum() / 3  # KL(N(mu, var) || N(0, 1)) per image
    assert kl == pytest.approx(closed.item(), rel=1e-6)
    q = torch.distributions.Normal(mu, (log_var / 2).exp())
    z = q.sample((200_000,))
    p = torch.distributions.Normal(0.0, 1.0)
    monte_carlo = (q.log_prob(z) - p.log_prob(z)).sum(dim=(1, 2)).mean() / 3
    assert kl == pytest.approx(monte_carlo.item(), rel=0.02)


def test_reparameterize_samples_with_the_standard_deviation():
    """The book's code: z = mu + eps * exp(log_var / 2), so log_var = log 4 gives a spread of 2."""
    torch.manual_seed(0)
    mu, log_var = torch.full((100_000, 1), 3.0), torch.full((100_000, 1), math.log(4.0))
    z = vae.VAE().reparameterize(mu, log_var)
    assert z.mean().item() == pytest.approx(3.0, abs=0.03) and z.std().item() == pytest.approx(2.0, rel=0.02)


run = functools.partial(run_main, vae)


@pytest.fixture
def small(small_flags):
    """Synthetic data (256 train images: 8 steps of 32) and a line printed every 2 steps."""
    return small_flags(vae, n_train=256, n_test=64, batch_size=32)


def test_smoke_run_prints_book_lines_and_writes_everything(capsys, small, tmp_path):
    out, result = run(capsys, *small, "--epochs", 2, "--log", tmp_path / "run.log")
    lines = [line for line in out.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 8 and all(VAE_LINE.fullmatch(line) for line in lines)
    assert lines[0].startswith("Epoch[1/2], Step [2/8]") and lines[-1].startswith("Epoch[2/2], Step [8/8]")
    assert re.search(r"Per-image loss \(nats, one z sample\): train \d+\.\d", out)
    assert (tmp_path / "run.log").read_text(encoding="utf-8").splitlines() == out.splitlines()  # every line
    out_dir = tmp_path / "out"
    for name in ["fig8-2_vae_architecture.png", "fig8-3_vae_network.png", "fig8-4_vae_reconstruction.png",
                 "fig8-5_vae_samples.png", "vae_loss_curves.png", "vae_samples/sampled-1.png",
                 "vae_samples/reconst-2.png"]:
        assert not_blank(out_dir / name), name
    assert result["history"].shape == (16, 2)


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_same_seed_same_lines(capsys, small):
    first, _ = run(capsys, *small, "--max-steps", 6)
    second, _ = run(capsys, *small, "--max-steps", 6)
    other, _ = run(capsys, *small, "--max-steps", 6, "--seed", 1)
    assert first == second and first != other


def test_weights_are_saved_and_load_back(capsys, small, tmp_path):
    run(capsys, *small, "--epochs", 1, "--z-dim", 2)
    for name in ["fig8-2_vae_architecture_z2.png", "fig8-3_vae_network_z2.png"]:  # the 2-D VAE's own diagrams
        assert not_blank(tmp_path / "out" / name), name
    path = vae.weights_path(tmp_path / "out", 2)
    model = vae.load_vae(checkpoints.load_checkpoint(path), torch.device("cpu"))
    state = torch.load(path, weights_only=True)
    assert state["epoch"] == 1 and model.fc2.out_features == 2
    assert torch.equal(model.fc1.weight, state["model"]["fc1.weight"])


@pytest.mark.slow
def test_resume_prints_what_an_uninterrupted_run_prints(capsys, small):
    """The resumed run prints the saved epochs' lines again, then the rest: its whole printout, and so
    its verdict, is the uninterrupted run's."""
    whole, _ = run(capsys, *small, "--epochs", 3)
    run(capsys, *small, "--epochs", 3, "--max-steps", 8)  # stops after epoch 1, as if interrupted
    resumed, _ = run(capsys, *small, "--epochs", 3, "--resume")
    book_lines = ("Epoch", "Per-image", "Book check")
    assert [line for line in resumed.splitlines() if line.startswith(book_lines)] == \
        [line for line in whole.splitlines() if line.startswith(book_lines)]
    assert "Resuming after epoch 1 from " in resumed


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_max_steps_counts_the_steps_before_a_resume(capsys, small):
    """--max-steps is the run's total: a resumed run goes on from the saved epochs' steps, not from 0."""
    steps = 8  # 256 images in batches of 32
    run(capsys, *small, "--epochs", 3, "--max-steps", steps + 2)  # epoch 1 saved, 2 steps of epoch 2 lost
    _, result = run(capsys, *small, "--epochs", 3, "--max-steps", steps + 2, "--resume")
    assert len(result["history"]) == steps + 2  # epoch 1's steps, then 2 more


def test_resume_refuses_a_checkpoint_from_other_settings(capsys, small):
    run(capsys, *small, "--max-steps", 8)
    status, err = stopped(capsys, vae.main, "--device", "cpu", *small, "--resume", "--seed", 5)
    assert status == 2 and len(err) == 1 and err[0].startswith(error_line("--resume: ")) and "--seed 0, not 5" in err[0]


def test_a_diverging_run_stops_at_the_step_with_status_1(capsys, small):
    with pytest.raises(TrainingError, match=r"NaN or infinite at epoch 1, step \d+") as stop:
        run(capsys, *small, "--lr", 1e4)
    assert stop.value.status == 1


@pytest.mark.slow
@needs_data("fashion-mnist")
def test_real_fashion_mnist_smoke(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(vae, "print_every", 10)
    out, result = run(capsys, "--dataset", "fashion-mnist", "--max-steps", 20, "--out", tmp_path)
    assert "Epoch[1/30], Step [20/469]" in out
    assert math.isfinite(result["test_nats"][0]) and result["test_nats"][0] < 550  # 784·ln 2 ≈ 543 at random


def test_a_short_seeded_run_prints_these_numbers(capsys, small):
    """The loss values themselves, not only their format: any change to the data, model, loss or
    optimiser lines changes them (and a real change of numbers must update this test on purpose)."""
    out, _ = run(capsys, *small, "--max-steps", 4)
    records, _ = book.parse("vae", out)
    # (epoch, step, Reconst Loss, KL Div) as printed on the CPU; other BLAS builds differ in the last digits
    values = [v for record in records for v in record]
    assert values == pytest.approx([1, 2, 16829.4961, 5.4089, 1, 4, 15363.1592, 16.8950], rel=1e-4)


def test_the_book_prints_every_100_steps(capsys, synthetic_idx, tmp_path):
    assert vae.print_every == 100
    root = synthetic_idx("mnist", n_train=1600, n_test=16)
    out, _ = run(capsys, "--data-dir", root, "--batch-size", 8, "--max-steps", 200, "--out", tmp_path)
    steps = re.findall(r"^Epoch\[1/30\], Step \[(\d+)/200\]", out, re.M)
    assert steps == ["100", "200"]


def test_figures_show_what_they_claim(capsys, small, tmp_path, monkeypatch):
    """Fig 8-4's odd columns are the first test images; the loss curves plot the run's history."""
    drawn = {}
    real_save = vae.save_figure

    def keep(fig, out, name):
        drawn[name] = [line.get_ydata().copy() for line in fig.axes[0].lines]
        return real_save(fig, out, name)

    monkeypatch.setattr(vae, "save_figure", keep)
    _, result = run(capsys, *small, "--epochs", 1)
    grid = plt.imread(tmp_path / "out" / "fig8-4_vae_reconstruction.png")[..., 0]
    x_test, _ = data.load("mnist", "test", tmp_path / "synthetic-data")
    first = grid[2:30, 2:30]  # save_image pads each 28x56 tile with 2 pixels
    assert abs(first - x_test[0] / 255).max() < 0.01
    reconstruction = grid[2:30, 30:58]
    assert 0 < abs(reconstruction - x_test[0] / 255).mean() < 0.3  # a reconstruction, not a copy
    per_batch = result["history"][:, 0] / 32
    assert drawn["vae_loss_curves.png"][0] == pytest.approx(per_batch.numpy(), rel=1e-6)


def test_figs_8_2_and_8_3_show_the_books_network():
    """SPEC: 784 -> fc1 400 ReLU -> fc2 / fc3 20 (mu, log_var) -> z 20 -> fc4 400 ReLU -> fc5 784 Sigmoid."""
    model = vae.VAE()
    shown = texts(vae.network_diagram(model))
    for layer in ["fc1\n784 → 400\nReLU", "fc2: mu\n400 → 20", "fc3: log_var\n400 → 20", "$z$\n20",
                  "fc4\n20 → 400\nReLU", "fc5\n400 → 784\nSigmoid", "$x$\n784"]:
        assert layer in shown, layer
    shown = texts(vae.architecture_diagram(model))
    assert "$X$\n784" in shown and "$\\mu$ (mu)\n20-D" in shown and "$\\log\\sigma^2$ (log_var)\n20-D" in shown
    assert any(text.startswith("(2) $\\epsilon \\sim N(0, I)$") for text in shown)


def test_figs_8_2_and_8_3_read_every_size_from_the_model():
    model = vae.VAE(image_size=50, h_dim=32, z_dim=3)
    for draw in (vae.architecture_diagram, vae.network_diagram):
        fig = draw(model)
        shown = "\n".join(texts(fig))
        assert "400" not in shown and "784" not in shown and "20" not in shown, draw.__name__
        assert overlapping_texts(fig) == [], draw.__name__
    shown = texts(vae.network_diagram(model))
    for layer in ["fc1\n50 → 32\nReLU", "fc2: mu\n32 → 3", "fc3: log_var\n32 → 3", "$z$\n3",
                  "fc4\n3 → 32\nReLU", "fc5\n32 → 50\nSigmoid"]:
        assert layer in shown, layer
    shown = texts(vae.architecture_diagram(model))
    assert "$X$\n50" in shown and "$\\tilde{X}$\n50" in shown and "$\\mu$ (mu)\n3-D" in shown


@pytest.mark.parametrize("z", [20, 2])
def test_figs_8_2_and_8_3_have_no_overlapping_text(z):
    assert overlapping_texts(vae.architecture_diagram(vae.VAE(z_dim=z))) == []
    assert overlapping_texts(vae.network_diagram(vae.VAE(z_dim=z))) == []
