"""Reproduce the chapters: every chapter script in book order, with the book's settings.

    python reproduce.py                    # chapters 6 and 8, the book's full settings
    python reproduce.py --quick            # a few minutes on a laptop CPU: short runs of everything
    python reproduce.py --chapter 8 --dataset fashion-mnist --device cuda

Each script's printout is saved as <out>/logs/<name>.log, the figures land in <out>/, and
<out>/README.md becomes a gallery: each figure with its book number, caption and the command
that made it. The run ends with a summary table.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

from dlbook import cli, data, device, frameworks, gallery, sections
from dlbook.paths import DATA_DIR, FIGURES_DIR, atomic_path

ROOT = Path(__file__).resolve().parent


RUNS = sections.BOOK  # every script in book order, with its flags, figures and key lines


class Result(NamedTuple):
    status: str  # "ok", "failed (N)" or "skipped"
    seconds: float
    text: str  # what the script printed on stdout
    reason: str  # its last line on stderr, or why it was skipped


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="check this machine's setup (Python, packages, devices, data) and run nothing")
    parser.add_argument("--chapter", choices=["6", "8", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="short runs of every script (a few minutes on a CPU)")
    parser.add_argument("--device", type=cli.device_name, help="passed to every script")
    parser.add_argument("--seed", type=int, help="passed to every script that draws random numbers "
                        "(default: each script's own)")
    parser.add_argument("--dataset", choices=["mnist", "fashion-mnist"], help="for the scripts that load data")
    parser.add_argument("--data-dir", type=Path, help="for the scripts that load data")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="figures, logs and gallery (default figures/)")
    return cli.parse_args(parser, argv)


def command(run, args):
    argv = [sys.executable, run.script, *(run.quick if args.quick else run.full), "--out", str(args.out)]
    flags = (("seed",) if run.seeded else ()) + (("dataset", "data_dir") if run.uses_data else ())
    for flag in flags:
        if getattr(args, flag) is not None:
            argv += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    name = script_device(run, args)[0]
    return argv + (["--device", name] if name else [])


def on_tensorflow(run):
    return run.tensorflow or (run.keras and frameworks.keras_backend() == "tensorflow")


def script_device(run, args):
    """(the --device this script gets, why it differs from --device or None). A TensorFlow script
    asked for a GPU that TensorFlow does not see here (pip's TensorFlow has no CUDA on Windows and
    macOS, no Metal without tensorflow-metal) runs on the CPU, as --check says it may."""
    if not on_tensorflow(run) or not device.tensorflow_problem(args.device, frameworks.tensorflow_gpus()):
        return args.device, None
    return "cpu", (f"TensorFlow sees {frameworks.tensorflow_gpus()} GPU(s) here, so this script runs on the CPU "
                   f"(--device {args.device} is for the PyTorch scripts)")


def preflight(runs, args):
    """What would stop every script the same way is checked once, before the first one runs:
    the device, and each data set (fetched now if missing). One line and exit status 2, nothing
    run and nothing written."""
    if args.device not in (None, "auto", "cpu"):
        problem = device.torch_problem(args.device)
        if problem:
            cli.fail(problem)
    if any(run.uses_data for run in runs):
        name = args.dataset or "mnist"
        try:
            for filename in data.FILES.values():
                data.locate(name, filename, args.data_dir or DATA_DIR)
        except data.DataError as err:  # its message ends by suggesting --dataset fashion-mnist
            cli.fail(str(err))


def run_one(run, args):
    """Run one script, echoing its printout; save stdout and stderr in its log. Returns a Result."""
    argv = command(run, args)
    shown = shlex.join(["python", *argv[1:]])
    print(f"\n=== {run.name} ({run.section}): {shown}", flush=True)
    if script_device(run, args)[1]:
        print(f"Note: {script_device(run, args)[1]}", flush=True)
    start = time.perf_counter()
    lines, errors = [], []

    def echo_stderr(stream):
        for line in stream:
            print(line, end="", file=sys.stderr, flush=True)
            errors.append(line)

    # The scripts write UTF-8 into the pipes whatever the console's code page; echoing it here is
    # what safe_streams makes safe on a console that cannot show every character.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                          errors="replace", bufsize=1, env=env) as proc:
        reader = threading.Thread(target=echo_stderr, args=(proc.stderr,))
        reader.start()
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line)
        reader.join()
    seconds = time.perf_counter() - start
    text = "".join(lines)
    stderr = "".join(line for line in errors if "\r" not in line)  # the progress line's redraws: not kept
    with atomic_path(args.out / "logs" / f"{run.name}.log") as tmp:
        tmp.write_text(f"$ {shown}\n{text}" + (f"\n--- stderr ---\n{stderr}" if stderr else ""), encoding="utf-8")
    last_error = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return Result("ok" if proc.returncode == 0 else f"failed ({proc.returncode})", seconds, text, last_error)


def main(argv=None):
    args = parse_args(argv)
    if args.check:
        from dlbook import check

        return check.main()
    args.argv = sys.argv[1:] if argv is None else list(argv)
    runs = [r for r in RUNS if args.chapter == "all" or r.script.startswith(f"ch0{args.chapter}")]
    preflight(runs, args)
    no_tensorflow = frameworks.tensorflow_missing()
    results = []
    for run in runs:
        if run.tensorflow and no_tensorflow:  # expected where TensorFlow has no wheel: not a failure
            print(f"\n=== {run.name} ({run.section}): skipped: {no_tensorflow}", flush=True)
            results.append((run, Result("skipped", 0.0, "", no_tensorflow)))
        else:
            results.append((run, run_one(run, args)))
    gallery.build(args.out, shlex.join(["python", "reproduce.py", *args.argv]))  # README.md and index.html
    print(f"\nSummary ({'quick' if args.quick else 'book settings'}); logs in {args.out / 'logs'}, "
          f"gallery {args.out / 'README.md'}")
    print(f"{'script':<16} {'section':<12} {'status':<12} {'time':>7}  key numbers (or why not)")
    for run, result in results:
        keys = [found[-1] for found in (re.findall(p, result.text, re.M) for p in run.keys) if found]
        shown = " | ".join(keys) if result.status == "ok" else result.reason
        print(f"{run.name:<16} {run.section:<12} {result.status:<12} {result.seconds:6.1f}s  {shown}")
    return 0 if all(result.status in ("ok", "skipped") for _, result in results) else 1


if __name__ == "__main__":
    cli.run(main)
