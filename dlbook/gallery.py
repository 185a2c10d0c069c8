"""The gallery of a figures folder: README.md for GitHub, and index.html, one page to double-click.

    python -m dlbook.gallery                  # rebuild figures/index.html and figures/README.md
    python -m dlbook.gallery --out /tmp/run   # the same for another --out folder

Both come from one source: the book's table (dlbook.sections) and what lies in the folder: each
run's manifest (manifests/<name>.json, which every chapter script writes: its command, figures,
tables, verdict), the per-epoch grids the table names, and the weights of the live figures.
index.html works from file:// with no network, server or CDN: in book order, every figure with its
book number, its Chinese and English caption and the command that made it; each script's Book check
verdict and curve beside its figures; evaluate.py's table; one slider over each GAN's per-epoch
grids; and three of the book's models live, in plain JavaScript with their float32 weights inline:
Fig 8-8 (the 2-D VAE's latent plane), 8.4's straight latent path through the VAE and the GAN, and
8.5's CGAN drawing the class asked for; and chapter 6's two networks, which need no weights file:
6.4.5's 2-2-2 network step by step (forward, backward, update) and 6.4.4's XOR network trained in the
page. `window.dlbook.run(name, input)` runs each, for tests.
The parts, one job each, are in dlbook/page/.

Building writes exactly two files, <out>/index.html and <out>/README.md (atomically), and nothing
else. A weights file that is missing or unusable (another shape, truncated, not finite) is shown on
the page as missing, with the command that makes it; an unusable one also gets one line on stderr
(which file, what was expected), and `python -m dlbook.gallery` then exits with status 1.
"""
import argparse
import shlex
import sys
from pathlib import Path

from . import cli
from .page import collect, live, readme, render
from .paths import FIGURES_DIR, atomic_path


def build(out, command=None, exporters=None):
    """Write <out>/index.html and <out>/README.md from the folder's manifests, figures and weights
    (nothing else is written). `command`: the command line that made the runs, shown at the top
    (reproduce.py passes its own); `exporters`: {live model: export(path)} (default: the scripts'
    own live_export). Returns the list of problems, one line each, also printed on stderr: weights
    files the page cannot run (it shows those models as missing)."""
    out = Path(out)
    written_by = command or shlex.join(["python", "-m", "dlbook.gallery", "--out", str(out)])
    entries = collect.collect(out)
    specs, missing, problems = live.export(out, collect.table_command, exporters)
    for problem in problems:
        print(f"gallery: {problem}", file=sys.stderr)
    with atomic_path(out / "README.md") as tmp:
        tmp.write_text(readme.markdown(entries, written_by), encoding="utf-8")
    with atomic_path(out / "index.html") as tmp:
        tmp.write_text(render.page(entries, specs, missing, written_by, out), encoding="utf-8")
    size = (out / "index.html").stat().st_size / 1e6
    print(f"Gallery: {out / 'index.html'} ({size:.1f} MB, open it in a browser) and {out / 'README.md'}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="the figures folder (default figures/)")
    args = parser.parse_args(argv)
    if not args.out.is_dir():
        parser.error(f"--out {args.out}: no such folder")
    return 1 if build(args.out) else 0


if __name__ == "__main__":
    cli.start(main)
