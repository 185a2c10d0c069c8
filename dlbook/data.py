"""MNIST and Fashion-MNIST from their IDX files, as NumPy arrays (no PyTorch, no TensorFlow here).

Files live in data/<dataset>/ at the repository root (or --data-dir). A missing file is looked
for in Debian's dataset-fashion-mnist package, then downloaded from the first mirror that
answers. Every file is checked against known MD5 sums before it is read, and a download is moved
into place only once it has passed, so a truncated or corrupt file is reported, never trained on.
"""
import gzip
import hashlib
import struct
import urllib.request
from pathlib import Path

import numpy as np

from .paths import DATA_DIR, atomic_path

FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}

DATASETS = {
    "mnist": {
        "title": "MNIST",
        "mirrors": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                    "https://storage.googleapis.com/cvdf-datasets/mnist/"],
        "md5": {
            "train-images-idx3-ubyte.gz": {"f68b3c2dcbeaaa9fbdd348bbdeb94873"},
            "train-labels-idx1-ubyte.gz": {"d53e105ee54ea40749a09fcbcd1e9432"},
            "t10k-images-idx3-ubyte.gz": {"9fb629c4189551a2d022fa330f9573f3"},
            "t10k-labels-idx1-ubyte.gz": {"ec29112dd5afa0611ce80d1b7f02629c"},
        },
        "system_dirs": [],
    },
    "fashion-mnist": {
        "title": "Fashion-MNIST",
        "mirrors": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"],
        # Upstream's archives, and Debian's (same images, recompressed).
        "md5": {
            "train-images-idx3-ubyte.gz": {"8d4fb7e6c68d591d4c3dfef9ec88bf0d", "cf8536b0aa1a6ac5fa3f23001093305c"},
            "train-labels-idx1-ubyte.gz": {"25c81989df183df01b3e8a0aad5dffbe", "10bea18fdb374794d4bb42e356e600c9"},
            "t10k-images-idx3-ubyte.gz": {"bef4ecab320f06d8554ea6380940ec79", "f78720b4224f21cce2f2ccf2d7a94c9a"},
            "t10k-labels-idx1-ubyte.gz": {"bb300cfdad3c16e7a12a480ee83cd310", "0d30e22e447f3c33dab9ed536400ac01"},
        },
        "system_dirs": [Path("/usr/share/datasets/fashion-mnist")],
    },
}

TIMEOUT_S = 20


class DataError(Exception):
    """The data cannot be used; the message says which file and what to do."""


def md5sum(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, name, filename=None):
    """Raise DataError unless the file's MD5 is one of the known sums for `filename` of `name`."""
    filename = filename or Path(path).name
    expected = DATASETS[name]["md5"][filename]
    actual = md5sum(path)
    if actual not in expected:
        raise DataError(f"{path}: checksum mismatch for {filename} (MD5 {actual}, expected "
                        f"{' or '.join(sorted(expected))}); the file is truncated or corrupt: "
                        f"delete it and run again to fetch a fresh copy")


def read_idx(path):
    """Parse a (gzipped) IDX file into a uint8 array shaped by its header."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        raise DataError(f"{path}: not a readable gzip file ({err})") from None
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(bytearray(raw), dtype=np.uint8, offset=4 + 4 * ndim)  # writable copy
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path}: header says {shape} but holds {data.size} bytes of data (truncated?)")
    return data.reshape(shape)


def download(url, path, name):
    """Fetch url into path; the file appears there only once its checksum has passed."""
    with atomic_path(path) as tmp:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, open(tmp, "wb") as f:
            while block := response.read(1 << 20):
                f.write(block)
        verify(tmp, name, path.name)


def missing_message(name, folder, reason):
    info = DATASETS[name]
    lines = [f"{info['title']} not found and not downloadable ({reason}).",
             f"Put these four files in {folder}/ :"]
    lines += [f"  {filename}" for filename in FILES.values()]
    lines.append("Get them from " + " or ".join(info["mirrors"]) + " (a browser or curl will do).")
    lines.append("Offline on Debian/Ubuntu: `sudo apt-get install dataset-fashion-mnist`, "
                 "then run with --dataset fashion-mnist.")
    return "\n".join(lines)


def locate(name, filename, data_dir=DATA_DIR, allow_download=True):
    """Return a verified path for one dataset file: data dir, then system copy, then mirrors."""
    folder = Path(data_dir) / name
    local = folder / filename
    if local.exists():
        verify(local, name)
        return local
    for system_dir in DATASETS[name]["system_dirs"]:
        if (system_dir / filename).exists():
            verify(system_dir / filename, name)
            return system_dir / filename
    errors = []
    if allow_download:
        for mirror in DATASETS[name]["mirrors"]:
            try:
                print(f"Downloading {mirror}{filename} -> {local}")
                download(mirror + filename, local, name)
                return local
            except (OSError, DataError) as err:  # URLError and timeouts are OSErrors
                errors.append(f"{mirror}: {getattr(err, 'reason', err)}")
    raise DataError(missing_message(name, folder, "; ".join(errors) or "downloads disabled"))


def load(name="mnist", split="train", data_dir=DATA_DIR, allow_download=True):
    """Return (images uint8 [N, 28, 28], labels uint8 [N]) for split 'train' or 'test'."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    images = read_idx(locate(name, FILES[split, "images"], data_dir, allow_download))
    labels = read_idx(locate(name, FILES[split, "labels"], data_dir, allow_download))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{name} {split}: {images.shape} images do not match {labels.shape} labels")
    return images, labels


def load_or_exit(name, split, data_dir):
    """load() for scripts: a DataError becomes a message on stderr and exit status 2."""
    from .cli import fail

    try:
        return load(name, split, data_dir)
    except DataError as err:
        fail(str(err))
