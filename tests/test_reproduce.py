"""reproduce.py: runs scripts, saves their logs (stdout and stderr), writes the gallery and the summary;
checks the device and the data once, up front; skips what needs a missing TensorFlow."""
import os
import re
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path

import pytest
import torch

from conftest import OFFLINE, ROOT, error_line, stopped

import reproduce


def runs(*names):
    return [r for r in reproduce.RUNS if r.name in names]


@pytest.mark.slow
def test_runs_logs_gallery_and_summary(tmp_path, capsys, monkeypatch):
    perceptron, = runs("perceptron")
    broken = perceptron._replace(name="broken", section="6.4.2", quick=["--max-epochs", "0"], keys=("none",))
    monkeypatch.setattr(reproduce, "RUNS", [perceptron, broken])
    status = reproduce.main(["--chapter", "6", "--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 1  # one script failed, and the summary says which and why
    assert re.search(r"^perceptron +6\.4\.1-6\.4\.3 +ok .*output = \[0, 1, 1, 0\]", out, re.M)
    assert re.search(r"^broken +6\.4\.2 +failed \(2\) .*error: argument --max-epochs", out, re.M)
    log = (tmp_path / "logs" / "perceptron.log").read_text(encoding="utf-8")
    assert log.startswith("$ python ch06_feedforward/perceptron.py") and "output = Hw + b" in log
    broken_log = (tmp_path / "logs" / "broken.log").read_text(encoding="utf-8")
    assert "--- stderr ---" in broken_log and "error: argument --max-epochs" in broken_log
    gallery = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "## Fig 6-26: XOR: circles are 0, squares are 1; no straight line separates them · 图6-26 异或问题示意图" in gallery
    assert "python reproduce.py --chapter 6 --quick --out" in gallery
    for image in re.findall(r"!\[.*?\]\((.+?)\)", gallery):
        assert (tmp_path / image).exists()


def test_missing_device_stops_before_any_script(tmp_path, capsys, monkeypatch):
    """Fix 7: --device cuda without CUDA: one line, exit 2, no script run, the gallery untouched."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(reproduce, "run_one", lambda *a: pytest.fail("a script ran"))
    (tmp_path / "README.md").write_text("the last gallery", encoding="utf-8")
    status, err = stopped(capsys, reproduce.main, "--device", "cuda", "--out", tmp_path)
    assert status == 2 and len(err) == 1 and err[0].startswith(error_line("--device cuda: "))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "the last gallery"


@pytest.mark.slow
def test_without_data_or_network_one_message_before_any_script(tmp_path):
    """Issue 9: no MNIST and no network: the data set is checked once, before the first script,
    and one message (suggesting --dataset fashion-mnist) ends the run with status 2."""
    proc = subprocess.run([sys.executable, "reproduce.py", "--chapter", "6", "--data-dir", str(tmp_path / "empty"),
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=60,
                          env={**os.environ, **OFFLINE})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("not found and not downloadable") == 1 and "--dataset fashion-mnist" in proc.stderr
    assert "===" not in proc.stdout and not (tmp_path / "out").exists()


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_without_tensorflow_xor_is_skipped_with_the_reason(tmp_path, capsys, monkeypatch):
    """Where TensorFlow has no wheel (Python 3.14) the XOR runs are skipped, not failed, and the
    run exits 0 when nothing else failed."""
    monkeypatch.setattr(reproduce, "RUNS", runs("perceptron", "xor_tensorflow", "xor_sweep"))
    monkeypatch.setattr(reproduce.frameworks, "tensorflow_missing", lambda: "TensorFlow needs Python 3.10-3.13")
    assert reproduce.main(["--chapter", "6", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^xor_tensorflow +6\.4\.4 +skipped .*TensorFlow needs Python 3\.10-3\.13$", out, re.M)
    assert re.search(r"^xor_sweep +6\.4\.4 +skipped", out, re.M)
    assert re.search(r"^perceptron .* ok ", out, re.M)


def test_seed_goes_only_to_scripts_that_take_it(monkeypatch):
    """--seed goes to each script whose own parser has it, and to no other."""
    import importlib

    from dlbook import cli

    monkeypatch.setattr(cli, "parse_args", lambda parser, argv=None: parser.parse_args(argv))  # no checks of --out
    args = Namespace(quick=True, out=ROOT / "figures", device=None, seed=3, dataset=None, data_dir=None)
    for run in reproduce.RUNS:
        script = importlib.import_module(Path(run.script).stem)
        takes_seed = hasattr(script.parse_args([]), "seed")
        assert ("--seed" in reproduce.command(run, args)) == takes_seed, run.name
    assert not runs("backprop_manual")[0].seeded


@pytest.mark.slow
def test_check_is_fast_offline_and_says_each_fix(tmp_path):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "reproduce.py", "--check"], cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                          timeout=60, env={**os.environ, **OFFLINE})
    assert time.perf_counter() - start < 20
    lines = proc.stdout.splitlines()
    items = [line for line in lines[1:-1]]
    assert items and all(line.startswith(("✔ ", "✘ ")) for line in items), proc.stdout + proc.stderr
    assert all("→ fix: " in line for line in items if line.startswith("✘"))
    assert any(line.startswith(("✔ Python", "✘ Python")) for line in items)
    assert proc.returncode == (1 if "problem(s)" in lines[-1] else 0)


def test_each_script_that_reads_a_data_set_is_given_the_one_asked_for():
    """A row's uses_data is the script's own: it takes --dataset (its parser says dataset=True), so
    reproduce.py --dataset fashion-mnist reaches it (evaluate.py too, which reads every generator)."""
    args = Namespace(quick=False, out=ROOT / "figures", device=None, seed=None, dataset="fashion-mnist", data_dir=None)
    for run in reproduce.RUNS:
        takes = "dataset=True" in (ROOT / run.script).read_text(encoding="utf-8")
        assert run.uses_data == takes, run.name
        assert ("--dataset" in reproduce.command(run, args)) == takes, run.name
    assert "fashion-mnist" in reproduce.command(runs("evaluate")[0], args)
