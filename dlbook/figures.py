"""Figures: matplotlib without a display, named after the book's figure numbers, written atomically."""
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
    print(f"Figure: {path}")
    return path
