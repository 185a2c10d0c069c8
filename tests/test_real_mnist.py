"""The book's own data: short seeded runs of the chapter-8 scripts on MNIST print values inside the
book's range for the epochs they reach. Skipped where MNIST is not in data/mnist/ (CI links it)."""
import re

import pytest

import cgan
import gan
import vae
from conftest import needs_data

pytestmark = [needs_data("mnist"), pytest.mark.slow]


# A whole first epoch of the VAE and the GAN; the CGAN's first printed line (its epoch costs 40 s).
@pytest.mark.parametrize("script, max_steps, steps, epoch", [(vae, 469, 469, 1), (gan, 600, 600, 0),
                                                             (cgan, 200, 600, 0)])
def test_a_short_run_on_mnist_is_inside_the_books_range(script, max_steps, steps, epoch, tmp_path, capsys):
    script.main(["--device", "cpu", "--out", str(tmp_path), "--max-steps", str(max_steps)])
    out = capsys.readouterr().out
    first = re.search(r"^Epoch ?\[\d+/\d+\], Step \[\d+/(\d+)\]", out, re.M)
    assert first and int(first.group(1)) == steps  # the book's step count: 60,000 images in the book's batches
    verdict = next(line for line in out.splitlines() if line.startswith("Book check: "))
    assert verdict.startswith(f"Book check: within the book's range at epoch {epoch} of "), verdict
    assert "unfinished" in verdict
