"""`python reproduce.py --check`: is this machine set up to run every chapter script?

One ✔/✘ line per item, with the fix beside each ✘: Python and each package against the tested
range, PyTorch's and TensorFlow's devices, the Keras backend, each data set and its checksums,
the figures folder. Exit status 0 when every chapter script can run with its defaults, 1 when not.
Trains nothing; the only network use is one short request to see whether MNIST could be downloaded.
"""
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from . import cli, data, device, frameworks
from .console import printable
from .errors import FrameworkError
from .paths import DATA_DIR, FIGURES_DIR, REPO_ROOT

try:
    from packaging.requirements import Requirement
except ImportError:  # packaging comes with matplotlib; pip carries a copy
    from pip._vendor.packaging.requirements import Requirement

TESTED_PYTHONS = "3.11 and 3.13"


class Report:
    def __init__(self):
        self.blocking = 0

    def ok(self, label, detail):
        print(f"{printable('✔', 'ok')} {label}: {detail}")

    def bad(self, label, detail, fix, blocks=True):
        """blocks: a chapter script cannot run with its defaults because of this."""
        print(f"{printable('✘', 'XX')} {label}: {detail}  {printable('→', '->')} fix: {fix}")
        self.blocking += blocks


def requirements(path):
    """The requirements in a requirements/constraints file, those whose marker applies here."""
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [Requirement(line) for line in lines if line]


def installed(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_python(report, python=None):
    python = python or tuple(sys.version_info[:3])
    label = f"Python {'.'.join(map(str, python))}"
    lo, hi = frameworks.TENSORFLOW_PYTHONS
    where = f"{sys.executable}; tested with {TESTED_PYTHONS}"
    if python[:2] < lo:
        report.bad(label, f"{where}; too old for these packages",
                   f"a virtual environment with Python {lo[0]}.{lo[1]}-{hi[0]}.{hi[1]}")
    elif python[:2] > hi:
        report.bad(label, f"{where}; TensorFlow has no release for it, so xor_tensorflow.py cannot run "
                   "(the rest can; Keras runs on PyTorch)",
                   f"for xor_tensorflow.py, a virtual environment with Python {lo[0]}.{lo[1]}-{hi[0]}.{hi[1]}")
    else:
        report.ok(label, where)


def check_dlbook(report):
    """The scripts import dlbook from wherever they run: it must be installed, from this folder."""
    proc = subprocess.run([sys.executable, "-c", "import dlbook; print(dlbook.__file__)"], cwd=os.sep,
                          capture_output=True, text=True, encoding="utf-8")
    found = Path(proc.stdout.strip()).parent if proc.returncode == 0 else None
    if found == REPO_ROOT / "dlbook":
        report.ok("dlbook", f"installed from {REPO_ROOT}")
    else:
        where = f"imports from {found}" if found else "not installed"
        report.bad("dlbook", f"{where}; the scripts need this folder's copy",
                   f"cd {REPO_ROOT} && python -m pip install -e .")


def check_packages(report):
    pins = {r.name: r for r in requirements(REPO_ROOT / "constraints.txt") if r.marker is None or r.marker.evaluate()}
    for req in requirements(REPO_ROOT / "requirements.txt"):
        label = req.name
        if req.marker is not None and not req.marker.evaluate():
            report.ok(label, f"not needed here (requirements.txt: only where {req.marker})")
            continue
        version = installed(req.name)
        tested = f"tested {next(iter(pins[req.name].specifier)).version}" if req.name in pins else "untested"
        if version is None:
            report.bad(label, "not installed", "python -m pip install -r requirements.txt -e .")
        elif not req.specifier.contains(version, prereleases=True):
            report.bad(label, f"{version}, outside the range {req.specifier} ({tested})",
                       "python -m pip install -r requirements.txt -c constraints.txt -e .")
        else:
            report.ok(label, f"{version} (range {req.specifier}, {tested})")


def check_torch(report):
    import torch

    build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU-only build"
    report.ok(f"PyTorch {torch.__version__}", f"{build}; CPU with {torch.get_num_threads()} threads")
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            report.ok(f"PyTorch cuda:{i}", f"{props.name}, {props.total_memory / 2**30:.1f} GiB, "
                      f"compute capability {props.major}.{props.minor}")
    elif shutil.which("nvidia-smi") and sys.platform != "darwin":
        report.bad("PyTorch CUDA", f"an NVIDIA driver is installed but this PyTorch ({build}) sees no GPU, "
                   "so the scripts run on the CPU",
                   "install the PyTorch wheel for your CUDA version (pytorch.org, Get Started), "
                   "and check CUDA_VISIBLE_DEVICES", blocks=False)
    else:
        hidden = " (CUDA_VISIBLE_DEVICES hides them)" if os.environ.get("CUDA_VISIBLE_DEVICES") == "" else ""
        report.ok("PyTorch CUDA", f"no NVIDIA GPU{hidden}; --device auto runs on the CPU")
    if sys.platform == "darwin":
        if device._mps_available(torch):
            report.ok("PyTorch MPS", "Apple's Metal is available; --device auto uses it")
        else:
            report.bad("PyTorch MPS", "Apple's Metal is not available, so the scripts run on the CPU",
                       "an Apple-silicon Mac with macOS 14 or newer", blocks=False)
    else:
        report.ok("PyTorch MPS", f"not on {platform.system()} (Apple's Metal exists on macOS only)")
    return torch.cuda.is_available()


def check_tensorflow(report, torch_has_cuda):
    missing = frameworks.tensorflow_missing()
    if missing:
        if sys.version_info[:2] > frameworks.TENSORFLOW_PYTHONS[1]:  # as requirements.txt says: Python's line has it
            report.ok("TensorFlow", f"not installed: {missing}")
        return  # elsewhere the tensorflow package line has said so, with its fix
    try:
        tf = frameworks.load_tensorflow()
    except FrameworkError as err:
        print(cli.error_line(err), file=sys.stderr)
        report.bad("TensorFlow", "fails to start (the line above says why)",
                   "python -m pip install --force-reinstall -r requirements.txt -c constraints.txt")
        return
    gpus = tf.config.list_physical_devices("GPU")
    names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
    label = f"TensorFlow {tf.__version__}"
    if gpus:
        report.ok(label, f"GPUs: {', '.join(names)}")
    elif sys.platform == "darwin":
        report.ok(label, "no Metal GPU (tensorflow-metal not installed); xor_tensorflow.py runs on the CPU")
    elif torch_has_cuda:
        report.bad(label, "sees no GPU though PyTorch does, so xor_tensorflow.py runs on the CPU "
                   "(fine: the network is tiny)", "python -m pip install 'tensorflow[and-cuda]'", blocks=False)
    else:
        report.ok(label, "no GPU; runs on the CPU")


def check_keras(report):
    version = installed("keras")
    if version is None:
        return  # check_packages said so
    backend = frameworks.keras_backend()
    why = "KERAS_BACKEND" if os.environ.get("KERAS_BACKEND") else \
        "KERAS_BACKEND unset: " + ("TensorFlow is not installed" if backend == "torch" else "Keras' default")
    module = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}.get(backend, backend)
    if importlib.util.find_spec(module) is None:
        report.bad(f"Keras {version}", f"backend {backend} ({why}), which is not installed",
                   "unset KERAS_BACKEND, or set KERAS_BACKEND=torch")
    else:
        report.ok(f"Keras {version}", f"backend {backend} ({why})")


def reachable(urls, timeout=5):
    """The first of `urls` that answers, or None; bounded even where name look-ups hang."""
    answer = []

    def probe():
        for url in urls:
            try:
                urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout).close()
                answer.append(url)
                return
            except OSError:
                continue

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout * len(urls) + 1)
    return answer[0] if answer else None


def check_data(report, name, data_dir=DATA_DIR):
    """Which copy of each file the scripts would use (see data.copies), and whether it holds."""
    info = data.DATASETS[name]
    found = {}  # file -> (path, whose layout), where the scripts would take it from
    for filename in data.FILES.values():
        try:
            found[filename] = data.locate(name, filename, data_dir, allow_download=False)
        except data.DataError as err:
            if err.problem == "corrupt":
                path = err.path
                report.bad(info["title"], f"{path}: checksum mismatch (truncated or corrupt)",
                           f"delete {path}; the scripts fetch a fresh copy", blocks=name == "mnist")
                return
    default = name == "mnist"  # the scripts' default; Fashion-MNIST only with --dataset
    label = info["title"]
    if len(found) == len(data.FILES):
        places = sorted({f"{path.parent if path.suffix != '.npz' else path} ({layout})" for path, layout in found.values()})
        report.ok(label, f"{' and '.join(places)}: all four files, checksums hold")
        return
    missing = [f for f in data.FILES.values() if f not in found]
    mirror = reachable([m + missing[0] for m in info["mirrors"]])
    if mirror:
        report.ok(label, f"{len(missing)} file(s) not here yet; {mirror.split('/')[2]} answers, so the "
                  f"scripts download them into {Path(data_dir) / name}/ on first use")
    elif default:
        report.bad(label, f"not in {Path(data_dir) / name}/ nor in torchvision's or Keras' places, and no mirror "
                   "answers (offline?)",
                   f"copy {', '.join(missing)} into {Path(data_dir) / name}/, or use --dataset fashion-mnist")
    else:
        report.bad(label, f"not in {Path(data_dir) / name}/ nor in {info['system_dirs'][0]}, and no mirror answers",
                   "sudo apt-get install dataset-fashion-mnist (Debian/Ubuntu)", blocks=False)


def check_figures(report, out=FIGURES_DIR):
    if cli._writable(out):
        report.ok("figures", f"{out} is writable")
    else:
        report.bad("figures", f"cannot write to {out}", f"make {out} writable, or pass --out DIR")


def main():
    print(f"Setup check: {platform.platform()}, {platform.machine()}")
    report = Report()
    check_python(report)
    check_dlbook(report)
    check_packages(report)
    torch_has_cuda = check_torch(report) if installed("torch") else False
    check_tensorflow(report, torch_has_cuda)
    check_keras(report)
    for name in data.DATASETS:
        check_data(report, name)
    check_figures(report)
    if report.blocking:
        print(f"{report.blocking} problem(s) keep a chapter script from running with its defaults: "
              "the fixes are beside each ✘ above.")
        return 1
    print("Every chapter script can run with its defaults.")
    return 0


if __name__ == "__main__":
    cli.start(main)
