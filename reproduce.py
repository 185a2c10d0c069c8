"""Reproduce the chapters: every chapter script in book order, with the book's settings.

    python reproduce.py                    # chapters 6 and 8, the book's full settings
    python reproduce.py --quick            # a few minutes on a laptop CPU: short runs of everything
    python reproduce.py --chapter 8 --dataset fashion-mnist --device cuda

Each script's printout is saved as <out>/logs/<name>.log, the figures land in <out>/, and
<out>/index.html and <out>/README.md become the gallery (dlbook.gallery): each figure with its book
number, caption and the command that made it. The run ends with a summary table.

It continues where it stopped: run again with the same flags after an interruption (Ctrl-C, a
laptop's sleep, a recycled notebook runtime) and each script that finished is reused, the one
that was interrupted goes on from its last saved epoch (--resume), the rest run (--fresh: start
over). Whatever is in doubt (a killed run, a file cut short, edited or of another version), the
answer is to run it again: a script whose files are not all whole is run again, with a line that
says why. Scripts that need nothing from each other run side by side (--jobs), each on its share
of the cores.
"""
import argparse
import hashlib
import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

from dlbook import cli, data, device, frameworks, gallery, manifest, sections
from dlbook.paths import DATA_DIR, FIGURES_DIR, atomic_path

ROOT = Path(__file__).resolve().parent


RUNS = sections.BOOK  # every script in book order, with its flags, figures and key numbers

# What a record (logs/<name>.json) says of a script: running now (or the main job died), or how it ended
RECORD_STATUSES = ("running", "ok", "failed", "interrupted")


class Result(NamedTuple):
    status: str  # "ok", "reused", "failed (N)", "interrupted", "skipped" or "not started"
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
    parser.add_argument("--dataset", choices=list(data.DATASETS), help="for the scripts that load data")
    parser.add_argument("--data-dir", type=Path, help="for the scripts that load data")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="figures, logs and gallery (default figures/)")
    parser.add_argument("--jobs", type=cli.positive_int, default=default_jobs(),
                        help=f"scripts run side by side, when none needs the other's outputs (default here: "
                             f"{default_jobs()}, one per core up to {MAX_JOBS})")
    parser.add_argument("--threads", type=cli.positive_int,
                        help="threads for each script (default: the cores shared out among --jobs)")
    parser.add_argument("--fresh", action="store_true",
                        help="run every script again, reusing and resuming nothing")
    return cli.parse_args(parser, argv)


# Side by side: the book's matrices are too small to keep many cores busy in one script (gan.py's
# step is 1.5x faster on two threads than on one, not 2x), so independent scripts on a few threads
# each get more done. Past about four at once, most of chapter 8 waits on its inputs anyway.
MAX_JOBS = 4


def default_jobs():
    return max(1, min(os.cpu_count() or 1, MAX_JOBS))


def threads_per_job(args):
    return args.threads or max(1, (os.cpu_count() or 1) // args.jobs)


def thread_env(threads):
    """The environment that gives a script `threads` threads: PyTorch and NumPy's BLAS read
    OMP_NUM_THREADS (and MKL's) as they start, TensorFlow its two TF_NUM_* variables."""
    n = str(threads)
    return {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "TF_NUM_INTRAOP_THREADS": n, "TF_NUM_INTEROP_THREADS": n}


def command(section, args):
    argv = [sys.executable, section.script, *(section.quick if args.quick else section.full), "--out", str(args.out)]
    takes = {"seed": section.seeded, "dataset": section.uses_data, "data_dir": section.uses_data}
    for flag, taken in takes.items():
        if taken and getattr(args, flag) is not None:
            argv += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    name = script_device(section, args)[0]
    return argv + (["--device", name] if name else [])


def on_tensorflow(section):
    return section.tensorflow or (section.keras and frameworks.keras_backend() == "tensorflow")


def script_device(section, args):
    """(the --device this script gets, why it differs from --device or None). A TensorFlow script
    asked for a GPU that TensorFlow does not see here (pip's TensorFlow has no CUDA on Windows and
    macOS, no Metal without tensorflow-metal) runs on the CPU, as --check says it may."""
    if not on_tensorflow(section) or not device.tensorflow_problem(args.device, frameworks.tensorflow_gpus()):
        return args.device, None
    return "cpu", (f"TensorFlow sees {frameworks.tensorflow_gpus()} GPU(s) here, so this script runs on the CPU "
                   f"(--device {args.device} is for the PyTorch scripts)")


def preflight(rows, args):
    """What would stop every script the same way is checked once, before the first one runs:
    the device, and each data set (fetched now if missing). One line and exit status 2, nothing
    run and nothing written."""
    if args.device not in (None, "auto", "cpu"):
        problem = device.torch_problem(args.device)
        if problem:
            cli.fail(problem)
    if any(section.uses_data for section in rows):
        name = args.dataset or "mnist"
        try:
            for filename in data.FILES.values():
                data.locate(name, filename, args.data_dir or DATA_DIR)
        except data.DataError as err:  # its message ends by suggesting --dataset fashion-mnist
            cli.fail(str(err))


# --- continuing after an interruption ------------------------------------------------------------
# Beside each log, <name>.json records the command, whether the script is running or how it ended,
# and the size and hash of each file it made: its log, its manifest and the files the manifest
# names. A script is reused only if it ended ok with the same command and each of those files is
# still the one it made. Records, like every file here, are written whole (atomically), so a killed
# main job leaves the last one, never half of one; and whatever a record or manifest holds (cut
# short, another shape, another version, a hand edit), the worst it can do is make its script run
# again, saying why.

RECORD_VERSION = 2  # 1: records before versions, which kept sizes and times; 2: sizes and hashes
RECORD_FIELDS = {"version": int, "command": list, "script": str, "status": str, "seconds": (int, float),
                 "started": (int, float), "files": dict}


def record_path(out, name):
    return Path(out) / "logs" / f"{name}.json"


def log_path(out, name):
    return Path(out) / "logs" / f"{name}.log"


def listed(section, args, made):
    """The files a finished script made, as its manifest `made` lists them; the manifest and the log too."""
    names = [f["file"] for f in made["figures"]] + [t["file"] for t in made["tables"]] + made["saved"]
    return [args.out / f for f in names] + [manifest.path(args.out, section.name), log_path(args.out, section.name)]


def outputs(section, args):
    """The files a finished script made that are there (none without a usable manifest)."""
    made = manifest.read(args.out, section.name)
    return [] if made is None else [p for p in listed(section, args, made) if p.is_file()]


def stamp(path):
    """[size, hash]: the same only for the same bytes (a file cut short or replaced is not)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
        return [os.fstat(f.fileno()).st_size, digest.hexdigest()[:32]]


def write_record(section, args, argv, status, seconds=0.0, files=(), started=None):
    assert status in RECORD_STATUSES, status
    record = {"version": RECORD_VERSION, "command": argv[1:], "script": script_hash(section), "status": status,
              "seconds": round(seconds, 1), "started": started or time.time(),
              "files": {os.fspath(p): stamp(p) for p in files}}
    with atomic_path(record_path(args.out, section.name)) as tmp:
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")


def script_hash(section):
    """The script's text as a hash: an edited (or updated) script is run again, not reused."""
    return hashlib.sha256((ROOT / section.script).read_bytes()).hexdigest()[:16]


def load_record(section, args):
    """The script's record, checked; raises manifest.Unusable saying why it cannot be used."""
    file = record_path(args.out, section.name)
    if not file.exists():
        raise manifest.Unusable("no record of an earlier run")
    record = manifest.load_json(file)
    if not isinstance(record, dict):
        raise manifest.Unusable(f"{file}: a JSON {type(record).__name__}, not a record")
    if record.get("version") != RECORD_VERSION:
        raise manifest.Unusable(f"{file}: a record of format version {record.get('version')!r}, not "
                                f"{RECORD_VERSION} (another version of reproduce.py wrote it)")
    wrong = [key for key, kind in RECORD_FIELDS.items() if not isinstance(record.get(key), kind)]
    if not wrong:  # the right types: now what they hold
        wrong = [key for key, right in (
            ("status", record["status"] in RECORD_STATUSES),
            ("command", all(isinstance(arg, str) for arg in record["command"])),
            ("files", all(isinstance(was, list) and len(was) == 2 for was in record["files"].values()))) if not right]
    if wrong:
        raise manifest.Unusable(f"{file}: a record whose {wrong[0]!r} is not what this version writes")
    return record


def read_record(section, args):
    """The script's record, or None if there is none or it cannot be used."""
    try:
        return load_record(section, args)
    except manifest.Unusable:
        return None


def reusable(section, args, argv, rerun=()):
    """(a Result for a finished script that can stand, or None; why not). `rerun`: the names of the
    scripts run again this time, whose outputs a script that needs them must not predate."""
    if args.fresh:
        return None, "--fresh"
    try:
        record = load_record(section, args)
    except manifest.Unusable as err:
        return None, str(err)
    if record["command"] != argv[1:]:
        return None, "made with other flags"
    if record["script"] != script_hash(section):
        return None, f"{section.script} changed since"
    if record["status"] == "running":
        return None, "its last run never ended (the main job was killed)"
    if record["status"] != "ok":
        return None, f"it ended {record['status']} last time"
    try:
        made = manifest.load(args.out, section.name)
    except manifest.Unusable as err:
        return None, str(err)
    for file in listed(section, args, made):  # each there, and whole: the bytes the script wrote
        was = record["files"].get(os.fspath(file))
        if not file.is_file():
            return None, f"{file} is missing"
        if was is None:
            return None, f"{file} is not in the last run's record"
        if stamp(file) != was:
            return None, f"{file} was changed since (cut short or replaced)"
    if any(name in rerun for name in section.needs):
        return None, "a script it needs was run again"
    return Result("reused", record["seconds"], "", ""), None


def remove_leftovers(out):
    """Delete the temporary files (dlbook.paths.atomic_path's .<name>.<pid>.tmp) of writes that a kill
    cut short: half a figure or checkpoint each, never used, only taking space. A file whose process
    still runs (another main job into this folder) is left alone. POSIX only: os.kill(pid, 0) only asks
    there. Returns the files deleted."""
    if os.name != "posix" or not Path(out).is_dir():
        return []
    gone = []
    for tmp in Path(out).rglob(".*.tmp"):
        pid = tmp.name.rsplit(".", 2)[-2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
            gone.append(tmp)
        except OSError:  # PermissionError: a process of another user's runs with that number
            pass
    return gone


def resumable(section, args, argv):
    """True when this script was interrupted last time, with the same command, after saving an
    epoch: it goes on from there with its own --resume. Still "running" means the main job itself
    was killed (a recycled notebook runtime); a checkpoint older than that attempt is another run's."""
    record = read_record(section, args)
    checkpoint = args.out / section.saves[0] if section.saves else None
    return bool(section.resumes and not args.fresh and record and record["status"] in ("interrupted", "running")
                and record["command"] == argv[1:] and checkpoint.exists()
                and os.stat(checkpoint).st_mtime >= record.get("started", float("inf")))


# --- running scripts ---------------------------------------------------------------------------------
def run_one(section, args, threads=None, live=True, progress=None, started=None):
    """Run one script and save its stdout and stderr in its log; returns a Result. `live`: echo its
    printout as it comes (one script at a time); otherwise it is printed whole when it ends, and
    each progress line on its stderr goes to `progress(name, line)`. `started(proc)` is given the
    process, so that an interrupt can be passed on to it."""
    argv = command(section, args)
    shown = shlex.join(["python", *argv[1:]])
    resume = resumable(section, args, argv)
    record = read_record(section, args) if resume else {}
    earlier = record.get("seconds", 0.0)  # the interrupted attempt's time counts too
    header = f"\n=== {section.name} ({section.section}): {shown}" + (" (continued: --resume)" if resume else "")
    note = f"Note: {script_device(section, args)[1]}\n" if script_device(section, args)[1] else ""
    if live:
        print(header + "\n" + note, end="", flush=True)
    began = record.get("started", time.time())  # when this run's first attempt began
    write_record(section, args, argv, "running", earlier, started=began)
    manifest.path(args.out, section.name).unlink(missing_ok=True)  # an earlier run's: this one writes its own
    start = time.perf_counter()
    lines, errors = [], []

    def read_stderr(stream):
        for line in stream:
            if live:
                print(line, end="", file=sys.stderr, flush=True)
            elif progress and line.startswith(f"{section.name} ") and " steps (" in line:
                progress(section.name, line.strip())
                continue
            errors.append(line)

    # The scripts write UTF-8 into the pipes whatever the console's code page; echoing it here is
    # what safe_streams makes safe on a console that cannot show every character.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(thread_env(threads) if threads else {})}
    # A process group of its own (POSIX): a Ctrl-C reaches only reproduce.py, which passes it on once.
    with subprocess.Popen(argv + (["--resume"] if resume else []), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", bufsize=1,
                          env=env, start_new_session=os.name == "posix") as proc:
        if started:
            started(proc)
        reader = threading.Thread(target=read_stderr, args=(proc.stderr,))
        reader.start()
        for line in proc.stdout:
            if live:
                print(line, end="", flush=True)
            lines.append(line)
        reader.join()
    seconds = earlier + time.perf_counter() - start
    text = "".join(lines)
    stderr = "".join(line for line in errors if "\r" not in line)  # the progress line's redraws: not kept
    with atomic_path(log_path(args.out, section.name)) as tmp:
        tmp.write_text(f"$ {shown}\n{text}" + (f"\n--- stderr ---\n{stderr}" if stderr else ""), encoding="utf-8")
    last_error = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    status = "ok" if proc.returncode == 0 else "interrupted" if proc.returncode in (130, -2) else \
        f"failed ({proc.returncode})"
    write_record(section, args, argv, status.split(" ")[0], seconds, outputs(section, args) if status == "ok" else (),
                 began)
    if not live:
        print(header + "\n" + note + text, end="", flush=True)
        print(stderr, end="", file=sys.stderr, flush=True)
    return Result(status, seconds, text, last_error)


def ready(pending, ended, selected):
    """The pending runs whose inputs are made: each run it needs, among those selected, has ended."""
    return [section for section in pending if all(name in ended for name in section.needs if name in selected)]


def earlier_run(section, args):
    """True if anything of an earlier run of this script is in --out: its record, log or manifest."""
    return any(p.exists() for p in (record_path(args.out, section.name), log_path(args.out, section.name),
                                    manifest.path(args.out, section.name)))


def next_ready(pending, results, selected, free, args, rerun):
    """(the first ready run that can be reused, or else started if a slot is `free`, with its reused
    Result or None, and why not reused), or None when no ready run can be dealt with now."""
    for section in ready(pending, results, selected):
        result, why = reusable(section, args, command(section, args), rerun)
        if result or free:
            return section, result, why
    return None


class Progress:
    """One line on stderr with each running script's latest progress (dlbook.console.StatusLine's)."""

    def __init__(self):
        from dlbook.console import StatusLine

        self.latest, self.lock, self.line = {}, threading.Lock(), StatusLine(every=0)  # each script's own line paces it

    def __call__(self, name, line):
        with self.lock:
            self.latest[name] = line
            now = time.perf_counter()
            if self.line.due(now):
                self.line.show(" | ".join(self.latest.values()), now)

    def clear(self, name):
        with self.lock:
            self.latest.pop(name, None)
            self.line.clear()


def run_all(rows, args):
    """Every row, in the table's order where there is a choice, up to --jobs at once, each starting
    once the runs it needs have ended; reused where it can be. Returns {name: Result}."""
    selected, results, rerun = {r.name for r in rows}, {}, set()
    pending, running, finished = list(rows), {}, queue.Queue()
    live, threads, progress = args.jobs == 1, threads_per_job(args), Progress()
    no_tensorflow = frameworks.tensorflow_missing()

    def work(section):
        try:
            finished.put((section, run_one(section, args, threads, live, progress,
                                           lambda p: running.__setitem__(section.name, p))))
        except BaseException as err:  # noqa: BLE001  (reported like a failed script, never lost in a thread)
            finished.put((section, Result(f"failed ({type(err).__name__})", 0.0, "", str(err))))

    try:
        while pending or running:
            while step := next_ready(pending, results, selected, len(running) < args.jobs, args, rerun):
                section, result, why = step
                pending.remove(section)
                if result is None and section.tensorflow and no_tensorflow:  # no TensorFlow wheel: not a failure
                    result = Result("skipped", 0.0, "", no_tensorflow)
                if result:
                    print(f"\n=== {section.name} ({section.section}): "
                          + ("reused, as the last run with these flags left it"
                          if result.status == "reused" else f"skipped: {result.reason}"), flush=True)
                    results[section.name] = result
                else:
                    if earlier_run(section, args) and not args.fresh:  # say why it is not reused
                        print(f"\n{section.name}: run again: {why}", flush=True)
                    rerun.add(section.name)
                    running[section.name] = None  # its process, once started
                    threading.Thread(target=work, args=(section,), daemon=True).start()
            if running:
                section, result = finished.get()
                running.pop(section.name, None)
                progress.clear(section.name)
                results[section.name] = result
    except KeyboardInterrupt:
        for proc in list(running.values()):  # each saves its last whole epoch and ends
            if proc and os.name == "posix":
                proc.send_signal(signal.SIGINT)
        while running:
            section, result = finished.get()
            running.pop(section.name, None)
            results[section.name] = result
        print("\nInterrupted. Run the same command again to continue: finished scripts are reused, an "
              "interrupted one goes on from its last saved epoch.", file=sys.stderr, flush=True)
    return results


def key_numbers(section, out):
    """The summary's column for a finished script: its row's key numbers, from its manifest ("book_check":
    the verdict line)."""
    made = manifest.read(out, section.name) or {"numbers": {}, "book_check": None}
    shown = []
    for key in section.keys:
        if key == "book_check" and made["book_check"]:
            shown.append(made["book_check"]["line"])
        elif key in made["numbers"]:
            value = made["numbers"][key]
            shown.append(f"{key} = {value:.4g}" if isinstance(value, float) else f"{key} = {value}")
    return " | ".join(shown)


def main(argv=None):
    args = parse_args(argv)
    if args.check:
        from dlbook import check

        return check.main()
    args.argv = sys.argv[1:] if argv is None else list(argv)
    rows = [r for r in RUNS if args.chapter == "all" or r.script.startswith(f"ch0{args.chapter}")]
    preflight(rows, args)
    remove_leftovers(args.out)
    start = time.perf_counter()
    done = run_all(rows, args)
    never = Result("not started", 0.0, "", "the main job was interrupted first")
    results = [(section, done.get(section.name, never)) for section in rows]
    gallery.build(args.out, shlex.join(["python", "reproduce.py", *args.argv]))  # README.md and index.html
    minutes, seconds = divmod(round(time.perf_counter() - start), 60)
    print(f"\nSummary ({'quick' if args.quick else 'book settings'}; {minutes} min {seconds} s, --jobs {args.jobs} "
          f"of {threads_per_job(args)} thread(s)); logs in {args.out / 'logs'}, gallery {args.out / 'README.md'}")
    print(f"{'script':<16} {'section':<12} {'status':<12} {'time':>7}  key numbers (or why not)")
    for section, result in results:
        shown = key_numbers(section, args.out) if result.status in ("ok", "reused") else result.reason
        print(f"{section.name:<16} {section.section:<12} {result.status:<12} {result.seconds:6.1f}s  {shown}")
    if any(result.status in ("interrupted", "not started") for _, result in results):
        return 130
    return 0 if all(result.status in ("ok", "reused", "skipped") for _, result in results) else 1


if __name__ == "__main__":
    cli.start(main)
