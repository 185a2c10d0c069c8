"""Figures: matplotlib without a display (and torchvision's image grids), named after the book's
figure numbers, written atomically."""
from pathlib import Path

import matplotlib.pyplot as plt

from .paths import atomic_path

plt.switch_backend("Agg")  # files only: works with no DISPLAY and never opens a window


def save_figure(fig, out, name):
    """Write `fig` as PNG to out/name, print where, close it, return the path."""
    path = Path(out) / name
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return show(path)


def save_image(tensor, path, **kwargs):
    """torchvision's save_image, written atomically (an interrupt never leaves half a PNG)."""
    import torchvision.utils

    with atomic_path(path) as tmp:
        torchvision.utils.save_image(tensor.detach().cpu(), tmp, format="png", **kwargs)


def tiles(images, columns):
    """28x28 images (any shape [n, ...], on any device) as one grey array, `columns` to a row:
    what every chapter-8 figure shows with imshow (defined for 8.4, used by 8.1.1-8.5)."""
    images = images.detach().cpu().reshape(-1, 28, 28)
    rows = len(images) // columns
    return images.view(rows, columns, 28, 28).permute(0, 2, 1, 3).reshape(rows * 28, columns * 28).numpy()


def in_notebook():
    """True inside a Jupyter kernel (the notebooks beside the scripts), False in a terminal."""
    import sys

    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and "IPKernelApp" in shell.config


def show(path):
    """Say where a figure was written (and note it for the run's manifest); in a notebook, also show it inline."""
    from . import manifest

    print(f"Figure: {path}")
    manifest.shown(path)
    if in_notebook():
        from IPython.display import Image, display

        display(Image(filename=str(path)))
    return path
