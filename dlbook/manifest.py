"""What a run made, as data: one small JSON file per run, <out>/manifests/<name>.json.

Each chapter script ends its main() with one call, write(__file__, argv, args.out, ...): the
command, the figures it showed (collected by dlbook.figures.show as they are written), its tables,
its saved files, its key numbers ({"E_total": 0.0003...}) and its book-check verdict. reproduce.py
(records, reuse, summary) and the page builder (dlbook.page) read it back; neither reads printed
lines, so a reworded line breaks no one.

The name is the script's, or its variant's where one script makes two of the book's rows (vae.py
--z-dim 2 writes vae_z2.json, xor_tensorflow.py --sweep writes xor_sweep.json): the row names of
dlbook.sections, so two variants run into one --out never overwrite each other.
"""
import json
import os
import shlex
from pathlib import Path

from . import sections
from .paths import REPO_ROOT, atomic_path

_shown = []  # the figures dlbook.figures.show wrote in this process, until write() takes them


def shown(path):
    """Note a figure as written (dlbook.figures.show calls this)."""
    _shown.append(Path(path))


def path(out, name):
    return Path(out) / "manifests" / f"{name}.json"


def relative(file, out):
    """`file` relative to `out` as a URL path (the folder moves with its files), or None if outside it."""
    try:
        return Path(os.path.abspath(file)).relative_to(os.path.abspath(out)).as_posix()
    except ValueError:
        return None


def command(script, argv):
    """How the run was made: --resume continues a run, it does not change what the run makes."""
    script = Path(script).resolve()
    shown_script = script.relative_to(REPO_ROOT).as_posix() if script.is_relative_to(REPO_ROOT) else str(script)
    return shlex.join(["python", shown_script, *(a for a in argv if a != "--resume")])


def write(script, argv, out, name=None, numbers=None, tables=(), saved=(), book_check=None):
    """Write <out>/manifests/<name>.json for the run of `script` (its __file__) with `argv` (main's,
    None for sys.argv's). tables: [{"file", "columns", "rows"}]; saved: files written besides the
    figures; book_check: dlbook.compare's verdict (a dict). Returns the manifest's path."""
    import sys

    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    figures = [rel for rel in dict.fromkeys(relative(f, out) for f in _shown) if rel]
    _shown.clear()  # a test may run several mains in one process: each gets its own figures
    manifest = {
        "command": command(script, argv),
        "figures": [{"file": rel, "book": getattr(sections.figure(Path(rel).name), "book", None)} for rel in figures],
        "tables": [{**t, "file": relative(t["file"], out) or str(t["file"])} for t in tables],
        "saved": [rel for rel in (relative(f, out) for f in saved) if rel],
        "numbers": numbers or {},
        "book_check": book_check,
    }
    target = path(out, name or Path(script).stem)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False, allow_nan=True), encoding="utf-8")
    return target


def read(out, name):
    """The manifest of the run called `name` in `out`, or None if there is none (or it is unreadable)."""
    try:
        return json.loads(path(out, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cell(value):
    """A table's value as shown: floats to 3 decimals, None as "-"."""
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown_table(table):
    """A manifest's table as Markdown: a header row, a rule, one row per entry."""
    lines = ["| " + " | ".join(table["columns"]) + " |", "|" + "---|" * len(table["columns"])]
    return "\n".join(lines + ["| " + " | ".join(cell(v) for v in row) + " |" for row in table["rows"]])
