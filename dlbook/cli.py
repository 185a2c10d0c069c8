"""The command-line flags every chapter script shares, and the one place a script stops on a ReaderError."""
import argparse
import os
import re
import sys
from pathlib import Path

from .data import DATASETS
from .errors import ReaderError
from .paths import DATA_DIR, FIGURES_DIR

DEVICE_PATTERN = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


def start(main):
    """Every script's `if __name__ == "__main__":` line: run main() and exit with its status.

    A ReaderError raised anywhere below (a bad --device, missing data, an interrupted training)
    ends the script as argparse ends it on a bad flag: `<script>: error: <message>` on stderr, no
    traceback, exit status err.status (2 unless it says otherwise).

    Output that the console cannot encode is replaced, never a crash (console.safe_streams).

    A reader's `script | head` closes the pipe early; the next print then raises BrokenPipeError.
    That is not an error of the script: end quietly, with the status a shell gives a process
    killed by SIGPIPE (128 + 13), and point stdout at /dev/null so Python's own flush at exit
    cannot raise it again.
    """
    from .console import safe_streams
    from .figures import in_notebook

    if in_notebook():  # a notebook cell: no exit, the kernel goes on
        return main()
    safe_streams()
    try:
        status = main()
        sys.stdout.flush()
    except ReaderError as err:
        sys.stdout.flush()  # the lines printed before it come first, as in a terminal
        print(error_line(err), file=sys.stderr)
        raise SystemExit(err.status) from None
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(141) from None
    raise SystemExit(status if isinstance(status, int) else 0)


def error_line(err):
    """The one line a ReaderError shows the reader, as argparse words a bad flag."""
    return f"{Path(sys.argv[0]).name or 'script'}: error: {err}"


def fail(message, status=2):
    """An entry point's own check that stops it: start() prints the one-line reason, like argparse."""
    raise ReaderError(message, status)


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def device_name(text):
    if not DEVICE_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected auto, cpu, cuda, cuda:N or mps, got {text!r}")
    return text


def make_parser(description, *, seed=0, dataset=False):
    """A parser with --device, --seed, --out and --log (and --dataset/--data-dir when asked).

    seed=None leaves --seed out, for a script that draws no random numbers: a flag that changes
    nothing would mislead.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--device", type=device_name, default="auto",
                        help="auto (default), cpu, cuda, cuda:N or mps")
    if seed is not None:
        parser.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR,
                        help="folder for figures and outputs (default: figures/ at the repo root)")
    parser.add_argument("--log", type=Path, help="also write the printed lines to this file")
    if dataset:
        parser.add_argument("--dataset", choices=list(DATASETS), default="mnist",
                            help="mnist (the book's) or fashion-mnist (same format, installable offline)")
        parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                            help="folder holding <dataset>/<IDX files> (default: data/ at the repo root)")
    return parser


def add_training_flags(parser, epochs, batch_size, lr):
    """--epochs, --batch-size, --lr, --max-steps and --resume, for the chapter-8 training scripts."""
    parser.add_argument("--epochs", type=positive_int, default=epochs, help=f"default {epochs}, the book's")
    parser.add_argument("--batch-size", type=positive_int, default=batch_size, help=f"default {batch_size}, the book's")
    parser.add_argument("--lr", type=positive_float, default=lr, help=f"Adam's learning rate (default {lr}, the book's)")
    parser.add_argument("--max-steps", type=positive_int,
                        help="stop after this many training steps in total (smoke runs)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the last complete epoch saved in --out/weights/")


def _writable(folder):
    """True when `folder` exists and is writable, or could be created; creates nothing."""
    folder = Path(folder).resolve()
    while not folder.exists():
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK)


def parse_args(parser, argv=None):
    """Parse, then reject outputs that cannot be written before any work starts."""
    args = parser.parse_args(argv)
    for flag in ("out", "log"):
        path = getattr(args, flag, None)
        if path is None:
            continue
        folder = path if flag == "out" else path.parent
        if not _writable(folder):
            parser.error(f"--{flag} {path}: cannot write there")
    return args
