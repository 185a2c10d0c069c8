"""Measure the seed-to-seed spread behind dlbook.compare's book check.

    python benchmarks/seed_spread.py --dataset mnist --seeds 0 1 2 --vae-epochs 30 --gan-epochs 200 --cgan-epochs 50
    python benchmarks/seed_spread.py --dataset fashion-mnist --seeds 0 1 2 --vae-epochs 30 --gan-epochs 20 --cgan-epochs 10

Runs vae.py, gan.py and cgan.py once per seed (logs under runs/seed_spread/<dataset>/; a log already
there is reused, so `python reproduce.py`'s logs (figures/logs/) can stand in for seed 0, and
--no-run takes only the logs that exist; the JSON names the command behind each log), and, with --xor, xor_tensorflow.py's 100-seed sweep. It writes one entry per
data set into dlbook/book_runs/seed_spread.json, keeping the other's: for each epoch, the spread
(max - min over seeds) of each printed quantity's epoch mean, relative to its mean, with the
command and the logs that made it. For MNIST the entry also keeps each run's means over the
check's window of epochs (compare.book_check(kind).window), which the book check sets beside the book's
printed run; for Fashion-MNIST, which the book never ran, it keeps the lowest and highest printed value
of each quantity at each epoch over all seeds, as this project's own reference.
"""
import argparse
import json
import shlex
import subprocess
import sys

import numpy as np

from dlbook import book, compare, data
from chapter_scripts import load_script
from dlbook.paths import REPO_ROOT as ROOT


def parse(kind, log):
    return book.parse(kind, log.read_text(encoding="utf-8"))[0]


def seed_run(kind, dataset, epochs, seed):
    """The arguments after `python` of the run behind runs/seed_spread/<dataset>/<kind>_seed<seed>.log."""
    folder = f"runs/seed_spread/{dataset}"
    return [f"ch08_generative/{kind}.py", "--dataset", dataset, "--epochs", str(epochs), "--seed", str(seed),
            "--out", f"{folder}/{kind}{seed}", "--log", f"{folder}/{kind}_seed{seed}.log"]


def made_by(log, kind, epochs, dataset):
    """The command that wrote a log: its first line where it names one ("$ python ...", as
    reproduce.py's logs do), else the one this script runs for that seed."""
    first = log.read_text(encoding="utf-8").split("\n", 1)[0]
    if first.startswith("$ "):
        return first[2:]
    return shlex.join(["python", *seed_run(kind, dataset, epochs, log.stem.rsplit("seed", 1)[1])])


def epoch_means(kind, log):
    return {e: np.mean(values, axis=0) for e, values in book.group(kind, parse(kind, log)).items()}


def line_range(kind, logs):
    """{epoch: [[lowest per metric], [highest per metric]]} over every printed line of every log."""
    lines = {}
    for log in logs:
        for e, values in book.group(kind, parse(kind, log)).items():
            lines.setdefault(e, []).extend(values)
    return {e: [np.min(v, 0).round(4).tolist(), np.max(v, 0).round(4).tolist()] for e, v in sorted(lines.items())}


def relative_spread(runs):
    """{epoch: [relative spread per metric]} over the epochs all runs have."""
    epochs = sorted(set.intersection(*(set(r) for r in runs)))
    out = {}
    for e in epochs:
        values = np.array([r[e] for r in runs])
        out[e] = ((values.max(0) - values.min(0)) / np.abs(values.mean(0)).clip(1e-3)).round(4).tolist()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", choices=list(data.DATASETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--vae-epochs", type=int, default=30)
    parser.add_argument("--gan-epochs", type=int, default=200)
    parser.add_argument("--cgan-epochs", type=int, default=50)
    parser.add_argument("--no-run", action="store_true", help="use the logs that exist; start no training")
    parser.add_argument("--xor", action="store_true", help="also re-measure the XOR sweep (TensorFlow)")
    args = parser.parse_args()
    folder = ROOT / "runs" / "seed_spread" / args.dataset
    result = {"command": "python benchmarks/seed_spread.py " + " ".join(sys.argv[1:])}
    for kind, epochs in (("vae", args.vae_epochs), ("gan", args.gan_epochs), ("cgan", args.cgan_epochs)):
        runs, logs = [], []
        for seed in args.seeds:
            log = folder / f"{kind}_seed{seed}.log"
            if not log.exists() and not args.no_run:
                subprocess.run([sys.executable, *seed_run(kind, args.dataset, epochs, seed)], cwd=ROOT, check=True,
                               stdout=subprocess.DEVNULL)
            if log.exists():
                runs.append(epoch_means(kind, log))
                logs.append(log)
        if len(runs) < 2:
            print(f"{kind}: {len(runs)} log(s) of {args.seeds}: no spread measured")
            continue
        result[kind] = {"relative": True, "metrics": book.METRICS[kind], "by_epoch": relative_spread(runs),
                        "logs": [log.name for log in logs], "made_by": [made_by(log, kind, epochs, args.dataset)
                                                                     for log in logs],
                        "epochs": max(book.parse(kind, log.read_text(encoding="utf-8"))[1] for log in logs)}
        if args.dataset == "mnist":  # beside the book's run, each run's means over the check's window
            result[kind]["window_means"] = [
                {e: m.round(4).tolist() for e, m in compare.window_means(kind, parse(kind, log)).items()}
                for log in logs]
        else:  # the book has no such run: the project's own runs are the reference
            result[kind]["reference"] = {"dataset": args.dataset, "lines": line_range(kind, logs),
                                         "epochs": result[kind]["epochs"]}
    path = ROOT / "dlbook" / "book_runs" / "seed_spread.json"
    saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    saved[args.dataset] = result
    if args.xor or "xor" not in saved:
        # XOR: among the seeds of a 100-seed sweep that solve XOR, the spread of the loss at each printed step.
        xor = load_script("ch06_feedforward/xor_tensorflow.py")
        histories = [xor.run_xor(seed)[0] for seed in range(100)]
        solved = [h for h in histories if h[-1] < xor.SOLVED_LOSS]
        steps = range(0, xor.STEPS, xor.PRINT_EVERY)
        saved["xor"] = {"relative": False, "metrics": ["loss"], "solved_seeds": len(solved),
                        "command": "python benchmarks/seed_spread.py --xor",
                        "by_epoch": {s: [float(np.ptp([h[s] for h in solved]).round(4))] for s in steps}}
    path.write_text(json.dumps(saved, indent=1), encoding="utf-8")
    print(json.dumps(result)[:2000])


if __name__ == "__main__":
    main()
