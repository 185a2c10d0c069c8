"""ch08_generative/dcgan.py (8.5): the GAN's printout and files, the DCGAN guidelines in the
networks, determinism, and the figure beside the fully connected GAN."""
import functools

import pytest
import torch
from torch import nn

import dcgan
from conftest import GAN_LINE, run_main
from dlbook.figures import plt

run = functools.partial(run_main, dcgan)


@pytest.fixture
def small(small_flags):
    return small_flags(dcgan, dcgan.gan)


def test_the_networks_follow_the_dcgan_guidelines():
    D, G = dcgan.discriminator(), dcgan.generator()
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in D.modules())  # strided convolutions
    assert isinstance(D[0], nn.Conv2d) and D[0].stride == (2, 2) and not isinstance(D[1], nn.BatchNorm2d)
    assert isinstance(G[-1], nn.Tanh) and isinstance(G[-2], nn.ConvTranspose2d)  # no batch norm on G's output
    assert sum(isinstance(m, nn.Linear) for m in G) == 1  # only the projection of z
    assert any(isinstance(m, nn.LeakyReLU) for m in D) and any(isinstance(m, nn.ReLU) for m in G)
    assert G(torch.randn(3, dcgan.latent_size)).shape == (3, 1, 28, 28) and D(torch.zeros(3, 1, 28, 28)).shape == (3, 1)
    args = dcgan.parse_args([])
    _, _, _, d_optimizer, _ = dcgan.build(args, torch.device("cpu"))
    assert d_optimizer.defaults["lr"] == 2e-4 and d_optimizer.defaults["betas"] == (0.5, 0.999)


@pytest.mark.slow
def test_smoke_run_prints_lines_writes_files_and_the_side_by_side_figure(capsys, small, tmp_path):
    out, result = run(capsys, *small, "--epochs", 2)
    ours, gans = out.split("running gan.py for 2 epoch(s)")  # no GAN samples yet: gan.py makes them
    lines = [line for line in ours.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 4 and all(GAN_LINE.fullmatch(line) for line in lines)
    assert "Epoch [1/2]" in gans
    out_dir = tmp_path / "out"
    for name in ["dcgan_samples/real_images.png", "dcgan_samples/fixed_noise-2.png", "dcgan_training_curves.png",
                 "gan_vs_dcgan_samples.png", "dcgan_vs_gan/gan_samples/fixed_noise-2.png"]:
        assert plt.imread(out_dir / name).std() > 0.01, name
    assert result["history"].shape == (8, 4)
    again, _ = run(capsys, *small, "--epochs", 2, "--seed", 3)
    assert "Using gan.py's samples after 2 epoch(s)" in again and "running gan.py" not in again
    run_main(dcgan.gan, capsys, *small, "--epochs", 1)  # a shorter gan.py run in --out itself ...
    third, _ = run(capsys, *small, "--epochs", 2)  # ... does not hide the 2-epoch grid in --out/dcgan_vs_gan
    assert "running gan.py" not in third and "dcgan_vs_gan/gan_samples/fixed_noise-2.png" in third


def test_same_seed_same_lines_another_seed_other_lines(capsys, small):
    first, _ = run(capsys, *small, "--max-steps", 3)
    second, _ = run(capsys, *small, "--max-steps", 3)
    other, _ = run(capsys, *small, "--max-steps", 3, "--seed", 1)
    pick = lambda text: [line for line in text.splitlines() if line.startswith("Epoch")]  # noqa: E731
    assert pick(first) == pick(second) and pick(first) != pick(other)
