"""reproduce.py as the main job: the order the book's table allows, the cores shared out among the
scripts run side by side, finished scripts reused after an interruption (and refused when they
should not be), an interrupted training script continued from its last saved epoch."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import reproduce
from conftest import ROOT, needs_data
from dlbook import sections


def runs(*names):
    return [r for r in reproduce.RUNS if r.name in names]


def test_the_table_says_what_each_script_needs_and_needs_only_earlier_ones():
    names = [run.name for run in sections.BOOK]
    for i, run in enumerate(sections.BOOK):
        assert all(name in names[:i] for name in run.needs), run.name
    first = reproduce.ready(sections.BOOK, {}, set(names))
    assert [r.name for r in first] == [r.name for r in sections.BOOK if not r.needs]
    assert {"gan", "cgan", "vae", "vae_z2", "perceptron"} <= {r.name for r in first}
    assert not {"autoencoder", "vae_vs_gan", "dcgan", "evaluate"} & {r.name for r in first}
    # a need outside the chosen runs does not hold a run back
    assert runs("autoencoder") == reproduce.ready(runs("autoencoder"), {}, {"autoencoder"})


def fake_run_one(log, seconds=0.05):
    """A run_one that records when each run starts and ends, instead of running it."""
    def run_one(run, args, threads=None, live=True, progress=None, started=None):
        log.append(("start", run.name, threads))
        time.sleep(seconds)
        log.append(("end", run.name, threads))
        return reproduce.Result("ok", seconds, "", "")
    return run_one


@pytest.mark.slow  # a few seconds each; the fast loop stays under a minute
@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_runs_start_once_their_needs_ended_at_most_jobs_at_once(jobs, tmp_path, monkeypatch):
    events = []
    monkeypatch.setattr(reproduce, "run_one", fake_run_one(events))
    monkeypatch.setattr(reproduce.frameworks, "tensorflow_missing", lambda: None)
    args = reproduce.parse_args(["--out", str(tmp_path), "--jobs", str(jobs), "--threads", "1"])
    results = reproduce.run_all(sections.BOOK, args)
    needs = {r.name: r.needs for r in sections.BOOK}
    assert set(results) == {r.name for r in sections.BOOK}
    ended, running, most = set(), set(), 0
    for event, name, _ in events:
        if event == "start":
            assert all(need in ended for need in needs[name]), name
            running.add(name)
            most = max(most, len(running))
        else:
            running.discard(name)
            ended.add(name)
    assert most == jobs
    starts = [name for event, name, _ in events if event == "start"]
    if jobs == 1:  # one at a time: the book's order
        assert starts == [r.name for r in sections.BOOK]


def test_the_cores_are_shared_out_among_the_jobs(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    args = reproduce.parse_args([])
    assert (args.jobs, reproduce.threads_per_job(args)) == (2, 1)  # this machine: two scripts, a thread each
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    args = reproduce.parse_args([])
    assert (args.jobs, reproduce.threads_per_job(args)) == (4, 4)
    assert reproduce.threads_per_job(reproduce.parse_args(["--jobs", "1"])) == 16
    assert reproduce.threads_per_job(reproduce.parse_args(["--jobs", "3", "--threads", "2"])) == 2
    assert reproduce.thread_env(3)["OMP_NUM_THREADS"] == "3" and reproduce.thread_env(3)["TF_NUM_INTRAOP_THREADS"] == "3"


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_a_script_gets_its_share_of_the_threads(tmp_path):
    script = tmp_path / "threads.py"
    script.write_text("import torch\nprint(f'threads: {torch.get_num_threads()}')\n", encoding="utf-8")
    run = sections.Section("threads", str(script), "0", "", "", seeded=False)
    args = reproduce.parse_args(["--out", str(tmp_path / "out"), "--jobs", "2", "--threads", "1"])
    result = reproduce.run_one(run, args, threads=1, live=False)
    assert result.status == "ok" and "threads: 1" in result.text  # PyTorch alone takes every core (up to 2 here)


def summary(out):
    return {m[0]: m[1] for m in re.findall(r"^(\w+) +[\d.-]+ +(\w+)", out, re.M)}


@pytest.mark.slow
def test_finished_scripts_are_reused_unless_something_changed(tmp_path, capsys):
    """Reused: the same flags and every output as written. Run again: other flags, a changed or
    missing output, a failed script, --fresh; and a script whose input was made again."""
    out = tmp_path / "figures"
    base = ["--chapter", "6", "--quick", "--jobs", "1", "--out", str(out)]
    table = runs("perceptron", "backprop_manual")
    reproduce.RUNS, saved = table, reproduce.RUNS
    try:
        assert reproduce.main(base) == 0
        assert summary(capsys.readouterr().out) == {"perceptron": "ok", "backprop_manual": "ok"}
        assert reproduce.main(base) == 0
        text = capsys.readouterr().out
        assert summary(text) == {"perceptron": "reused", "backprop_manual": "reused"}
        assert re.search(r"^perceptron +6\.4\.1-6\.4\.3 +reused .*output = \[0, 1, 1, 0\]", text, re.M)
        assert (out / "logs" / "perceptron.log").read_text(encoding="utf-8").startswith("$ python ch06")

        text = (reproduce.main(base + ["--seed", "1"]), capsys.readouterr().out)[1]
        assert summary(text)["perceptron"] == "ok" and "perceptron: run again: made with other flags" in text
        assert summary((reproduce.main(base + ["--seed", "1"]), capsys.readouterr().out)[1])["perceptron"] == "reused"

        figure = out / "fig6-28_relu.png"
        figure.write_bytes(figure.read_bytes()[:100])  # cut short, as by a crash in another program
        assert summary((reproduce.main(base + ["--seed", "1"]), capsys.readouterr().out)[1]) == \
            {"perceptron": "ok", "backprop_manual": "reused"}
        (out / "backprop_error.png").unlink()
        assert summary((reproduce.main(base + ["--seed", "1"]), capsys.readouterr().out)[1]) == \
            {"perceptron": "reused", "backprop_manual": "ok"}
        assert summary((reproduce.main(base + ["--seed", "1", "--fresh"]), capsys.readouterr().out)[1]) == \
            {"perceptron": "ok", "backprop_manual": "ok"}
        hashed = reproduce.script_hash  # an edited script (a reader's git pull) is run again
        reproduce.script_hash = lambda run: hashed(run) + ("-edited" if run.name == "perceptron" else "")
        try:
            assert summary((reproduce.main(base + ["--seed", "1"]), capsys.readouterr().out)[1]) == \
                {"perceptron": "ok", "backprop_manual": "reused"}
        finally:
            reproduce.script_hash = hashed

        broken = table[0]._replace(name="broken", quick=("--max-epochs", "0"))
        after = table[1]._replace(needs=("broken",))
        reproduce.RUNS = [broken, after]
        for _ in range(2):  # a failed script is never taken as done, nor is what depends on it
            assert reproduce.main(base) == 1
            assert summary(capsys.readouterr().out) == {"broken": "failed", "backprop_manual": "ok"}
    finally:
        reproduce.RUNS = saved


def book_lines(text):
    return [line for line in text.splitlines() if line.startswith(("Epoch", "Book check:"))]


DRIVER = """import sys
import reproduce
gan, = [r for r in reproduce.RUNS if r.name == "gan"]
# 3 short epochs: 240 steps each (batch 250), one printed line each
reproduce.RUNS = [r for r in reproduce.RUNS if r.name == "perceptron"] + [
    gan._replace(quick=("--epochs", "3", "--batch-size", "250"))]
sys.exit(reproduce.main(sys.argv[1:]))
"""


@pytest.mark.slow
@needs_data("mnist")
def test_an_interrupted_main_job_goes_on_where_it_stopped(tmp_path):
    """SIGINT in the middle of gan.py, then the same command: perceptron.py is reused, gan.py goes on
    from its last saved epoch, and prints (and judges) what an uninterrupted run prints."""
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def main_job(out, *flags):
        cmd = [sys.executable, str(driver), "--quick", "--jobs", "2", "--threads", "1", "--out", str(out), *flags]
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, encoding="utf-8")

    out = tmp_path / "figures"
    proc = main_job(out)
    checkpoint = out / "weights" / "gan.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert checkpoint.exists(), proc.communicate()[0]
    proc.send_signal(signal.SIGINT)
    first = proc.communicate(timeout=120)[0]
    assert proc.returncode == 130, first
    assert re.search(r"^gan +\S+ +interrupted", first, re.M) and "interrupted; epoch" in first

    # The interrupted attempt's time as if it had been long, so the sum shows in the total below
    record_file = out / "logs" / "gan.json"
    record = json.loads(record_file.read_text(encoding="utf-8"))
    assert record["status"] == "interrupted" and record["seconds"] > 0
    record_file.write_text(json.dumps({**record, "seconds": 1000.0}), encoding="utf-8")
    again = main_job(out)
    second = again.communicate(timeout=300)[0]
    assert again.returncode == 0, second
    assert summary(second) == {"perceptron": "reused", "gan": "ok"}
    after = float(re.search(r"^gan +\S+ +\w+ +([\d.]+)s", second, re.M).group(1))
    assert 1000 < after < 1300  # the time of the whole run, the interrupted attempt's included
    log = (out / "logs" / "gan.log").read_text(encoding="utf-8")
    assert log.startswith("$ python ch08_generative/gan.py --epochs 3") and "Resuming after epoch " in log

    whole = main_job(tmp_path / "whole")
    uninterrupted = whole.communicate(timeout=300)[0]
    assert whole.returncode == 0
    assert len(book_lines(log)) == 4  # three epochs' lines and the verdict
    assert book_lines(log) == book_lines((tmp_path / "whole" / "logs" / "gan.log").read_text(encoding="utf-8"))
    assert "Gallery:" in uninterrupted and (out / "index.html").exists()


@pytest.mark.slow
@needs_data("mnist")
def test_side_by_side_prints_the_numbers_of_one_at_a_time(tmp_path):
    """The same seeds and the same threads per script: --jobs 2 and --jobs 1 print the same lines."""
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.replace('"--epochs", "3"', '"--epochs", "1"'), encoding="utf-8")
    logs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        subprocess.run([sys.executable, str(driver), "--quick", "--jobs", str(jobs), "--threads", "1", "--out", str(out)],
                       cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True, timeout=300)
        logs[jobs] = {name: (out / "logs" / f"{name}.log").read_text(encoding="utf-8") for name in ("perceptron", "gan")}
    assert logs[1] == logs[2] or all(
        logs[1][n].replace(str(tmp_path / "jobs1"), "") == logs[2][n].replace(str(tmp_path / "jobs2"), "") for n in logs[1])
    assert len(book_lines(logs[1]["gan"])) == 2


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_a_reused_run_readies_the_next_in_the_tables_order(tmp_path, monkeypatch):
    """After an interruption, vae_z2 reused: autoencoder (which needs it) starts before the later cgan."""
    events = []
    monkeypatch.setattr(reproduce, "run_one", fake_run_one(events))
    monkeypatch.setattr(reproduce.frameworks, "tensorflow_missing", lambda: None)
    reused = {"perceptron", "xor_tensorflow", "xor_sweep", "backprop_manual", "keras_mlp", "vae_z2", "vae"}
    monkeypatch.setattr(reproduce, "reusable", lambda run, *a: (reproduce.Result("reused", 1.0, "", ""), None)
                        if run.name in reused else (None, "no record"))
    args = reproduce.parse_args(["--out", str(tmp_path), "--jobs", "2", "--threads", "1"])
    results = reproduce.run_all(sections.BOOK, args)
    assert {name for name, r in results.items() if r.status == "reused"} == reused
    starts = [name for event, name, _ in events if event == "start"]
    ready = [row.name for row in sections.BOOK if row.name not in reused and set(row.needs) <= reused]
    assert starts[:2] == ready[:2] and ready[0] == "autoencoder"  # the first two ready, in the table's order


def written_paths(row, out):
    """The files the row's script saves, from its source: the path given to each checkpoints.save_weights
    / torch.save and to training.Run (its checkpoint), where it can be worked out from the script's
    globals, the names assigned before it in its function, and the row's own flags with --out."""
    import argparse
    import ast
    import importlib

    script = importlib.import_module(Path(row.script).stem)
    try:
        args = script.parse_args([*row.full, "--out", str(out)])
    except (SystemExit, Exception):  # noqa: BLE001 (evaluate.py's parser wants saved generators first)
        args = argparse.Namespace(out=str(out), dataset="mnist")
    paths = set()
    for function in ast.walk(ast.parse((ROOT / row.script).read_text(encoding="utf-8"))):
        if not isinstance(function, ast.FunctionDef):
            continue
        names = {**vars(script), "args": args}

        def value(node):  # only a path made of names, strings, os.path.join and the scripts' *_path functions
            for part in ast.walk(node):
                if isinstance(part, ast.Call) and not re.fullmatch(r"(os\.path\.join|(\w+\.)?\w+_path)",
                                                                    ast.unparse(part.func)):
                    raise ValueError(ast.unparse(part))
            return eval(compile(ast.Expression(node), row.script, "eval"), names)

        for node in ast.walk(function):  # assignments before uses, as ast.walk meets them in order
            try:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    names[node.targets[0].id] = value(node.value)
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    where = {"save_weights": 1, "save": 1, "Run": 2}.get(node.func.attr)
                    if where is not None and len(node.args) > where and ast.unparse(node.func) in (
                            "checkpoints.save_weights", "torch.save", "training.Run"):
                        paths.add(Path(value(node.args[where])))
            except Exception:  # noqa: BLE001 (a value only known as it runs)
                pass
    return paths, args


def test_each_rows_saved_files_are_the_ones_its_script_writes(tmp_path):
    """Section.saves against the scripts' own path functions and the paths their source saves to: a
    wrong name would make reproduce.py start an interrupted run over and miss the weights it checks
    before reusing a run."""
    import cgan
    import dcgan
    import evaluate
    import gan
    import vae

    own = {"vae_z2": vae.weights_path(tmp_path, 2), "vae": vae.weights_path(tmp_path, vae.z_dim),
           "gan": gan.checkpoint_path(tmp_path), "cgan": cgan.checkpoint_path(tmp_path),
           "dcgan": dcgan.checkpoint_path(tmp_path), "evaluate": evaluate.classifier_path(tmp_path, "mnist")}
    for row in sections.BOOK:
        if row.resumes:
            assert row.saves, row.name
        if row.name in own:
            assert tmp_path / row.saves[0].format(dataset="mnist") == Path(own[row.name]), row.name
        written, args = written_paths(row, tmp_path)
        saves = {tmp_path / saved.format(dataset=getattr(args, "dataset", "")) for saved in row.saves}
        assert saves == written | ({Path(own[row.name])} if row.name in own else set()), row.name


def test_only_this_runs_own_checkpoint_is_continued(tmp_path):
    """--resume only for an attempt with the same command that ended interrupted, or was still running
    when the main job died, and only from a checkpoint written since that attempt began (not one a
    --quick run left there)."""
    gan_row, = runs("gan")
    args = reproduce.parse_args(["--out", str(tmp_path)])
    argv = reproduce.command(gan_row, args)
    checkpoint = tmp_path / gan_row.saves[0]
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"saved")
    os.utime(checkpoint, (time.time() - 100, time.time() - 100))  # older than the attempt below
    reproduce.write_record(gan_row, args, argv, "interrupted", 5.0)
    assert not reproduce.resumable(gan_row, args, argv)
    checkpoint.write_bytes(b"saved since")
    assert reproduce.resumable(gan_row, args, argv)
    for status, expected in (("running", True), ("failed", False), ("ok", False)):
        reproduce.write_record(gan_row, args, argv, status, 5.0, started=time.time() - 10)
        assert reproduce.resumable(gan_row, args, argv) == expected, status
    reproduce.write_record(gan_row, args, argv, "interrupted", 5.0, started=time.time() - 10)
    assert reproduce.resumable(gan_row, args, argv)
    assert not reproduce.resumable(gan_row, args, argv[:-1] + ["other"])  # another command
    assert not reproduce.resumable(gan_row, reproduce.parse_args(["--out", str(tmp_path), "--fresh"]), argv)


def rows_whose_files_it_reads(row, out):
    """From the script's source: the rows (other scripts', or another row of its own script's) whose
    saved files it reads. A read names the writing script's path function, `gan.checkpoint_path`,
    `vae.weights_path(folder, vae.z_dim)`, or a function of that script that calls it
    (`vae.find_or_train_vae(args, z_dim, ...)`); the path function's further arguments are those of the
    call that the script's module can evaluate (`z_dim`, `vae.z_dim`, `2`), and the path it gives, with
    --out, is the first file in a row's `saves`."""
    import ast
    import importlib
    import inspect

    modules = {Path(r.script).stem for r in sections.BOOK}
    own = Path(row.script).stem
    script = importlib.import_module(own)
    tree = ast.parse((ROOT / row.script).read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    read = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and node.value.id != own):
            continue
        module = importlib.import_module(node.value.id)
        called = getattr(module, node.attr, None)
        if not inspect.isfunction(called):
            continue
        path_functions = [f for name, f in vars(module).items() if name.endswith("_path") and inspect.isfunction(f)
                          and (f is called or re.search(rf"\b{name}\b", inspect.getsource(called)))]
        call = parents.get(node)
        extra = []
        if isinstance(call, ast.Call) and call.func is node:
            for arg in call.args:
                try:
                    extra.append(eval(compile(ast.Expression(arg), row.script, "eval"), vars(script)))
                except Exception:  # noqa: BLE001 (a run-time value: args, folder, device)
                    pass
        for path_of in path_functions:
            wanted = len(inspect.signature(path_of).parameters) - 1
            paths = {Path(path_of(out, *extra[:wanted]))} if len(extra) >= wanted else set()
            read |= {r.name for r in sections.BOOK if r.saves and Path(out) / r.saves[0] in paths}
    return read - {row.name}


def test_each_row_needs_exactly_the_rows_whose_saved_files_its_script_reads(tmp_path):
    """With --jobs, a run starts once its needs ended: a saved file read but not in needs could be
    missing or half-written when it is read (vae_vs_gan without "gan"), one in needs but not read
    holds the run back for nothing."""
    for row in sections.BOOK:
        assert set(row.needs) == rows_whose_files_it_reads(row, tmp_path), row.name


CHAPTER_6_DRIVER = """import sys
import reproduce
row, = [r for r in reproduce.RUNS if r.name == "backprop_manual"]
reproduce.RUNS = [row._replace(quick=("--iterations", "1000000000", "--print-every", "100000000"))]
sys.exit(reproduce.main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_an_interrupted_main_job_says_a_chapter_6_script_was_interrupted(tmp_path):
    """SIGINT to the main job while backprop_manual.py (no training.Run, no handler of its own) runs:
    the main job passes SIGINT on, so the script ends as Ctrl-C ends it and the summary says
    interrupted (SIGTERM would kill it: "failed (-15)")."""
    driver = tmp_path / "driver.py"
    driver.write_text(CHAPTER_6_DRIVER, encoding="utf-8")
    out = tmp_path / "figures"
    proc = subprocess.Popen([sys.executable, str(driver), "--quick", "--jobs", "1", "--out", str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    import queue
    import threading

    lines = queue.Queue()  # what the main job prints, as it prints it
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    printed, deadline = [], time.monotonic() + 120
    while not any("repeat for" in line for line in printed) and time.monotonic() < deadline:
        try:
            printed.append(lines.get(timeout=1))
        except queue.Empty:
            assert proc.poll() is None, "".join(printed)
    assert proc.poll() is None and time.monotonic() < deadline, "".join(printed)
    time.sleep(0.5)  # inside its training loop
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    reader.join(timeout=10)  # to the end of what it printed
    while not lines.empty():
        printed.append(lines.get())
    printed = "".join(printed)
    assert proc.returncode == 130, printed
    assert re.search(r"^backprop_manual +\S+ +interrupted", printed, re.M), printed
    assert not re.search(r"failed \(-15\)", printed), printed
