"""A figures folder as entries, one per row of the book's table, in book order: what each run made,
read from its manifest (<out>/manifests/<name>.json, dlbook.manifest), and the per-epoch grids."""
import re
import shlex
from pathlib import Path
from typing import NamedTuple

from .. import manifest, sections
from ..paths import FIGURES_DIR

BOOK_CHECK = re.compile(r"book_check_(\w+)\.png$")  # a Book check's curve over the book's, beside its verdict


class Shown(NamedTuple):
    figure: sections.Figure
    path: str  # relative to the folder, as a URL path; "" when the file named is not there


class Entry(NamedTuple):
    section: sections.Section
    command: str  # the command that made this run's files
    logged: bool  # False: no manifest, so the command is the book's settings from the table
    figures: list  # [Shown], in the order the script wrote them
    checks: list  # [Shown] Book check curves
    verdicts: list  # the book check's verdicts: [{"kind", "outcome", "line"}]
    tables: list  # [(path, table as data: {"file", "columns", "rows"})]
    grids: list  # [(Figure, [(epoch, path)])], epochs ascending


def book_order(rows=None):
    """The table's rows in the book's order: by section, each script's own row before its variant
    (8.1's vae.py before the 2-D VAE of Fig 8-8)."""
    rows = sections.BOOK if rows is None else rows
    return sorted(rows, key=lambda s: (sections.section_key(s.section), s is not sections.of_script(s.script)))


def table_command(section, out):
    """The command for the book's settings of a row, with --out where the folder is not figures/."""
    flags = [] if Path(out).resolve() == FIGURES_DIR.resolve() else ["--out", str(out)]
    return shlex.join(["python", section.script, *section.full, *flags])


def describe(path):
    """The table's entry for a figure file; figures it does not know get a plain one."""
    name = Path(path).name
    known = sections.figure(name) or next((f for s in sections.BOOK for f in s.figures if f.file == path), None)
    if known:
        return known
    kind = BOOK_CHECK.search(name)
    if kind:
        return sections.Figure(name, "Book check", f"{kind.group(1).upper()}: this run's printed values over the "
                               "book's range")
    return sections.Figure(name, "-", Path(name).stem.replace("_", " "))


def epoch_grids(section, out):
    """[(Figure, [(epoch, path)])] for the row's per-epoch grids found in the folder."""
    grids = []
    for grid in section.epoch_grids:
        pattern = re.compile(re.escape(grid.file).replace(re.escape("{e}"), r"(\d+)") + "$")
        found = [(int(m.group(1)), p.relative_to(out).as_posix()) for p in out.glob(grid.file.replace("{e}", "*"))
                 if (m := pattern.search(p.relative_to(out).as_posix()))]
        if found:
            grids.append((grid, sorted(found)))
    return grids


def entry(section, out):
    made = manifest.read(out, section.name)
    if made:
        shown = [Shown(describe(f["file"]), f["file"] if (out / f["file"]).is_file() else "") for f in made["figures"]]
        tables = [(t["file"], t) for t in made["tables"] if (out / t["file"]).is_file()]
        verdicts = [made["book_check"]] if made["book_check"] else []
        command = made["command"]
    else:  # no manifest (a run from before manifests, or none yet): the table's figures that are there
        shown = [Shown(f, f.file) for f in section.figures if (out / f.file).is_file()]
        tables, verdicts, command = [], [], table_command(section, out)
    figures = [s for s in shown if not BOOK_CHECK.search(s.figure.file)]
    checks = [s for s in shown if BOOK_CHECK.search(s.figure.file)]
    return Entry(section, command, made is not None, figures, checks, verdicts, tables, epoch_grids(section, out))


def collect(out):
    """[Entry] for every row of the book's table, in book order, from the folder's manifests and files."""
    return [entry(section, Path(out)) for section in book_order()]


def measured_unevenness(entries):
    """({model: path unevenness as shown in the table}, the table's file) from the last table with that column."""
    for e in reversed(entries):
        for path, table in reversed(e.tables):
            heads = [h for h in table["columns"] if h.startswith("path unevenness")]
            if heads:
                column = table["columns"].index(heads[0])
                return {row[0]: manifest.cell(row[column]) for row in table["rows"]}, path
    return {}, ""


def zh_caption(figure):
    """The Chinese line: the book's caption (参见 for a figure of ours after one of the book's)."""
    if BOOK_CHECK.search(figure.file):
        return "与书中结果对比:本次运行打印的数值与书中范围"
    if not figure.book_caption:
        return "本项目补充的图(书中无此图)"
    return ("参见 " if figure.book.startswith("after") else "") + figure.book_caption
