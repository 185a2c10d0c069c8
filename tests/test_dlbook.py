"""The shared package: data loader, flags, devices, figures, console."""
import gzip
import io
import json
import os
import subprocess
import sys
import urllib.request

import numpy as np
import pytest
import torch

import conftest
from dlbook import cli, console, data, device, figures
from conftest import needs_data


# ---- data ----------------------------------------------------------------------------------
def test_loader_reads_synthetic_idx(synthetic_idx):
    root = synthetic_idx("mnist", n_train=50, n_test=20)
    images, labels = data.load("mnist", "train", root)
    assert images.shape == (50, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (50,) and set(labels) == set(range(10))
    assert data.load("mnist", "test", root)[0].shape == (20, 28, 28)


def test_corrupt_file_is_reported_by_name_and_not_read(synthetic_idx):
    root = synthetic_idx("mnist")
    path = root / "mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-100])  # truncated
    with pytest.raises(data.DataError, match="train-images-idx3-ubyte.gz: .*truncated or corrupt"):
        data.load("mnist", "train", root)


def _move_to_torchvision_layout(root):
    """The synthetic files as torchvision keeps them: <root>/MNIST/raw/, the images unpacked."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for path in (root / "mnist").iterdir():
        if "images" in path.name:
            (raw / path.name[:-3]).write_bytes(gzip.decompress(path.read_bytes()))
            path.unlink()
        else:
            path.rename(raw / path.name)
    (root / "mnist").rmdir()
    return raw


def test_torchvision_layout_is_found_gzipped_or_unpacked_and_named(synthetic_idx, capsys):
    root = synthetic_idx("mnist", n_train=50, n_test=20)
    expected = data.load("mnist", "train", root)
    raw = _move_to_torchvision_layout(root)
    images, labels = data.load("mnist", "train", root)
    assert (images == expected[0]).all() and (labels == expected[1]).all()
    assert f"Data: MNIST from {raw} (torchvision's layout" in capsys.readouterr().out
    assert data.locate("mnist", "t10k-images-idx3-ubyte.gz", root) == (raw / "t10k-images-idx3-ubyte",
                                                                      "torchvision's layout, unpacked")


def test_a_corrupt_unpacked_torchvision_file_is_refused_by_name(synthetic_idx):
    root = synthetic_idx("mnist")
    raw = _move_to_torchvision_layout(root)
    bad = raw / "train-images-idx3-ubyte"
    bad.write_bytes(bad.read_bytes()[:-1] + b"\x01")  # one pixel changed, the size unchanged
    with pytest.raises(data.DataError, match=f"{bad}: checksum mismatch"):
        data.load("mnist", "train", root)


def _keras_npz(root, keras_home):
    arrays = {key: data.load("mnist", split, root)[i] for split, i, key in
              (("train", 0, "x_train"), ("train", 1, "y_train"), ("test", 0, "x_test"), ("test", 1, "y_test"))}
    (keras_home / "datasets").mkdir(parents=True)
    np.savez_compressed(keras_home / "datasets" / "mnist.npz", **arrays)
    for path in (root / "mnist").iterdir():
        path.unlink()
    return arrays, keras_home / "datasets" / "mnist.npz"


def test_keras_cache_is_found_checked_and_reported_by_check(synthetic_idx, tmp_path, monkeypatch, capsys):
    from dlbook import check

    root = synthetic_idx("mnist", n_train=50, n_test=20)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    arrays, npz = _keras_npz(root, tmp_path / "keras")
    images, labels = data.load("mnist", "test", root)
    assert (images == arrays["x_test"]).all() and (labels == arrays["y_test"]).all()
    assert f"Data: MNIST from {npz.parent} (Keras' cache" in capsys.readouterr().out
    check.check_data(check.Report(), "mnist", root)
    assert f"MNIST: {npz} (Keras' cache): all four files, checksums hold" in capsys.readouterr().out


def test_a_keras_cache_with_other_pixels_is_refused_by_name(synthetic_idx, tmp_path, monkeypatch):
    root = synthetic_idx("mnist", n_train=50, n_test=20)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    arrays, npz = _keras_npz(root, tmp_path / "keras")
    arrays["x_train"][0, 0, 0] ^= 1
    np.savez_compressed(npz, **arrays)
    with pytest.raises(data.DataError, match=f"{npz}: checksum mismatch for train-images"):
        data.load("mnist", "train", root)


def test_a_corrupt_system_copy_is_refused_by_name(synthetic_idx, tmp_path, monkeypatch):
    root = synthetic_idx("fashion-mnist")
    system = tmp_path / "usr-share"
    (root / "fashion-mnist").rename(system)
    monkeypatch.setitem(data.DATASETS["fashion-mnist"], "system_dirs", [system])
    assert data.load("fashion-mnist", "train", root)[0].shape == (256, 28, 28)
    path = system / "train-labels-idx1-ubyte.gz"
    labels = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(labels[:-1] + bytes([(labels[-1] + 1) % 10])))  # one label changed
    with pytest.raises(data.DataError, match=f"{path}: checksum mismatch"):
        data.load("fashion-mnist", "train", root)


def test_a_short_idx_payload_is_corrupt_and_named(tmp_path):
    path = tmp_path / "short.gz"
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(5))
    with pytest.raises(data.DataError, match="truncated") as err:
        data.parse_idx(data.unpack(path), path)
    assert (err.value.problem, err.value.path) == ("corrupt", path)


def test_missing_files_without_network_name_all_four_and_the_folder(tmp_path, monkeypatch):
    monkeypatch.setitem(data.DATASETS["mnist"], "mirrors", ["http://127.0.0.1:9/"])  # nothing listens
    with pytest.raises(data.DataError) as err:
        data.load("mnist", "train", tmp_path)
    message = str(err.value)
    for filename in data.FILES.values():
        assert filename in message
    assert str(tmp_path / "mnist") in message and "dataset-fashion-mnist" in message
    assert not (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").exists()


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_download_falls_back_to_second_mirror_and_verifies(synthetic_idx, tmp_path, monkeypatch):
    source = synthetic_idx("mnist")
    payload = {f: (source / "mnist" / f).read_bytes() for f in data.FILES.values()}
    monkeypatch.setitem(data.DATASETS["mnist"], "mirrors", ["http://down.example/", "http://up.example/"])
    asked = []

    def fake_urlopen(url, timeout):
        asked.append(url)
        assert timeout == data.TIMEOUT_S
        if url.startswith("http://down.example/"):
            raise OSError("connection refused")
        return FakeResponse(payload[url.rsplit("/", 1)[1]])

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    images, _ = data.load("mnist", "train", tmp_path / "fresh")
    assert images.shape == (256, 28, 28)
    assert asked[:2] == ["http://down.example/train-images-idx3-ubyte.gz", "http://up.example/train-images-idx3-ubyte.gz"]
    assert sorted(p.name for p in (tmp_path / "fresh" / "mnist").iterdir()) == sorted(
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])


def test_a_bad_download_leaves_nothing_behind(synthetic_idx, tmp_path, monkeypatch):
    synthetic_idx("mnist")
    monkeypatch.setitem(data.DATASETS["mnist"], "mirrors", ["http://bad.example/"])
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: FakeResponse(b"not the file"))
    with pytest.raises(data.DataError, match="MD5"):
        data.load("mnist", "train", tmp_path / "fresh")
    assert list((tmp_path / "fresh" / "mnist").iterdir()) == []


def test_missing_data_is_a_data_error_with_status_2(tmp_path, monkeypatch):
    monkeypatch.setitem(data.DATASETS["mnist"], "mirrors", [])
    with pytest.raises(data.DataError, match="train-images-idx3-ubyte.gz") as stop:
        data.load("mnist", "train", tmp_path)
    assert stop.value.status == 2 and stop.value.problem == "missing"


@pytest.mark.parametrize("script,flags,first_line", [
    ("vae.py", ["--device", "cuda:7"], "vae.py: error: --device cuda:7: "),
    ("gan.py", ["--device", "cpu", "--data-dir", "{tmp}/empty"], "gan.py: error: MNIST not found and not downloadable ("),
])
def test_an_error_in_library_code_reaches_the_reader_as_one_line_and_status_2(script, flags, first_line, tmp_path):
    """device.py and data.py raise; the script, run as a reader runs it, says why in argparse's words and
    exits 2, with no traceback (there is no CUDA device 7 on a test machine; nothing can be downloaded)."""
    proc = subprocess.run([sys.executable, f"ch08_generative/{script}", *[f.format(tmp=tmp_path) for f in flags],
                           "--out", str(tmp_path / "out")], cwd=conftest.ROOT, capture_output=True, text=True,
                          encoding="utf-8", env={**os.environ, **conftest.OFFLINE, "KERAS_HOME": str(tmp_path)}, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(first_line) and "Traceback" not in proc.stderr
    if script == "vae.py":
        assert proc.stderr.count("\n") == 1


@needs_data("fashion-mnist")
def test_real_fashion_mnist_where_the_scripts_look():
    images, labels = data.load("fashion-mnist", "test", allow_download=False)
    assert images.shape == (10000, 28, 28) and labels.max() == 9
    assert 60 < images.mean() < 90  # Fashion-MNIST's mean pixel is about 73


def test_data_tests_look_where_the_scripts_look(synthetic_idx, monkeypatch):
    """needs_data finds data/<dataset>/ at the repository root, not only the system copy."""
    root = synthetic_idx("mnist", n_train=20, n_test=10)
    monkeypatch.setattr(data, "DATA_DIR", root)
    monkeypatch.setattr(data.locate, "__defaults__", (root, True))
    conftest.data_folder.cache_clear()
    try:
        assert conftest.data_folder("mnist") == root / "mnist"
        assert not conftest.needs_data("mnist").args[0]
    finally:
        conftest.data_folder.cache_clear()


# ---- flags ---------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["--device", "gpu"], ["--device", "cuda:x"], ["--out", "{file}/sub"],
                                  ["--dataset", "cifar"]])
def test_bad_flags_exit_2(argv, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    parser = cli.make_parser("t", dataset=True)
    with pytest.raises(SystemExit) as exit_:
        cli.parse_args(parser, [a.format(file=blocker) for a in argv])
    assert exit_.value.code == 2


@pytest.mark.parametrize("text", ["0", "-3"])
def test_positive_int_rejects(text):
    with pytest.raises(Exception):
        cli.positive_int(text)


def test_seed_none_leaves_the_flag_out():
    assert "--seed" in cli.make_parser("t").format_help()
    assert "--seed" not in cli.make_parser("t", seed=None).format_help()


@pytest.mark.parametrize("returned,status", [(None, 0), (3, 3), ((0.1, 0.9), 0)])
def test_run_exits_with_mains_status(returned, status):
    with pytest.raises(SystemExit) as exit_:
        cli.start(lambda: returned)
    assert exit_.value.code == status


def test_out_is_not_created_by_parsing(tmp_path):
    args = cli.parse_args(cli.make_parser("t"), ["--out", str(tmp_path / "a" / "b")])
    assert not (tmp_path / "a").exists() and args.out == tmp_path / "a" / "b"


# ---- devices -------------------------------------------------------------------------------
def test_torch_cpu_is_announced(capsys):
    assert device.torch_device("cpu") == torch.device("cpu")
    assert capsys.readouterr().out.startswith("Device: cpu")


def test_torch_auto_without_gpus_is_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert device.torch_device("auto").type == "cpu"


# ---- figures and console --------------------------------------------------------------------
def test_save_figure_creates_folders_and_leaves_no_temp(tmp_path):
    fig, ax = figures.plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = figures.save_figure(fig, tmp_path / "new" / "dir", "fig0-1_test.png")
    image = figures.plt.imread(path)
    assert image.std() > 0
    assert [p.name for p in path.parent.iterdir()] == ["fig0-1_test.png"]


def test_console_logs_book_lines_and_keeps_progress_off_stdout(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(console.time, "perf_counter", iter(range(0, 1000, 40)).__next__)
    with console.Console(tmp_path / "run.log", total_steps=10, label="t") as con:
        con.step()
        con.print("step: 0, loss: 0.212")
        con.step()
    out, err = capsys.readouterr()
    assert out == "step: 0, loss: 0.212\n"
    assert "ETA" in err
    assert (tmp_path / "run.log").read_text(encoding="utf-8") == "step: 0, loss: 0.212\n"


def test_the_main_job_draws_its_progress_as_the_scripts_do(monkeypatch, capsys):
    """reproduce.py's Progress is console.StatusLine's: off a terminal, nothing in the first 30 s,
    then each running script's latest line, joined, once per 30 s."""
    import reproduce

    monkeypatch.setattr(console.time, "perf_counter", iter([0, 10, 40, 50, 65]).__next__)
    progress = reproduce.Progress()  # at 0 s
    progress("vae", "vae 10/100 steps")  # 10 s
    progress("gan", "gan 5/50 steps")  # 40 s
    progress("vae", "vae 20/100 steps")  # 50 s
    progress("gan", "gan 9/50 steps")  # 65 s: 25 s after the last line
    assert capsys.readouterr().err == "vae 10/100 steps | gan 5/50 steps\n"


def test_tiles_puts_images_in_rows_of_columns():
    from dlbook.figures import tiles

    images = torch.arange(6.0)[:, None, None, None].expand(6, 1, 28, 28)  # image k is all k
    grid = tiles(images, 3)
    assert grid.shape == (56, 84)
    assert (grid[0, 0], grid[0, 28], grid[0, 83], grid[28, 0], grid[55, 83]) == (0, 1, 2, 3, 5)


@pytest.mark.slow
def test_only_the_chapter_8_plumbing_loads_pytorch_and_nothing_loads_tensorflow():
    """What dlbook/__init__.py says of its modules, checked in fresh processes."""

    code = ("import sys, importlib; importlib.import_module('dlbook.' + sys.argv[1]); "
            "print('torch' in sys.modules, 'tensorflow' in sys.modules)")
    for module, torch_expected in (("compare", False), ("cli", False), ("device", False), ("data", False),
                                   ("frameworks", False), ("training", True), ("checkpoints", True)):
        out = subprocess.run([sys.executable, "-c", code, module], capture_output=True, text=True, check=True).stdout
        assert out.split() == [str(torch_expected), "False"], module


# A script in its own process, on the synthetic data set: the checksums synthetic_idx gave dlbook.data
# here are given to the process first, and the training scripts print their book line every 2 steps.
# The script's folder is on PYTHONPATH, as `python <script>` puts it on the path.
ON_SYNTHETIC_DATA = """import importlib, json, sys
from dlbook import cli, data
data.DATASETS["mnist"].update(json.loads(sys.argv[1]))
sys.argv = sys.argv[2:]
script = importlib.import_module(sys.argv[0].rsplit("/", 1)[1][:-3])
if hasattr(script, "print_every"):
    script.print_every = 2
cli.start(script.main)
"""
CHAPTER_8 = ["--device", "cpu", "--data-dir", "{data}", "--batch-size", "50", "--epochs", "1"]


@pytest.mark.slow
@pytest.mark.parametrize("script,flags", [
    ("ch06_feedforward/perceptron.py", ["--max-epochs", "5"]),
    ("ch06_feedforward/backprop_manual.py", ["--iterations", "100"]),
    ("ch06_feedforward/xor_tensorflow.py", ["--steps", "200"]),
    ("ch06_feedforward/keras_mlp.py", ["--data-dir", "{data}", "--epochs", "1", "--max-train", "100"]),
    *[(f"ch08_generative/{name}.py", CHAPTER_8) for name in ("vae", "gan", "cgan", "dcgan", "autoencoder")],
    # it trains the three models it finds no weights of, for --quick-epochs
    ("ch08_generative/vae_vs_gan.py", ["--device", "cpu", "--data-dir", "{data}", "--quick-epochs", "1", "--max-steps", "2"]),
    # it measures the generators it finds: gan.py's, saved first by the test (below)
    ("ch08_generative/evaluate.py", ["--device", "cpu", "--data-dir", "{data}", "--classifier-epochs", "1",
                                     "--samples", "32", "--paths", "4"]),
])
def test_the_log_holds_every_line_the_terminal_shows(script, flags, synthetic_idx, tmp_path):
    """--log is the printout of every chapter script: the Device: line before any work, the book's
    lines, the verdict, and the Figure: (and, for the trained models, Weights:) lines after it,
    compared with what the process wrote to its stdout."""
    root = synthetic_idx("mnist", n_train=200, n_test=64)  # keras_mlp.py draws the first 24 test images
    dataset = {key: data.DATASETS["mnist"][key] for key in ("md5", "system_dirs", "mirrors")}
    log = tmp_path / "run.log"

    def run(script, *flags):
        return subprocess.run([sys.executable, "-c", ON_SYNTHETIC_DATA, json.dumps(dataset, default=sorted), script,
                               *[flag.format(data=root) for flag in flags], "--out", str(tmp_path / "out")],
                              cwd=conftest.ROOT, capture_output=True, text=True, encoding="utf-8", timeout=600,
                              env={**os.environ, **conftest.OFFLINE, "KERAS_HOME": str(tmp_path / "no-keras"),
                                   "PYTHONPATH": os.pathsep.join([str(conftest.ROOT / script.rsplit("/", 1)[0]),
                                                                  os.environ.get("PYTHONPATH", "")])})

    if script.endswith("evaluate.py"):
        assert run("ch08_generative/gan.py", *CHAPTER_8).returncode == 0
    proc = run(script, *flags, "--log", str(log))
    assert proc.returncode == 0, proc.stderr
    shown = proc.stdout.splitlines()
    assert log.read_text(encoding="utf-8").splitlines() == shown
    assert any(line.startswith("Device: ") for line in shown) and any(line.startswith("Figure: ") for line in shown)
    if script.startswith("ch08") and not script.endswith(("autoencoder.py", "vae_vs_gan.py", "evaluate.py")):
        assert shown[0].startswith("Device: ") and shown[-1].startswith("Weights: ")
