"""What the book's listings in ch08_generative/listings/ need to run here (defined for 8.1).

The listings build `torchvision.datasets.MNIST(..., download=True)`; here the same dataset class
reads the files dlbook.data has found and checked (data/, torchvision's or Keras' copy, Debian's
Fashion-MNIST, or a verified download), so a listing runs offline exactly as printed from the line that builds the DataLoader on.
"""
import argparse
from pathlib import Path

from . import data
from .paths import DATA_DIR, FIGURES_DIR, atomic_path


def parse_args(argv, num_epochs, sample_dir):
    """--dataset, --data-dir, --epochs and --out for a listing; returns (args, its sample folder)."""
    parser = argparse.ArgumentParser(description="A book listing as printed (see listings/README.md)")
    parser.add_argument("--dataset", choices=list(data.DATASETS), default="mnist")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--epochs", type=int, default=num_epochs, help=f"default {num_epochs}, the book's")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR / "listings")
    args = parser.parse_args(argv)
    folder = args.out / sample_dir
    folder.mkdir(parents=True, exist_ok=True)
    return args, str(folder)


def torchvision_mnist(dataset, data_dir, root, transform, train=True):
    """torchvision's MNIST (or FashionMNIST) training set, from dlbook's verified files under `root`."""
    import torchvision

    cls = {"mnist": torchvision.datasets.MNIST, "fashion-mnist": torchvision.datasets.FashionMNIST}[dataset]
    raw = Path(root) / cls.__name__ / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for filename in data.FILES.values():
        target = raw / filename[:-3]
        if not target.exists():
            with atomic_path(target) as tmp:
                tmp.write_bytes(data.read(dataset, filename, data_dir)[0])
    return cls(root=str(root), train=train, transform=transform, download=False)
