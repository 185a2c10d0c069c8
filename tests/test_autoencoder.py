"""ch08_generative/autoencoder.py: the coverage measure's known answers, and a short seeded run."""
import pytest
import torch

from argparse import Namespace

import autoencoder
import vae
from dlbook import checkpoints, loader
from dlbook.diagrams import overlapping_texts, texts
from dlbook.figures import plt


def test_prior_coverage_known_answers():
    z = torch.randn(20_000, 2, generator=torch.Generator().manual_seed(0))
    assert autoencoder.prior_coverage(z) > 0.98  # codes spread like N(0, I) leave no holes
    assert autoencoder.prior_coverage(torch.zeros(100, 2)) == pytest.approx(1 / autoencoder.CELLS ** 2)
    assert autoencoder.prior_coverage(10 * z) < 0.1  # the same codes on another scale mostly miss it
    assert autoencoder.prior_coverage(z.abs()) == pytest.approx(0.25, abs=0.01)  # one quadrant only


def test_short_run_trains_compares_and_draws(synthetic_idx, tmp_path, capsys):
    root = synthetic_idx("fashion-mnist", n_train=256, n_test=64)
    result = autoencoder.main(["--device", "cpu", "--dataset", "fashion-mnist", "--data-dir", str(root),
                               "--out", str(tmp_path), "--epochs", "2"])
    out = capsys.readouterr().out
    assert "No saved 2-D VAE for fashion-mnist: training one for 2 epoch(s)" in out
    history = result["history"][:, 0]
    assert len(history) == 2 * 2 and history[-1] < history[0]  # 2 epochs of 2 steps; the loss went down
    assert "Reconstruction loss per test image (nats): autoencoder " in out
    line = next(s for s in out.splitlines() if s.startswith("Share of N(0, I) the test codes cover"))
    assert f": autoencoder {result['coverage'][0]:.1%}, VAE {result['coverage'][1]:.1%} (of its" in line
    for name in ("fig8-1_autoencoder_architecture.png", "ae_vs_vae_codes.png", "ae_vs_vae_prior_samples.png",
                 "ae_vs_vae_interpolation.png"):
        assert plt.imread(tmp_path / name).std() > 0.01
    # The coverage is that of each model's own test codes: the saved autoencoder's, the 2-D VAE's means.
    x, _ = loader.load_mnist(Namespace(dataset="fashion-mnist", data_dir=root), torch.device("cpu"), train=False)
    x = x.view(-1, 784)
    ae = autoencoder.Autoencoder()
    ae.load_state_dict(torch.load(tmp_path / "weights" / "autoencoder.pt", weights_only=True)["model"])
    vae2 = vae.load_vae(checkpoints.load_checkpoint(tmp_path / "vae_vs_gan" / "weights" / "vae_z2.pt"),
                        torch.device("cpu"))
    with torch.no_grad():
        torch.manual_seed(0)  # the default --seed: the VAE's codes are one z sample per image
        own_codes = [ae.encode(x), vae2.reparameterize(*vae2.encode(x))]
    assert all(torch.allclose(a, b) for a, b in zip(result["codes"], own_codes))
    assert result["coverage"] == [autoencoder.prior_coverage(c) for c in own_codes]


def test_fig_8_1_shows_the_models_sizes():
    """The VAE's sizes (SPEC: 784 -> 400 ReLU -> code -> 400 ReLU -> 784 Sigmoid) with the 2-D code."""
    fig = autoencoder.architecture_diagram(autoencoder.Autoencoder())
    shown = texts(fig)
    assert "encoder\nfc1: 784 → 400, ReLU\nfc2: 400 → 2" in shown and "code $z$\n2-D" in shown
    assert "decoder\nfc4: 2 → 400, ReLU\nfc5: 400 → 784, Sigmoid" in shown
    assert "$X$\n784" in shown and "$\\tilde{X}$\n784" in shown
    assert any("BCE($\\tilde{X}$, $X$)" in text for text in shown)  # the loss compares X with X~
    assert overlapping_texts(fig) == []


def test_fig_8_1_reads_every_size_from_the_model():
    fig = autoencoder.architecture_diagram(autoencoder.Autoencoder(image_size=50, h_dim=32, z_dim=3))
    shown = texts(fig)
    assert "encoder\nfc1: 50 → 32, ReLU\nfc2: 32 → 3" in shown and "code $z$\n3-D" in shown
    assert "decoder\nfc4: 3 → 32, ReLU\nfc5: 32 → 50, Sigmoid" in shown
    assert "$X$\n50" in shown and "$\\tilde{X}$\n50" in shown
    assert overlapping_texts(fig) == []
