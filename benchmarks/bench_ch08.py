"""Seconds per epoch: the book's listing against ch08_generative/ on the same device, in one run.

    python benchmarks/bench_ch08.py --dataset fashion-mnist --epochs 1 [--device cuda] [--models vae gan]

Prints, for the VAE and the GAN, seconds per epoch of each and the speed-up, then where our
loop's time goes (data slicing, forward+backward, optimiser, reading losses back for printing).
"""
import contextlib
import io
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "ch08_generative"), str(ROOT / "benchmarks")]

import torch  # noqa: E402
import torchvision  # noqa: E402

import book_listing  # noqa: E402
import gan  # noqa: E402
import vae  # noqa: E402
from dlbook import cli, training  # noqa: E402
from dlbook.console import Console  # noqa: E402
from dlbook.device import torch_device  # noqa: E402


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device):
    sync(device)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the book-format lines are not what is measured
        result = fn()
    sync(device)
    return time.perf_counter() - start, result


def book_epoch(model, args, device, tmp):
    torch.manual_seed(args.seed)
    loader = getattr(book_listing, f"{model}_loader")(args.dataset, tmp, args.data_dir)
    train = getattr(book_listing, f"train_{model}")
    return timed(lambda: train(loader, device, 1), device)[0]


def our_epoch(model, args, device, tmp, x):
    module = {"vae": vae, "gan": gan}[model]
    our_args = module.parse_args(["--dataset", args.dataset, "--data-dir", str(args.data_dir), "--epochs", "1",
                                  "--out", str(Path(tmp) / model), "--seed", str(args.seed)])
    torch.manual_seed(args.seed)
    with Console() as con:
        if model == "vae":
            nets = vae.build(our_args, device)
            return timed(lambda: vae.train(our_args, *nets, x, con), device)[0]
        noise = torch.randn(100, gan.LATENT_SIZE, device=device)
        return timed(lambda: gan.train(our_args, gan.build(our_args, device), x, con, noise), device)[0]


def breakdown(model, device, x, steps=100):
    """Seconds per epoch of each part of our training step, each timed over `steps` steps."""
    if model == "vae":
        args = vae.parse_args([])
        net, opt = vae.build(args, device)
        optimizers = [opt]
        step = lambda xb: vae.train_step(net, opt, xb)  # noqa: E731
    else:
        args = gan.parse_args([])
        nets = gan.build(args, device)
        optimizers = nets[2:]
        step = lambda xb: gan.train_step(*nets, xb)  # noqa: E731
    steps_per_epoch = -(-len(x) // args.batch_size)
    batches = training.batch_indices(len(x), args.batch_size, device)[:steps]
    row = step(x[batches[0]])  # warm-up, and gives the optimisers their state

    def per_epoch(fn, every=1):
        return timed(lambda: [fn(idx) for idx in batches], device)[0] / len(batches) * steps_per_epoch / every

    whole = per_epoch(lambda idx: step(x[idx]))
    parts = {"data": per_epoch(lambda idx: x[idx]),
             "optimiser": per_epoch(lambda idx: [opt.step() for opt in optimizers])}
    parts["forward+backward"] = whole - parts["data"] - parts["optimiser"]
    parts["reading losses"] = per_epoch(lambda idx: row.tolist(), every=vae.PRINT_EVERY if model == "vae"
                                        else gan.PRINT_EVERY)  # only printed steps read back
    return parts


def main(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    parser.add_argument("--epochs", type=cli.positive_int, default=3)
    parser.add_argument("--models", nargs="+", choices=["vae", "gan"], default=["vae", "gan"])
    args = cli.parse_args(parser, argv)
    device = torch_device(args.device)
    print(f"Python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")
    print(f"Dataset {args.dataset}, {args.epochs} epoch(s) of each, alternating")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            x = training.images_on_device(args.dataset, "train", args.data_dir, device, normalize=model == "gan")
            # Alternate the two, epoch by epoch, so a slow spell of a shared machine hits both alike.
            book, ours = [], []
            for _ in range(args.epochs):
                book.append(book_epoch(model, args, device, tmp))
                ours.append(our_epoch(model, args, device, tmp, x))
            book, ours = statistics.median(book), statistics.median(ours)
            parts = breakdown(model, device, x)
            rows.append((model, book, ours, parts))
            print(f"{model.upper()}: book listing {book:.2f} s/epoch, ours {ours:.2f} s/epoch, "
                  f"speed-up {book / ours:.1f}x  (median of {args.epochs})")
            print("  where our step's time goes, s/epoch: " + ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
    return rows


if __name__ == "__main__":
    main()
