"""What the tests share: synthetic IDX data sets, the one way to skip for missing data
(`from conftest import needs_data`), the offline environment, and each skip reason said once at
the end. (The scripts themselves are imported by name, `import vae`: pytest.ini puts the chapter
folders on the path.)"""
import functools
import gzip
import hashlib
import os
import re
import struct
import sys
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):  # pytest -n N: the workers share the cores, one thread each
    os.environ["OMP_NUM_THREADS"] = "1"  # (read as torch starts, and passed on to the scripts' processes)
# The scripts' processes that tests start print UTF-8, which the tests read back, even when the suite
# itself runs under a stand-in console (PYTHONIOENCODING=gbk); test_portable sets those for its children.
os.environ["PYTHONIOENCODING"] = "utf-8"

import numpy as np
import pytest
import torch._dynamo  # noqa: F401  (see below)

from dlbook import data

# One test process loads both PyTorch and TensorFlow (keras_mlp.py and xor_tensorflow.py start it as
# they are imported). PyTorch's compiler stack (triton, loaded by the first optimiser) crashes the
# process when it is first loaded after TensorFlow, so it is loaded here, before any test module.
# Each chapter script runs in its own process and loads one of the two.

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}  # nothing listens there


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _level_images(labels, rng):
    """28x28 images of one grey level per class (class k: 0.1 + 0.8 k/9) with slight noise: a
    class any rule that reads the mean brightness can tell."""
    levels = 0.1 + 0.8 * labels[:, None, None] / 9
    return np.clip(255 * (levels + rng.normal(0, 0.03, size=(len(labels), 28, 28))), 0, 255).astype(np.uint8)


def _blob_images(labels, rng):
    """28x28 images with a bright blob whose place depends on the label, over faint noise."""
    ys, xs = np.mgrid[0:28, 0:28]
    centres = [(9 + 10 * (k // 5), 4 + 5 * (k % 5)) for k in range(10)]
    images = rng.uniform(0, 60, size=(len(labels), 28, 28))
    for i, label in enumerate(labels):
        cy, cx = centres[label] + rng.normal(0, 0.7, size=2)
        images[i] += 220 * np.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * 2.5 ** 2))
    return np.clip(images, 0, 255).astype(np.uint8)


@pytest.fixture
def synthetic_idx(tmp_path, monkeypatch):
    """Factory fixture: synthetic_idx(dataset="mnist", n_train=256, n_test=64, images=_blob_images) -> data dir.

    Writes the four gzipped IDX files of `dataset` under <data dir>/<dataset>/ (label-dependent
    blobs, so a classifier can learn them) and makes dlbook.data accept exactly those files: their
    MD5 sums replace the real ones, and neither another copy nor a download is tried.
    """
    root = tmp_path / "synthetic-data"

    def make(dataset="mnist", n_train=256, n_test=64, images=_blob_images):
        folder = root / dataset
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        md5 = {}
        for split, n in (("train", n_train), ("test", n_test)):
            labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
            for kind, array in (("images", images(labels, rng)), ("labels", labels)):
                filename = data.FILES[split, kind]
                _write_idx(folder / filename, array)
                md5[filename] = {hashlib.md5(data.unpack(folder / filename)).hexdigest()}
        monkeypatch.setitem(data.DATASETS[dataset], "md5", md5)
        monkeypatch.setitem(data.DATASETS[dataset], "system_dirs", [])
        monkeypatch.setitem(data.DATASETS[dataset], "mirrors", [])
        monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras"))
        return root

    return make


# The chapter-8 scripts' printed lines, as the book prints them: the VAE's, and the GAN's (which the
# CGAN and the DCGAN print too).
VAE_LINE = re.compile(r"Epoch\[\d+/\d+\], Step \[\d+/\d+\], Reconst Loss: \d+\.\d{4}, KL Div: \d+\.\d{4}")
GAN_LINE = re.compile(r"Epoch \[\d+/\d+\], Step \[\d+/\d+\], d_loss: \d+\.\d{4}, g_loss: \d+\.\d{4}, "
                      r"D\(x\): \d\.\d\d, D\(G\(z\)\): \d\.\d\d")


def run_main(script, capsys, *argv):
    """script.main on the CPU with argv (each str()-ed, as from a shell): (its printout, what it returned).
    A test module binds it to its script: run = functools.partial(run_main, gan)."""
    result = script.main(["--device", "cpu", *map(str, argv)])
    return capsys.readouterr().out, result


def stopped(capsys, main, *argv):
    """(exit status, stderr's lines) of main(argv) run by cli.start, as a script's `__main__` line runs
    it, where it is expected to stop: a ReaderError raised below becomes one line and the status."""
    from dlbook import cli

    with pytest.raises(SystemExit) as stop:
        cli.start(lambda: main([*map(str, argv)]))
    return stop.value.code, capsys.readouterr().err.splitlines()


def error_line(message):
    """The line cli.start prints for a ReaderError, as argparse prints a bad flag: `<program>: error: ...`."""
    return f"{Path(sys.argv[0]).name}: error: {message}"


@pytest.fixture
def small_flags(synthetic_idx, tmp_path, monkeypatch):
    """Factory fixture: small_flags(*scripts, n_train=200, n_test=20, batch_size=50) -> the flags of a
    short run on synthetic data (n_train / batch_size steps an epoch, output in tmp_path/out), each
    of `scripts` printing its book line every 2 steps."""
    def make(*scripts, n_train=200, n_test=20, batch_size=50):
        for script in scripts:
            monkeypatch.setattr(script, "print_every", 2)
        root = synthetic_idx("mnist", n_train=n_train, n_test=n_test)
        return ["--data-dir", root, "--batch-size", batch_size, "--out", tmp_path / "out"]

    return make


@functools.cache
def data_folder(dataset):
    """The folder the scripts would read `dataset` from with default flags (data/<dataset>/ at the
    repository root, then the other places dlbook.data looks), if it holds all four files with
    good checksums."""
    try:
        paths = {data.locate(dataset, f, allow_download=False)[0] for f in data.FILES.values()}
    except data.DataError:
        return None
    folders = {p.parent for p in paths}
    return folders.pop() if len(folders) == 1 else None


HOW_TO_GET = {
    "mnist": "run any data script once online (it downloads MNIST into data/mnist/), or copy the four "
             "IDX files there",
    "fashion-mnist": "sudo apt-get install dataset-fashion-mnist (Debian/Ubuntu), or put the four IDX "
                     "files in data/fashion-mnist/",
}


def needs_data(dataset):
    """Skip unless `dataset` is where the scripts look; the reason says how to get it."""
    return pytest.mark.skipif(data_folder(dataset) is None,
                              reason=f"needs {data.DATASETS[dataset]['title']}: {HOW_TO_GET[dataset]}")


def pytest_terminal_summary(terminalreporter):
    """A pytest hook: each skip reason once, with its count, even under -q."""
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in reasons.items():
        terminalreporter.write_line(f"{count} skipped: {reason}")
