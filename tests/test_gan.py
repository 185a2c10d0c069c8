"""ch08_generative/gan.py: smoke runs on synthetic data, health checks, resume, and a real-data run."""
import functools
import re

import pytest
import torch

import gan
from conftest import GAN_LINE, error_line, needs_data, run_main, stopped
from dlbook import book, checkpoints
from dlbook.diagrams import overlapping_texts, texts
from dlbook.errors import ReaderError
from dlbook.figures import plt

run = functools.partial(run_main, gan)


@pytest.fixture
def small(small_flags):
    """Synthetic data (200 train images: 4 steps of 50) and a line printed every 2 steps."""
    return small_flags(gan)


def test_smoke_run_prints_book_lines_and_writes_everything(capsys, small, tmp_path):
    out, result = run(capsys, *small, "--epochs", 2)
    lines = [line for line in out.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 4 and all(GAN_LINE.fullmatch(line) for line in lines)
    assert lines[0].startswith("Epoch [0/2], Step [2/4]")  # 0-based epochs, as the book prints them
    out_dir = tmp_path / "out"
    for name in ["fig8-6_gan_architecture.png", "fig8-7_gan_samples.png", "gan_training_curves.png", "gan_samples/real_images.png",
                 "gan_samples/fake_images-1.png", "gan_samples/fake_images-2.png", "gan_samples/fixed_noise-2.png"]:
        assert plt.imread(out_dir / name).std() > 0.01, name
    G = gan.generator()
    G.load_state_dict(torch.load(out_dir / "weights" / "G.ckpt", weights_only=True))
    assert G(torch.zeros(1, gan.latent_size)).shape == (1, 784)
    assert result["history"].shape == (8, 4)


@pytest.mark.slow
def test_same_seed_same_lines_another_seed_other_lines(capsys, small):
    first, _ = run(capsys, *small, "--epochs", 1)
    second, _ = run(capsys, *small, "--epochs", 1)
    other, _ = run(capsys, *small, "--epochs", 1, "--seed", 1)
    assert first == second and first != other


def test_a_short_seeded_run_prints_these_numbers(capsys, small):
    """The values themselves: a change to the data, networks, labels, losses or optimisers changes them."""
    out, _ = run(capsys, *small, "--epochs", 1)
    records = book.parse("gan", out)[0]
    # (epoch, step, d_loss, g_loss, D(x), D(G(z))) as printed on the CPU. Another CPU's last digits
    # may round a 2-decimal score the other way, so those may differ by one unit of the last digit.
    golden = [GOLDEN_GAN[i:i + 6] for i in range(0, len(GOLDEN_GAN), 6)]
    assert len(records) == len(golden)
    for record, expected in zip(records, golden):
        assert record[:4] == pytest.approx(expected[:4], rel=1e-3)
        assert record[4:] == pytest.approx(expected[4:], abs=0.0101)


@pytest.mark.slow
def test_the_book_prints_every_200_steps(capsys, synthetic_idx, tmp_path):
    assert gan.print_every == 200
    root = synthetic_idx("mnist", n_train=1600, n_test=16)
    out, _ = run(capsys, "--data-dir", root, "--batch-size", 4, "--max-steps", 400, "--out", tmp_path)
    assert re.findall(r"^Epoch \[0/200\], Step \[(\d+)/400\]", out, re.M) == ["200", "400"]


def test_weights_are_written_as_cpu_tensors(tmp_path):
    """A state_dict from a GPU is moved to the CPU before saving (mocked: no GPU here)."""
    class OnGpu(torch.Tensor):
        def cpu(self):
            return torch.ones(2)

    checkpoints.save_weights({"w": torch.zeros(2).as_subclass(OnGpu)}, tmp_path / "G.ckpt")
    assert torch.equal(torch.load(tmp_path / "G.ckpt", weights_only=True)["w"], torch.ones(2))


@pytest.mark.slow
def test_resume_prints_what_an_uninterrupted_run_prints(capsys, small):
    """The resumed run prints the saved epochs' lines again, then the rest: its whole printout, and so
    its verdict, is the uninterrupted run's."""
    whole, _ = run(capsys, *small, "--epochs", 3)
    run(capsys, *small, "--epochs", 3, "--max-steps", 4)
    resumed, _ = run(capsys, *small, "--epochs", 3, "--resume")
    book_lines = ("Epoch", "Book check")
    assert [line for line in resumed.splitlines() if line.startswith(book_lines)] == \
        [line for line in whole.splitlines() if line.startswith(book_lines)]
    assert "Resuming after epoch 1 from " in resumed


def test_a_nan_loss_stops_the_run_with_status_1(capsys, small, monkeypatch):
    """NaN scores make the book's BCELoss raise; the run ends with one line naming the step."""
    real_discriminator = gan.discriminator

    def nan_on_step_2():
        D = real_discriminator()
        calls = [0]

        def poison(module, inputs, output):
            calls[0] += 1
            return output * float("nan") if calls[0] > 3 else output  # 3 calls per step
        D.register_forward_hook(poison)
        return D

    monkeypatch.setattr(gan, "discriminator", nan_on_step_2)
    status, err = stopped(capsys, gan.main, "--device", "cpu", *small, "--epochs", 1)
    assert status == 1 and len(err) == 1 and err[0].startswith(error_line("loss became NaN or infinite at epoch 0, step 2:"))


def test_a_collapsed_discriminator_is_reported(capsys):
    healthy = torch.tensor([[0.1, 4.0, 0.999, 0.02]] * 5)
    gan.stop_if_collapsed(healthy, 3)  # D(G(z)) above 0.01: the generator still gets a signal
    collapsed = torch.tensor([[0.01, 9.0, 0.999, 0.001]] * 5)
    with pytest.raises(ReaderError, match="collapsed in epoch 3") as stop:
        gan.stop_if_collapsed(collapsed, 3)
    assert stop.value.status == 1


GOLDEN_GAN = [0, 2, 1.2541, 0.6748, 0.58, 0.51, 0, 4, 1.1054, 0.6656, 0.68, 0.51]

@pytest.mark.slow
@needs_data("fashion-mnist")
def test_real_fashion_mnist_smoke(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(gan, "print_every", 10)
    out, _ = run(capsys, "--dataset", "fashion-mnist", "--max-steps", 20, "--out", tmp_path)
    assert re.search(r"^Epoch \[0/200\], Step \[20/600\], d_loss: ", out, re.M)


def test_the_curves_plot_the_runs_history(capsys, small, monkeypatch):
    drawn = {}
    real_save = gan.save_figure

    def keep(fig, out, name):
        drawn[name] = [[line.get_ydata().copy() for line in ax.lines] for ax in fig.axes]
        return real_save(fig, out, name)

    monkeypatch.setattr(gan, "save_figure", keep)
    _, result = run(capsys, *small, "--epochs", 1)
    losses, scores = drawn["gan_training_curves.png"]
    history = result["history"].numpy()
    assert [list(y) for y in losses] == [list(history[:, 0]), list(history[:, 1])]
    assert [list(y) for y in scores] == [list(history[:, 2]), list(history[:, 3])]


def test_fig_8_6_shows_the_books_networks():
    """SPEC: D 784 -> 256 LeakyReLU(0.2) -> 256 LeakyReLU(0.2) -> 1 Sigmoid; G 64 -> 256 ReLU -> 256 ReLU -> 784 Tanh."""
    fig = gan.architecture_diagram(gan.generator(), gan.discriminator())
    shown = texts(fig)
    assert "generator $G$\n64 → 256, ReLU\n256 → 256, ReLU\n256 → 784, Tanh" in shown
    assert "discriminator $D$\n784 → 256, LeakyReLU(0.2)\n256 → 256, LeakyReLU(0.2)\n256 → 1, Sigmoid" in shown
    assert "latent vector $z$\n64-D, $z \\sim N(0, I)$" in shown and "fake images $G(z)$\n784 pixels" in shown
    assert overlapping_texts(fig) == []


def test_fig_8_6_reads_the_layers_from_G_and_D(monkeypatch):
    monkeypatch.setattr(gan, "latent_size", 8)
    monkeypatch.setattr(gan, "hidden_size", 32)
    monkeypatch.setattr(gan, "image_size", 50)
    fig = gan.architecture_diagram(gan.generator(), gan.discriminator())
    shown = texts(fig)
    assert "generator $G$\n8 → 32, ReLU\n32 → 32, ReLU\n32 → 50, Tanh" in shown
    assert "discriminator $D$\n50 → 32, LeakyReLU(0.2)\n32 → 32, LeakyReLU(0.2)\n32 → 1, Sigmoid" in shown
    assert "latent vector $z$\n8-D, $z \\sim N(0, I)$" in shown and "fake images $G(z)$\n50 pixels" in shown
    assert overlapping_texts(fig) == []
