"""Where a chapter-8 training step's time goes on this machine: for each script's step, its ms per
step on one thread and on all of them, its matrix FLOPs, and the rate at which the same threads
multiply the same matrices alone, all measured in one run.

    python benchmarks/step_rates.py --dataset fashion-mnist [--models vae gan cgan dcgan] [--steps 200]

The step is the script's own train() (run through training.Run with --max-steps, as a reader's run
is), timed from the end of its 20th step to the end of its last, so start-up and the end-of-epoch
figures are left out. The matrix products of one steady step (matrix multiplies and convolutions,
forward and backward) are recorded with their shapes, counted by torch's FLOP counter, and
replayed alone on random tensors of the same shapes: the rate a step would reach if it were only
its matrix products. The rest of a step is element-wise work, optimiser updates and Python.
"""
import contextlib
import io
import os
import platform
import tempfile
import time
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from chapter_scripts import load_script
from dlbook import cli, training

MODELS = ("vae", "gan", "cgan", "dcgan")
WARM_UP = 20  # steps before the clock starts: allocator, thread pool, caches
aten = torch.ops.aten
PRODUCTS = {aten.mm.default, aten.addmm.default, aten.bmm.default, aten.convolution.default,
            aten.convolution_backward.default}


class Record(TorchDispatchMode):
    """Every matrix product called while active, as (op, args with each tensor replaced by its shape)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in PRODUCTS:
            self.calls.append((func, [tuple(a.shape) if isinstance(a, torch.Tensor) else a for a in args]))
        return func(*args, **(kwargs or {}))


class MarkedRun(training.Run):
    """training.Run that notes when each step ends, and where in a Record's list of calls."""
    record = None
    marks, times = [], []

    def step(self, *values):
        stopped = super().step(*values)
        MarkedRun.times.append(time.perf_counter())
        if self.record is not None:
            MarkedRun.marks.append(len(self.record.calls))
        return stopped


def trainer(name, args, tmp):
    """train(max_steps): `max_steps` steps of the script's own training loop, quietly."""
    script = load_script(f"ch08_generative/{name}.py")

    def train(max_steps):
        flags = ["--dataset", args.dataset, "--data-dir", str(args.data_dir), "--out", tmp, "--epochs", str(max_steps),
                 "--max-steps", str(max_steps), "--device", "cpu"]
        script_args = script.parse_args(flags)
        loader = script.load_data(script_args, torch.device("cpu"))
        nets = script.build(script_args, torch.device("cpu"))
        state = {"fixed_noise": torch.zeros(100, script.latent_size)} if name in ("gan", "dcgan") else {}
        with contextlib.redirect_stdout(io.StringIO()), MarkedRun(script_args, name, Path(tmp) / f"{name}.pt",
                                                                  len(loader), **state) as run:
            script.train(script_args, *nets, loader, run, *state.values())
    return train


def one_step_products(train):
    """The matrix products of the second step (the first warms up), recorded."""
    record = MarkedRun.record = Record()
    MarkedRun.marks = []
    with record:
        train(2)
    MarkedRun.record = None
    return record.calls[MarkedRun.marks[0]:MarkedRun.marks[1]]


def replay(calls):
    """A function that calls the recorded products on random tensors of the recorded shapes."""
    def fake(a):
        return torch.randn(a) if isinstance(a, tuple) and all(isinstance(d, int) for d in a) else a
    prepared = [(func, [fake(a) for a in args]) for func, args in calls]

    def run():
        for func, args in prepared:
            func(*args)
    return run


def flops(fn):
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def seconds(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--steps", type=cli.positive_int, default=200, help="timed steps per model and thread count")
    args = cli.parse_args(parser, argv)
    cores = os.cpu_count() or 1
    print(f"Python {platform.python_version()}, torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"{cores} cores; CPU; {args.dataset}; {args.steps} timed steps each")
    print(f"{'step':<6} {'threads':>7} {'ms/step':>8} {'MFLOP/step':>11} {'GFLOP/s':>8} "
          f"{'products alone GFLOP/s':>23} {'of that':>8}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            train = trainer(name, args, tmp)
            calls = one_step_products(train)
            products = replay(calls)
            step_flops = flops(products)
            for threads in sorted({1, cores}):
                torch.set_num_threads(threads)
                products()  # warm-up
                product_s = seconds(products, 5)
                MarkedRun.times = []
                train(WARM_UP + args.steps)
                step_s = (MarkedRun.times[-1] - MarkedRun.times[WARM_UP - 1]) / args.steps
                rate, alone = step_flops / step_s / 1e9, step_flops / product_s / 1e9
                rows.append((name, threads, step_s * 1e3, step_flops / 1e6, rate, alone))
                print(f"{name:<6} {threads:>7} {step_s * 1e3:>8.2f} {step_flops / 1e6:>11.1f} {rate:>8.1f} "
                      f"{alone:>23.1f} {rate / alone:>8.0%}", flush=True)
    torch.set_num_threads(cores)
    return rows


if __name__ == "__main__":
    main()
