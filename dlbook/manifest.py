"""What a run made, as data: one small JSON file per run, <out>/manifests/<name>.json.

Each chapter script ends its main() with one call, write(__file__, argv, args.out, ...): the
command, the figures it showed (collected by dlbook.figures.show as they are written), its tables,
its saved files, its key numbers ({"E_total": 0.0003...}) and its book-check verdict. reproduce.py
(records, reuse, summary) and the page builder (dlbook.page) read it back; neither reads printed
lines, so a reworded line breaks no one.

The name is the script's, or its variant's where one script makes two of the book's rows (vae.py
--z-dim 2 writes vae_z2.json, xor_tensorflow.py --sweep writes xor_sweep.json): the row names of
dlbook.sections, so two variants run into one --out never overwrite each other.

A manifest carries its format's VERSION. One that is missing, cut short, of another shape or of
another version is not read (read gives None, load says why): the main job runs its script again.
"""
import json
import os
import shlex
from pathlib import Path

from . import sections
from .paths import REPO_ROOT, atomic_path

VERSION = 1  # the shape below; a change of shape takes a new number, so older files are made again

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
        "version": VERSION,
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


class Unusable(ValueError):
    """A file of the main job's (a manifest, reproduce.py's record of a run) that cannot be used as it is:
    the message says which and why. Its run is made again."""


def load_json(file):
    """The JSON in `file`; raises Unusable if it is missing, empty, cut short or not JSON."""
    try:
        return json.loads(Path(file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Unusable(f"{file} is missing") from None
    except (OSError, ValueError) as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Unusable(f"{file} is not readable JSON (empty or cut short?): {err}") from None


def load(out, name):
    """The manifest of the run called `name` in `out`, checked; raises Unusable saying why it cannot be used."""
    file = path(out, name)
    problem = shape_problem(made := load_json(file))
    if problem:
        raise Unusable(f"{file}: {problem}")
    return made


def read(out, name):
    """The manifest of the run called `name` in `out`, or None if there is none or it cannot be used."""
    try:
        return load(out, name)
    except Unusable:
        return None


def shape_problem(made):
    """What makes `made` not a manifest of this VERSION (wrong types too: readers index it freely), or None."""
    if not isinstance(made, dict):
        return f"a JSON {type(made).__name__}, not a manifest"
    if made.get("version") != VERSION:
        return f"format version {made.get('version')!r}, not {VERSION}: another version of the project wrote it"
    for key, kind in {"command": str, "figures": list, "tables": list, "saved": list, "numbers": dict}.items():
        if not isinstance(made.get(key), kind):
            return f"{key!r} is not a {kind.__name__}"
    if not all(isinstance(f, dict) and isinstance(f.get("file"), str) for f in made["figures"] + made["tables"]):
        return "a figure or table without a file name"
    if not all(isinstance(t.get("columns"), list) and isinstance(t.get("rows"), list)
               and all(isinstance(row, list) for row in t["rows"]) for t in made["tables"]):
        return "a table without columns and rows"
    if not all(isinstance(f, str) for f in made["saved"]):
        return "a saved file that is not a file name"
    check = made.get("book_check", "missing")
    if check is not None and not (isinstance(check, dict) and isinstance(check.get("line"), str)):
        return "'book_check' is not a verdict"
    return None


def cell(value):
    """A table's value as shown: floats to 3 decimals, None as "-"."""
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown_table(table):
    """A manifest's table as Markdown: a header row, a rule, one row per entry."""
    lines = ["| " + " | ".join(table["columns"]) + " |", "|" + "---|" * len(table["columns"])]
    return "\n".join(lines + ["| " + " | ".join(cell(v) for v in row) + " |" for row in table["rows"]])
