"""Seconds per epoch: the book's listings (ch08_generative/listings/) against ch08_generative/, in one run.

    python benchmarks/bench_ch08.py --dataset fashion-mnist [--epochs 3] [--device cuda] [--models vae gan cgan]

For each model: one untimed warm-up epoch of each (CUDA start-up, allocator, kernel choice), then
--epochs timed epochs of each, alternating so a slow spell of a shared machine hits both alike;
prints the medians and the speed-up. The device is synchronised before each clock reading.
"""
import contextlib
import io
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torchvision

import dlbook.listing
from dlbook import cli, training
from dlbook.device import torch_device
from chapter_scripts import load_script as load


MODELS = {"vae": ("ch08_generative/vae.py", "ch08_generative/listings/vae_listing.py"),
          "gan": ("ch08_generative/gan.py", "ch08_generative/listings/gan_listing.py"),
          "cgan": ("ch08_generative/cgan.py", "ch08_generative/listings/cgan_listing.py")}


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def timed(fn, device):
    sync(device)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the book-format lines are not what is measured
        fn()
    sync(device)
    return time.perf_counter() - start


def listing_epoch(name, args, device, tmp):
    """One epoch of the book's listing, as a function to time."""
    listing = load(MODELS[name][1])
    listing.device = device  # the listing picks cuda-or-cpu itself; time both on the same device
    flags = ["--dataset", args.dataset, "--data-dir", str(args.data_dir), "--out", tmp]
    loader = listing.load_data(dlbook.listing.parse_args(flags, 1, "samples")[0])
    nets = listing.build()
    return lambda: listing.train(*nets, loader, tmp, num_epochs=1)


def our_epoch(name, args, device, tmp, module=None):
    """One epoch of our script's train() (or of `module`, a variant of it), as a function to time."""
    script = module or load(MODELS[name][0])
    our_args = script.parse_args(["--dataset", args.dataset, "--data-dir", str(args.data_dir), "--epochs", "1",
                                  "--out", tmp, "--seed", str(args.seed)])
    loader = script.load_data(our_args, device)
    nets = script.build(our_args, device)
    state = {"fixed_noise": torch.zeros(100, script.latent_size, device=device)} if name == "gan" else {}  # gan.py's grids

    def epoch():
        with training.Run(our_args, name, Path(tmp) / f"{name}.pt", len(loader), **state) as run:
            script.train(our_args, *nets, loader, run, *state.values())
    return epoch


def main(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    parser.add_argument("--epochs", type=cli.positive_int, default=3, help="timed epochs of each (default 3)")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    args = cli.parse_args(parser, argv)
    device = torch_device(args.device)
    print(f"Python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")
    print(f"Dataset {args.dataset}; per model one warm-up epoch of each, then {args.epochs} timed, alternating")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            torch.manual_seed(args.seed)
            book, ours = listing_epoch(name, args, device, tmp), our_epoch(name, args, device, tmp)
            timed(book, device), timed(ours, device)  # warm-up, untimed
            times = {"book": [], "ours": []}
            for _ in range(args.epochs):
                times["book"].append(timed(book, device))
                times["ours"].append(timed(ours, device))
            book_s, ours_s = statistics.median(times["book"]), statistics.median(times["ours"])
            rows.append((name, book_s, ours_s))
            print(f"{name.upper()}: book listing {book_s:.2f} s/epoch, ours {ours_s:.2f} s/epoch, "
                  f"speed-up {book_s / ours_s:.1f}x  (median of {args.epochs})")
    return rows


if __name__ == "__main__":
    main()
