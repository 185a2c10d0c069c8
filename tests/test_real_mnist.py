"""The book's own data: short seeded runs of the chapter-8 scripts on MNIST, judged against the
book's range where they fill its window. Skipped where MNIST is not in data/mnist/ (CI links it).

What is asserted holds on any CPU: another CPU model, vector width (ATEN_CPU_CAPABILITY) or thread
count changes the last digits, and a GAN's first batches amplify them, so no single printed line is
compared with a narrow band; a whole epoch's mean is."""
import re

import pytest

import cgan
import gan
import vae
from conftest import GAN_LINE, VAE_LINE, needs_data

pytestmark = [needs_data("mnist"), pytest.mark.slow]


def run_on_mnist(script, max_steps, tmp_path, capsys):
    """(the printed book lines, the verdict line, the step count of each line) of a --max-steps run."""
    script.main(["--device", "cpu", "--out", str(tmp_path), "--max-steps", str(max_steps)])
    out = capsys.readouterr().out
    pattern = VAE_LINE if script is vae else GAN_LINE
    lines = [line for line in out.splitlines() if pattern.fullmatch(line)]
    steps = {int(n) for n in re.findall(r"Step \[\d+/(\d+)\]", out)}
    verdict = next(line for line in out.splitlines() if line.startswith("Book check: "))
    return lines, verdict, steps


# A whole first epoch: as many printed lines as the book's window at that epoch, so it is judged.
@pytest.mark.parametrize("script, steps, lines, epoch", [(vae, 469, 4, 1), (gan, 600, 3, 0)])
def test_a_whole_first_epoch_on_mnist_is_inside_the_books_range(script, steps, lines, epoch, tmp_path, capsys):
    printed, verdict, step_counts = run_on_mnist(script, steps, tmp_path, capsys)
    assert step_counts == {steps}  # the book's step count: 60,000 images in the book's batches
    assert len(printed) == lines  # each in the book's format
    assert verdict.startswith(f"Book check: within the book's range at epoch {epoch} of "), verdict
    assert "unfinished" in verdict


def test_one_printed_line_is_too_short_to_judge(tmp_path, capsys):
    """The CGAN's first printed line is one batch of 100: far noisier than the 3-line means its
    range is made of, so it gets no verdict (and no failure), whatever the CPU's last digits."""
    printed, verdict, step_counts = run_on_mnist(cgan, 200, tmp_path, capsys)
    assert step_counts == {600} and len(printed) == 1
    assert verdict == ("Book check: too short to judge at epoch 0 of 50: 1 of the 3 lines of the window "
                       "(its range is for means over whole epochs); run longer for a verdict")
