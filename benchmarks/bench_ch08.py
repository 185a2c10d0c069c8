"""Seconds per epoch: the book's listing against ch08_generative/ on the same device, in one run.

    python benchmarks/bench_ch08.py --dataset fashion-mnist --epochs 1 [--device cuda] [--models vae gan]

Prints, for the VAE and the GAN, seconds per epoch of each and the speed-up, then where our
loop's time goes (data slicing, forward+backward, optimiser, reading losses back for printing).
"""
import contextlib
import io
import platform
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


def book_seconds(model, args, device, tmp):
    torch.manual_seed(args.seed)
    loader = getattr(book_listing, f"{model}_loader")(args.dataset, tmp, args.data_dir)
    train = getattr(book_listing, f"train_{model}")
    seconds, _ = timed(lambda: train(loader, device, args.epochs), device)
    return seconds / args.epochs


def our_seconds(model, args, device, tmp):
    module = {"vae": vae, "gan": gan}[model]
    flags = ["--dataset", args.dataset, "--data-dir", str(args.data_dir), "--epochs", str(args.epochs),
             "--out", str(Path(tmp) / model), "--seed", str(args.seed)]
    our_args = module.parse_args(flags)
    torch.manual_seed(args.seed)
    x = training.images_on_device(args.dataset, "train", args.data_dir, device, normalize=model == "gan")
    with Console() as con:
        if model == "vae":
            nets = vae.build(our_args, device)
            run = lambda: vae.train(our_args, *nets, x, con)  # noqa: E731
        else:
            nets = gan.build(our_args, device)
            noise = torch.randn(100, gan.LATENT_SIZE, device=device)
            run = lambda: gan.train(our_args, nets, x, con, noise)  # noqa: E731
        seconds, _ = timed(run, device)
    return seconds / args.epochs, breakdown(model, our_args, device, x)


def breakdown(model, args, device, x, steps=100):
    """Seconds per epoch of each part of our step, timed in isolation over `steps` steps."""
    batch = args.batch_size
    steps_per_epoch = -(-len(x) // batch)
    if model == "vae":
        net, opt = vae.build(args, device)
        params, optimizers = list(net.parameters()), [opt]

        def fwd_bwd(xb):
            logits, mu, log_var = net(xb)
            sum(vae.vae_losses(logits, xb, mu, log_var)).backward()
    else:
        D, G, d_opt, g_opt = gan.build(args, device)
        params, optimizers = list(D.parameters()) + list(G.parameters()), [d_opt, g_opt]

        def fwd_bwd(xb):
            n = len(xb)
            d_loss = (gan.criterion(D(xb), torch.ones(n, 1, device=device))
                      + gan.criterion(D(G(torch.randn(n, gan.LATENT_SIZE, device=device))),
                                      torch.zeros(n, 1, device=device)))
            d_loss.backward()
            g_loss = gan.criterion(D(G(torch.randn(n, gan.LATENT_SIZE, device=device))),
                                   torch.ones(n, 1, device=device))
            g_loss.backward()

    def data():
        for idx in training.batch_indices(len(x), batch, device)[:steps]:
            x[idx]

    def compute():
        for _ in range(steps):
            fwd_bwd(x[:batch])

    def optimise():
        for _ in range(steps):
            for opt in optimizers:
                opt.step()

    loss = torch.zeros(4, device=device)

    def read_back():
        for _ in range(steps):
            loss.tolist()

    compute()  # warm-up, and gives the optimisers their state
    parts = {}
    for name, fn in (("data", data), ("forward+backward", compute), ("optimiser", optimise),
                     ("reading losses", read_back)):
        seconds, _ = timed(fn, device)
        parts[name] = seconds / steps * steps_per_epoch
    parts["reading losses"] *= 1 / (vae.PRINT_EVERY if model == "vae" else gan.PRINT_EVERY)  # only printed steps
    return parts


def main(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    parser.add_argument("--epochs", type=cli.positive_int, default=1)
    parser.add_argument("--models", nargs="+", choices=["vae", "gan"], default=["vae", "gan"])
    args = cli.parse_args(parser, argv)
    device = torch_device(args.device)
    print(f"Python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")
    print(f"Dataset {args.dataset}, {args.epochs} epoch(s) each")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            book = book_seconds(model, args, device, tmp)
            ours, parts = our_seconds(model, args, device, tmp)
            rows.append((model, book, ours, parts))
            print(f"{model.upper()}: book listing {book:.2f} s/epoch, ours {ours:.2f} s/epoch, "
                  f"speed-up {book / ours:.1f}x")
            print("  our loop, s/epoch: " + ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
    return rows


if __name__ == "__main__":
    main()
