"""The main job survives its own files: whatever a record (logs/<name>.json), log or manifest holds
(missing, empty, cut short, of another shape or version, a hand edit), the next run runs that script
again, says why, and ends normally. And a main job killed at any moment (SIGKILL, as a recycled
notebook runtime kills it and its scripts) never leaves a script that counts as done without its
outputs: the run after it ends with the numbers of an uninterrupted run."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import reproduce
from conftest import ROOT
from dlbook import gallery, manifest, sections
from dlbook.figures import plt

ROW, = [r for r in sections.BOOK if r.name == "perceptron"]


def finished(out):
    """`out` as a finished run of ROW leaves it (without running it): a figure, a table, its manifest,
    its log and an ok record of them. Returns the args and the command."""
    args = reproduce.parse_args(["--quick", "--out", str(out)])
    argv = reproduce.command(ROW, args)
    out.mkdir(parents=True, exist_ok=True)
    (out / "fig6-28_relu.png").write_bytes(b"\x89PNG" + bytes(range(256)) * 8)
    (out / "table.md").write_text("| a |\n|---|\n| 1 |\n", encoding="utf-8")
    manifest._shown[:] = [out / "fig6-28_relu.png"]
    manifest.write(ROOT / ROW.script, argv[2:], out, ROW.name, numbers={"perceptron_xor_wrong": 2, "output": [0, 1, 1, 0]},
                   tables=[{"file": out / "table.md", "columns": ["a"], "rows": [[1]]}])
    (out / "logs").mkdir(exist_ok=True)
    (out / "logs" / "perceptron.log").write_text(f"$ python {ROW.script}\nOutput: [0, 1, 1, 0]\n", encoding="utf-8")
    reproduce.write_record(ROW, args, argv, "ok", 1.5, reproduce.outputs(ROW, args))
    return args, argv


def edit_json(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


RECORD, LOG, MANIFEST = "logs/perceptron.json", "logs/perceptron.log", "manifests/perceptron.json"


def half(text):
    return text[:len(text) // 2]


# (what is done to the finished folder, words of the reason the run gives for running it again)
DAMAGE = {
    "record []": (lambda out: (out / RECORD).write_text("[]"), "a JSON list, not a record"),
    "record {}": (lambda out: (out / RECORD).write_text("{}"), "format version None"),
    "record cut short": (lambda out: (out / RECORD).write_text(half((out / RECORD).read_text())), "not readable JSON"),
    "record empty": (lambda out: (out / RECORD).write_text(""), "not readable JSON"),
    "record not UTF-8": (lambda out: (out / RECORD).write_bytes(b"\xff\xfe{"), "not readable JSON"),
    "record missing": (lambda out: (out / RECORD).unlink(), "no record of an earlier run"),
    "record of another version": (lambda out: edit_json(out / RECORD, lambda r: r.update(version=99)),
                                  "format version 99"),
    "record of before versions": (lambda out: edit_json(out / RECORD, lambda r: r.pop("version", None)),
                                  "format version None"),
    "record's command a string": (lambda out: edit_json(out / RECORD, lambda r: r.update(command="python x.py")),
                                  "'command'"),
    "record's files a list": (lambda out: edit_json(out / RECORD, lambda r: r.update(files=[])), "'files'"),
    "record's file stamps strings": (lambda out: edit_json(out / RECORD, lambda r: r.update(
        files={f: "x" for f in r["files"]})), "'files'"),
    "record's status unknown": (lambda out: edit_json(out / RECORD, lambda r: r.update(status="done")), "'status'"),
    "record's seconds a string": (lambda out: edit_json(out / RECORD, lambda r: r.update(seconds="1.5")),
                                  "'seconds'"),
    "record's command holds a number": (lambda out: edit_json(out / RECORD, lambda r: r["command"].append(1)),
                                        "'command'"),
    "log empty": (lambda out: (out / LOG).write_text(""), "perceptron.log was changed since"),
    "log missing": (lambda out: (out / LOG).unlink(), "perceptron.log is missing"),
    "manifest missing": (lambda out: (out / MANIFEST).unlink(), "perceptron.json is missing"),
    "manifest empty": (lambda out: (out / MANIFEST).write_text(""), "not readable JSON"),
    "manifest cut short": (lambda out: (out / MANIFEST).write_text(half((out / MANIFEST).read_text())),
                           "not readable JSON"),
    "manifest []": (lambda out: (out / MANIFEST).write_text("[]"), "a JSON list, not a manifest"),
    "manifest {}": (lambda out: (out / MANIFEST).write_text("{}"), "format version None"),
    "manifest of another version": (lambda out: edit_json(out / MANIFEST, lambda m: m.update(version=0)),
                                    "format version 0"),
    "manifest's figures a string": (lambda out: edit_json(out / MANIFEST, lambda m: m.update(figures="f.png")),
                                    "'figures'"),
    "manifest's figure file a number": (lambda out: edit_json(out / MANIFEST, lambda m: m.update(
        figures=[{"file": 3}])), "without a file name"),
    "manifest's numbers a list": (lambda out: edit_json(out / MANIFEST, lambda m: m.update(numbers=[1])),
                                  "'numbers'"),
    "manifest's verdict a number": (lambda out: edit_json(out / MANIFEST, lambda m: m.update(book_check=3)),
                                    "'book_check'"),
    "manifest's table without rows": (lambda out: edit_json(out / MANIFEST, lambda m: m["tables"][0].pop("rows")),
                                      "without columns and rows"),
    "figure missing": (lambda out: (out / "fig6-28_relu.png").unlink(), "fig6-28_relu.png is missing"),
    "figure cut short": (lambda out: (out / "fig6-28_relu.png").write_bytes(
        (out / "fig6-28_relu.png").read_bytes()[:100]), "fig6-28_relu.png was changed since"),
    "figure replaced, same size": (lambda out: (out / "fig6-28_relu.png").write_bytes(
        bytes(len((out / "fig6-28_relu.png").read_bytes()))), "fig6-28_relu.png was changed since"),
    "table missing": (lambda out: (out / "table.md").unlink(), "table.md is missing"),
}


def test_a_finished_run_is_reused(tmp_path):
    args, argv = finished(tmp_path)
    result, why = reproduce.reusable(ROW, args, argv)
    assert result and result.status == "reused" and result.seconds == 1.5, why


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_file_means_run_again_saying_why(case, tmp_path, monkeypatch, capsys):
    args, argv = finished(tmp_path)
    damage, reason = DAMAGE[case]
    damage(tmp_path)
    result, why = reproduce.reusable(ROW, args, argv)
    assert result is None and reason in why
    assert reproduce.resumable(ROW, args, argv) is False  # nor taken as an interrupted run to go on from
    # The main job's loop: the script runs again, with the line that says why, and ends normally
    ran = []
    monkeypatch.setattr(reproduce, "run_one", lambda section, *a, **k: ran.append(section.name)
                        or reproduce.Result("ok", 0.1, "", ""))
    results = reproduce.run_all([ROW], args)
    assert ran == ["perceptron"] and results["perceptron"].status == "ok"
    assert f"perceptron: run again: {why}" in capsys.readouterr().out
    # and what the summary and the gallery read from the folder does not stop them
    reproduce.key_numbers(ROW, tmp_path)
    gallery.build(tmp_path, "python reproduce.py")


@pytest.mark.parametrize("text", ["", "[]", "{}", '{"version": 1, "command": 3}', '{"numbers": {"a": 1'])
def test_a_damaged_manifest_of_a_row_not_run_does_not_stop_the_summary_or_gallery(text, tmp_path):
    """--chapter 6 builds the page from every row's manifest, chapter 8's included."""
    gan, = [r for r in sections.BOOK if r.name == "gan"]
    manifest.path(tmp_path, "gan").parent.mkdir(parents=True)
    manifest.path(tmp_path, "gan").write_text(text, encoding="utf-8")
    assert manifest.read(tmp_path, "gan") is None
    with pytest.raises(manifest.Unusable):
        manifest.load(tmp_path, "gan")
    assert reproduce.key_numbers(gan, tmp_path) == ""
    gallery.build(tmp_path, "python reproduce.py")
    assert (tmp_path / "index.html").exists()


def test_what_a_script_writes_is_a_manifest_of_this_version(tmp_path):
    finished(tmp_path)
    made = manifest.load(tmp_path, "perceptron")
    assert made["version"] == manifest.VERSION and manifest.shape_problem(made) is None
    record = json.loads((tmp_path / RECORD).read_text(encoding="utf-8"))
    assert record["version"] == reproduce.RECORD_VERSION
    assert sorted(Path(f).name for f in record["files"]) == \
        ["fig6-28_relu.png", "perceptron.json", "perceptron.log", "table.md"]  # the log and manifest too


# --- end to end -----------------------------------------------------------------------------------

def summary_rows(text):
    """{script: (status, key numbers)} from the summary table."""
    return {m[0]: (m[1], m[2]) for m in re.findall(r"^(\w+) +\S+ +(\w+(?: \(\S+\))?) +[\d.]+s  (.*)$", text, re.M)}


@pytest.mark.slow
def test_damaged_files_after_a_quick_chapter_6_run_are_made_again(tmp_path, capsys, monkeypatch):
    """The reader's case: `python reproduce.py --quick --chapter 6`, files damaged, the same command
    again: exit 0, each damaged script run again with the reason, the others reused, the same numbers.
    (Chapter 6's two NumPy rows stand in for the chapter: its TensorFlow rows take a minute more.)"""
    monkeypatch.setattr(reproduce, "RUNS", [r for r in sections.BOOK if r.name in ("perceptron", "backprop_manual")])
    out = tmp_path / "figures"
    command = ["--quick", "--chapter", "6", "--out", str(out)]
    assert reproduce.main(command) == 0
    first = summary_rows(capsys.readouterr().out)
    assert {name: status for name, (status, _) in first.items()} == {"perceptron": "ok", "backprop_manual": "ok"}

    (out / RECORD).write_text("[]", encoding="utf-8")
    (out / "logs" / "backprop_manual.log").write_text("", encoding="utf-8")
    (out / "manifests" / "gan.json").write_text("{}", encoding="utf-8")  # a row not run this time
    assert reproduce.main(command) == 0
    text = capsys.readouterr()
    assert "Traceback" not in text.out + text.err
    assert f"perceptron: run again: {out / RECORD}: a JSON list, not a record" in text.out
    assert f"backprop_manual: run again: {out / 'logs' / 'backprop_manual.log'} was changed since" in text.out
    assert summary_rows(text.out) == first

    (out / "manifests" / "perceptron.json").write_text('{"version": 1, "figures": [', encoding="utf-8")
    figure = out / "fig6-35_backprop_to_w1.png"
    figure.write_bytes(figure.read_bytes()[:100])
    assert reproduce.main(command) == 0
    text = capsys.readouterr().out
    assert "perceptron: run again: " in text and "perceptron.json is not readable JSON" in text
    assert f"backprop_manual: run again: {figure} was changed since" in text
    assert summary_rows(text) == first

    assert reproduce.main(command) == 0
    assert {name: status for name, (status, _) in summary_rows(capsys.readouterr().out).items()} == \
        {"perceptron": "reused", "backprop_manual": "reused"}


# --- killed at any moment -----------------------------------------------------------------------

KILL_ROWS = ("perceptron", "xor_tensorflow", "backprop_manual")  # chapter 6 in a third of its time
KILL_DRIVER = f"""import sys
import reproduce
reproduce.RUNS = [r for r in reproduce.RUNS if r.name in {KILL_ROWS!r}]
sys.exit(reproduce.main(sys.argv[1:]))
"""


def descendants(pid):
    """Every process under `pid`, from /proc: the main job's scripts run in sessions of their own, so
    that a Ctrl-C reaches only the main job, and killing its process group alone would miss them."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # ended meanwhile
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        under = children.get(todo.pop(), [])
        found += under
        todo += under
    return found


def kill_all(proc):
    """SIGKILL the main job and its scripts at once, as a recycled notebook runtime does: the main
    job's group is stopped first (it starts nothing more), then every process under it and it are killed."""
    os.killpg(proc.pid, signal.SIGSTOP)
    for pid in descendants(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def counted_as_done(out):
    """The rows the main job's next run with the kill test's flags would reuse."""
    args = reproduce.parse_args(["--quick", "--chapter", "6", "--jobs", "2", "--threads", "1", "--out", str(out)])
    rows = [r for r in sections.BOOK if r.name in KILL_ROWS]
    return [r.name for r in rows if reproduce.reusable(r, args, reproduce.command(r, args))[0]]


def whole_outputs(out, name, whole):
    """The row's manifest, numbers and figures are the uninterrupted run's, every figure a whole PNG."""
    made, made_whole = manifest.load(out, name), manifest.load(whole, name)
    assert made["numbers"] == made_whole["numbers"], name
    assert [f["file"] for f in made["figures"]] == [f["file"] for f in made_whole["figures"]], name
    for figure in made["figures"]:
        assert plt.imread(out / figure["file"]).std() > 0, figure


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the main job's scripts in /proc (Linux)")
def test_a_main_job_killed_at_any_moment_never_counts_a_damaged_script_as_done(tmp_path):
    """The main job and its scripts SIGKILLed at three seeded moments spread over an uninterrupted
    run's time, and once as the page is built after the last script; then the same command to the
    end: exit 0, the uninterrupted run's key numbers, and every script's outputs whole."""
    driver = tmp_path / "driver.py"
    driver.write_text(KILL_DRIVER, encoding="utf-8")

    def start(out, log):
        command = [sys.executable, str(driver), "--quick", "--chapter", "6", "--jobs", "2", "--threads", "1",
                   "--out", str(out)]
        return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def to_the_end(out, name):
        with open(tmp_path / name, "w", encoding="utf-8") as log:
            began = time.perf_counter()
            assert start(out, log).wait(timeout=600) == 0, (tmp_path / name).read_text(encoding="utf-8")
        return (tmp_path / name).read_text(encoding="utf-8"), time.perf_counter() - began

    whole, duration = to_the_end(tmp_path / "whole", "whole.txt")
    expected = summary_rows(whole)
    assert set(expected) == set(KILL_ROWS)

    out, rng, printed = tmp_path / "figures", random.Random(33), []
    # early, middle and late in a run, each measured from its attempt's start (an attempt goes on
    # from what the one before left), then as the page is built after the last script
    moments = [rng.uniform(third / 3, (third + 1) / 3) * duration for third in range(3)]
    for attempt, moment in enumerate(moments + ["page"]):
        with open(tmp_path / f"killed{attempt}.txt", "w", encoding="utf-8") as log:
            proc, began = start(out, log), time.perf_counter()
            text = (tmp_path / f"killed{attempt}.txt").read_text
            while proc.poll() is None:
                if moment == "page" and all(f"=== {name} (" in text(encoding="utf-8") for name in KILL_ROWS):
                    break  # every script ended or was reused: the page is being built
                if moment != "page" and time.perf_counter() - began > moment:
                    break
                time.sleep(0.01)
            killed = proc.poll() is None
            if killed:
                kill_all(proc)
        printed.append(text(encoding="utf-8"))
        assert "Traceback" not in printed[-1], printed[-1]
        done = counted_as_done(out)
        for name in done:
            whole_outputs(out, name, tmp_path / "whole")
        print(f"attempt {attempt}: {'killed' if killed else 'ended'} after {time.perf_counter() - began:.1f} s "
              f"(uninterrupted: {duration:.1f} s); counted as done: {', '.join(done) or 'none'}; "
              + "; ".join(line for line in printed[-1].splitlines() if "run again" in line or "reused," in line))

    final, _ = to_the_end(out, "final.txt")
    assert "Traceback" not in final
    assert {name: keys for name, (_, keys) in summary_rows(final).items()} == \
        {name: keys for name, (_, keys) in expected.items()}, final
    assert counted_as_done(out) == list(KILL_ROWS)
    for name in KILL_ROWS:
        whole_outputs(out, name, tmp_path / "whole")
    assert (out / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert not [p for p in out.rglob("*") if p.is_file() and p.stat().st_size == 0]
    assert not list(out.rglob(".*.tmp"))  # the writes the kills cut short: deleted by the next run


@pytest.mark.skipif(os.name != "posix", reason="asks whether a process runs with os.kill(pid, 0)")
def test_half_written_files_of_a_killed_run_are_removed_and_a_running_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # a process number no longer in use (reused this soon: most unlikely)
    killed = [tmp_path / f".fig6-28_relu.png.{dead.pid}.tmp", tmp_path / "weights" / f".gan.pt.{dead.pid}.tmp"]
    running = tmp_path / "logs" / f".perceptron.json.{os.getpid()}.tmp"
    kept = [running, tmp_path / "fig6-28_relu.png", tmp_path / ".notes.tmp"]
    for path in killed + kept:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half")
    assert sorted(reproduce.remove_leftovers(tmp_path)) == sorted(killed)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in killed)
