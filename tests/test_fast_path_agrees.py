"""The fast training steps of ch08_generative/ against the book's listing: same seed, same start, same losses."""
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "ch08_generative"), str(ROOT / "benchmarks")]
import book_listing  # noqa: E402
import gan  # noqa: E402
import vae  # noqa: E402

from dlbook import training  # noqa: E402

CPU = torch.device("cpu")


def batches(n_steps, batch, normalize):
    torch.manual_seed(123)
    x = torch.rand(n_steps, batch, 784).round()  # binary images, like MNIST's mostly-0/1 pixels
    return x * 2 - 1 if normalize else x


def test_vae_steps_match_the_book():
    torch.manual_seed(0)
    book_model = book_listing.VAE()
    ours = vae.VAE()
    ours.load_state_dict(book_model.state_dict())
    book_opt = torch.optim.Adam(book_model.parameters(), lr=book_listing.vae_lr)
    our_opt = training.adam(ours.parameters(), vae.LEARNING_RATE, CPU)
    for step, x in enumerate(batches(5, 128, normalize=False)):
        torch.manual_seed(step)
        reconst, kl, _ = book_listing.vae_step(book_model, book_opt, x, CPU)
        torch.manual_seed(step)
        fast = vae.train_step(ours, our_opt, x)
        assert fast.tolist() == pytest.approx([reconst.item(), kl.item()], rel=1e-4)


def test_gan_steps_match_the_book():
    torch.manual_seed(0)
    book_D, book_G = book_listing.gan_nets(CPU)
    D, G = gan.discriminator(), gan.generator()
    D.load_state_dict(book_D.state_dict())
    G.load_state_dict(book_G.state_dict())
    book_opts = [torch.optim.Adam(net.parameters(), lr=book_listing.gan_lr) for net in (book_D, book_G)]
    our_opts = [training.adam(net.parameters(), gan.LEARNING_RATE, CPU) for net in (D, G)]
    for step, images in enumerate(batches(5, 100, normalize=True)):
        torch.manual_seed(step)
        d_loss, g_loss, real, fake, _ = book_listing.gan_step(book_D, book_G, *book_opts, images, CPU)
        torch.manual_seed(step)
        fast = gan.train_step(D, G, *our_opts, images)
        book = [d_loss.item(), g_loss.item(), real.mean().item(), fake.mean().item()]
        assert fast.tolist() == pytest.approx(book, rel=1e-4, abs=1e-6)
