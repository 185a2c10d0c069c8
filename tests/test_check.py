"""python reproduce.py --check: one ✔/✘ line per item, a fix beside each ✘, exit 1 only when a
chapter script cannot run with its defaults."""
from types import SimpleNamespace

import pytest
import torch

from dlbook import check, data


@pytest.fixture
def report():
    return check.Report()


def lines(capsys):
    return capsys.readouterr().out.splitlines()


def test_python_314_is_flagged_for_xor_only(report, capsys):
    check.check_python(report, python=(3, 14, 0))
    line, = lines(capsys)
    assert line.startswith("✘ Python 3.14.0") and "xor_tensorflow.py" in line and "3.10-3.13" in line
    assert report.blocking == 1
    check.check_python(report, python=(3, 13, 0))
    assert lines(capsys)[0].startswith("✔ Python 3.13.0") and report.blocking == 1


@pytest.mark.parametrize("version,mark,fix", [(None, "✘", "requirements.txt -e ."), ("1.0", "✘", "-c constraints.txt"),
                                              ("2.4.6", "✔", None)])
def test_packages_against_the_range(report, capsys, monkeypatch, version, mark, fix):
    real = check.installed
    monkeypatch.setattr(check, "installed", lambda name: version if name == "numpy" else real(name))
    check.check_packages(report)
    out = lines(capsys)
    numpy_line, = [line for line in out if line[2:].startswith("numpy")]
    assert numpy_line.startswith(mark) and (fix is None or fix in numpy_line)
    assert report.blocking == sum(line.startswith("✘") for line in out)  # each ✘ here stops a script


def test_cuda_gpus_with_names_and_memory(report, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_properties",
                        lambda i: SimpleNamespace(name=f"NVIDIA H{i}00", total_memory=80 * 2**30, major=9, minor=0))
    assert check.check_torch(report)
    out = lines(capsys)
    assert "✔ PyTorch cuda:1: NVIDIA H100, 80.0 GiB, compute capability 9.0" in out


def test_mps_missing_on_a_mac_is_a_warning_not_a_stop(report, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(check.sys, "platform", "darwin")
    check.check_torch(report)
    mps, = [line for line in lines(capsys) if "MPS" in line]
    assert mps.startswith("✘ PyTorch MPS") and "→ fix:" in mps and report.blocking == 0


def test_data_found_checked_corrupt_and_missing(report, capsys, monkeypatch, synthetic_idx):
    root = synthetic_idx("mnist", n_train=20, n_test=10)
    check.check_data(report, "mnist", root)
    path = root / "mnist" / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-3])
    check.check_data(report, "mnist", root)
    assert report.blocking == 1
    path.unlink()
    monkeypatch.setattr(check, "reachable", lambda urls: None)  # offline
    check.check_data(report, "mnist", root)
    out = lines(capsys)
    assert out[0].startswith("✔ MNIST") and "checksums hold" in out[0]
    assert out[1].startswith("✘ MNIST") and f"{path}: checksum mismatch" in out[1] and f"delete {path}" in out[1]
    assert out[2].startswith("✘ MNIST") and "--dataset fashion-mnist" in out[2] and report.blocking == 2


def test_missing_mnist_is_fine_where_a_mirror_answers(report, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(check, "reachable", lambda urls: urls[0])
    check.check_data(report, "mnist", tmp_path)
    assert lines(capsys)[0].startswith("✔ MNIST: 4 file(s) not here yet") and report.blocking == 0


def test_figures_folder_not_writable(report, capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    check.check_figures(report, blocker / "figures")
    assert lines(capsys)[0].startswith("✘ figures") and report.blocking == 1


@pytest.mark.parametrize("blocks,status", [(False, 0), (True, 1)])
def test_exit_status_is_whether_every_script_can_run(monkeypatch, capsys, blocks, status):
    for name in ("check_python", "check_dlbook", "check_packages", "check_keras", "check_figures"):
        monkeypatch.setattr(check, name, lambda report: None)
    monkeypatch.setattr(check, "installed", lambda name: None)
    monkeypatch.setattr(check, "check_tensorflow", lambda report, cuda: None)
    monkeypatch.setattr(check, "check_data", lambda report, name: report.bad(name, "x", "y", blocks=blocks))
    assert check.main() == status
    assert len([line for line in lines(capsys) if line.startswith("✘")]) == len(data.DATASETS)
