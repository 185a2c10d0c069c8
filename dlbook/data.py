"""MNIST and Fashion-MNIST from their IDX files, as NumPy arrays (no PyTorch, no TensorFlow here).

Files live in data/<dataset>/ at the repository root (or --data-dir). A missing file is looked
for where readers already keep these data sets: torchvision's layout under the data folder
(`<data dir>/MNIST/raw/`, gzipped or unpacked), Keras' cache (`~/.keras/datasets/mnist.npz`) and
Debian's dataset-fashion-mnist package; then it is downloaded from the first mirror that answers.
Every copy is checked against the MD5 sum of its unpacked content, whatever the compression or
container, before it is used, and a download is moved into place only once it has passed, so a
truncated or corrupt file is reported by name, never trained on.
"""
import gzip
import hashlib
import os
import struct
import urllib.request
from pathlib import Path

import numpy as np

from .errors import DataError
from .paths import DATA_DIR, atomic_path

FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}
NPZ_KEYS = {"train-images-idx3-ubyte.gz": "x_train", "train-labels-idx1-ubyte.gz": "y_train",
            "t10k-images-idx3-ubyte.gz": "x_test", "t10k-labels-idx1-ubyte.gz": "y_test"}

DATASETS = {
    "mnist": {
        "title": "MNIST",
        "class_names": [str(digit) for digit in range(10)],
        "mirrors": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                    "https://storage.googleapis.com/cvdf-datasets/mnist/"],
        # MD5 of each file unpacked: the same for the original .gz, torchvision's unpacked copy and
        # the arrays in Keras' mnist.npz.
        "md5": {
            "train-images-idx3-ubyte.gz": {"6bbc9ace898e44ae57da46a324031adb"},
            "train-labels-idx1-ubyte.gz": {"a25bea736e30d166cdddb491f175f624"},
            "t10k-images-idx3-ubyte.gz": {"2646ac647ad5339dbf082846283269ea"},
            "t10k-labels-idx1-ubyte.gz": {"27ae3e4e09519cfbb04c329615203637"},
        },
        "torchvision": "MNIST",  # <root>/MNIST/raw/
        "keras": "mnist.npz",  # ~/.keras/datasets/mnist.npz
        "system_dirs": [],
    },
    "fashion-mnist": {
        "title": "Fashion-MNIST",
        "class_names": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        "mirrors": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"],
        "md5": {  # unpacked, as above (upstream's archives and Debian's recompressed ones agree)
            "train-images-idx3-ubyte.gz": {"f4a8712d7a061bf5bd6d2ca38dc4d50a"},
            "train-labels-idx1-ubyte.gz": {"9018921c3c673c538a1fc5bad174d6f9"},
            "t10k-images-idx3-ubyte.gz": {"8181f5470baa50b63fa0f6fddb340f0a"},
            "t10k-labels-idx1-ubyte.gz": {"15d484375f8d13e6eb1aabb0c3f46965"},
        },
        "torchvision": "FashionMNIST",
        "keras": "fashion-mnist",  # ~/.keras/datasets/fashion-mnist/<the four .gz files>
        "system_dirs": [Path("/usr/share/datasets/fashion-mnist")],
    },
}

TIMEOUT_S = 20


def keras_datasets_dir():
    """Where Keras' load_data() keeps its downloads ($KERAS_HOME, else ~/.keras)."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def copies(name, filename, data_dir=DATA_DIR):
    """Every place a copy of `filename` may already be, in the order they are tried:
    (path, the array's key in an .npz or None, whose layout it is)."""
    info, data_dir = DATASETS[name], Path(data_dir)
    yield data_dir / name / filename, None, "this repository's layout"
    raw = data_dir / info["torchvision"] / "raw"
    yield raw / filename, None, "torchvision's layout"
    yield raw / filename.removesuffix(".gz"), None, "torchvision's layout, unpacked"
    keras = keras_datasets_dir() / info["keras"]
    if keras.suffix == ".npz":
        yield keras, NPZ_KEYS[filename], "Keras' cache"
    else:
        yield keras / filename, None, "Keras' cache"
    for folder in info["system_dirs"]:
        yield folder / filename, None, "a system package"


def unpack(path, key=None):
    """The IDX bytes of one file: gunzipped if gzipped, or rebuilt from an array of an .npz."""
    try:
        if key is not None:
            with np.load(path) as archive:
                array = archive[key]
            header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
            return header + array.tobytes()  # an array of another dtype or shape fails the checksum
        raw = Path(path).read_bytes()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError, KeyError, ValueError) as err:
        raise DataError(f"{path}: not a readable copy of {key or Path(path).name} ({err}); the file is "
                        f"truncated or corrupt: delete it and run again to fetch a fresh copy", "corrupt", path) from None


def verify(raw, name, filename, path):
    """Raise DataError unless the unpacked bytes' MD5 is the known one for `filename` of `name`."""
    expected = DATASETS[name]["md5"][filename]
    actual = hashlib.md5(raw).hexdigest()
    if actual not in expected:
        raise DataError(f"{path}: checksum mismatch for {filename} (MD5 of its content {actual}, expected "
                        f"{' or '.join(sorted(expected))}); the file is truncated or corrupt: "
                        f"delete it and run again to fetch a fresh copy", "corrupt", path)


def parse_idx(raw, path):
    """An IDX file's bytes as a uint8 array shaped by its header."""
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes", "corrupt", path)
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(bytearray(raw), dtype=np.uint8, offset=4 + 4 * ndim)  # writable copy
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path}: header says {shape} but holds {data.size} bytes of data (truncated?)", "corrupt", path)
    return data.reshape(shape)


def download(url, path, name):
    """Fetch url into path; the file appears there only once its checksum has passed."""
    with atomic_path(path) as tmp:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, open(tmp, "wb") as f:
            while block := response.read(1 << 20):
                f.write(block)
        verify(unpack(tmp), name, path.name, url)


def missing_message(name, folder, reason):
    info = DATASETS[name]
    lines = [f"{info['title']} not found and not downloadable ({reason}).",
             f"Put these four files in {folder}/ :"]
    lines += [f"  {filename}" for filename in FILES.values()]
    lines.append("Get them from " + " or ".join(info["mirrors"]) + " (a browser or curl will do).")
    lines.append(f"A copy torchvision or Keras downloaded also works: --data-dir the folder holding "
                 f"{info['torchvision']}/raw/, or {keras_datasets_dir() / info['keras']}.")
    lines.append("Offline on Debian/Ubuntu: `sudo apt-get install dataset-fashion-mnist`, "
                 "then run with --dataset fashion-mnist.")
    return "\n".join(lines)


def read(name, filename, data_dir=DATA_DIR, allow_download=True):
    """(verified IDX bytes, where they came from, whose layout) for one file: the first copy found
    (see copies()), else a download into data_dir/<name>/. A copy that fails its checksum stops here."""
    for path, key, layout in copies(name, filename, data_dir):
        if path.exists():
            raw = unpack(path, key)
            verify(raw, name, filename, path)
            return raw, path, layout
    folder = Path(data_dir) / name
    errors = []
    if allow_download:
        for mirror in DATASETS[name]["mirrors"]:
            try:
                print(f"Downloading {mirror}{filename} -> {folder / filename}")
                download(mirror + filename, folder / filename, name)
                return unpack(folder / filename), folder / filename, "this repository's layout"
            except (OSError, DataError) as err:  # URLError and timeouts are OSErrors
                errors.append(f"{mirror}: {getattr(err, 'reason', err)}")
    raise DataError(missing_message(name, folder, "; ".join(errors) or "downloads disabled"), "missing", folder)


def locate(name, filename, data_dir=DATA_DIR, allow_download=True):
    """The verified copy of one file the scripts would use: (path, whose layout)."""
    _, path, layout = read(name, filename, data_dir, allow_download)
    return path, layout


_announced = set()  # (data set, folder) pairs load() has named once already


def load(name="mnist", split="train", data_dir=DATA_DIR, allow_download=True):
    """Return (images uint8 [N, 28, 28], labels uint8 [N]) for split 'train' or 'test'."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}", "unknown")
    arrays = []
    for kind in ("images", "labels"):
        raw, path, layout = read(name, FILES[split, kind], data_dir, allow_download)
        if layout != "this repository's layout" and (name, path.parent) not in _announced:
            _announced.add((name, path.parent))
            print(f"Data: {DATASETS[name]['title']} from {path.parent} ({layout}; checksums hold)")
        arrays.append(parse_idx(raw, path))
    images, labels = arrays
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{name} {split}: {images.shape} images do not match {labels.shape} labels", "mismatch")
    return images, labels

