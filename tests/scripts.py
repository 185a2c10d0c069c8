"""What the tests share about the data the chapter scripts need. (The scripts themselves are
imported by name, `import perceptron`: pytest.ini puts the chapter folders on the path.)

    from scripts import needs_data

    @needs_data("fashion-mnist")
    def test_...
"""
import functools
from pathlib import Path

import pytest

from dlbook import data

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def data_folder(dataset):
    """The folder the scripts would read `dataset` from with default flags (data/<dataset>/ at the
    repository root, then the system copy), if it holds all four files with good checksums."""
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
    """Each skip reason once, with its count, even under -q (conftest.py imports this hook)."""
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in reasons.items():
        terminalreporter.write_line(f"{count} skipped: {reason}")
