"""A chapter script (or listing) as a module, for the benchmarks that time or re-measure them."""
import importlib.util
import sys
from pathlib import Path

from dlbook.paths import REPO_ROOT


def load_script(relpath):
    """A chapter script (or listing) as a module, by its path from the repository root: the
    chapter folders are script folders, not packages. Registered under its file name, so a test's
    `import vae` and this give the same module."""
    name = Path(relpath).stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / relpath)
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]
