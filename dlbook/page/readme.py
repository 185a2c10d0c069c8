"""figures/README.md: the gallery for GitHub, from the folder's entries (dlbook.page.collect)."""
from pathlib import Path

from .. import manifest
from .collect import zh_caption


def markdown(entries, written_by):
    rows = ["# Figures", "", f"Written by `{written_by}`. Each figure, its place in the book, and the command that "
            "made it. [`index.html`](index.html) is the same gallery as one page for a browser (double-click it), "
            "with the book's models live in it.", ""]
    for entry in entries:
        command = f"`{entry.command}`" + ("" if entry.logged else " (no log: the book's settings)")
        for shown in entry.figures + entry.checks:
            figure = shown.figure
            caption = figure.caption
            if figure.book_caption:  # the book's caption beside ours, so a search for 图8-7 finds it
                caption = f"{caption} · {zh_caption(figure)}"
            image = f"![{caption}]({shown.path})" if shown.path else f"(not found in this folder: {figure.file})"
            rows += [f"## {figure.book}: {caption}", "", image, "", command, ""]
        for verdict in entry.verdicts:
            rows += [f"> {verdict['line']}", ""]
        for grid, found in entry.grids:
            rows += [f"## {grid.book}: {grid.caption}", "", f"{len(found)} grids, epochs {found[0][0]}-{found[-1][0]} "
                     f"(`{grid.file}`); the last: ", "", f"![{grid.caption}]({found[-1][1]})", "", command, ""]
        for _, table in entry.tables:  # evaluate.py's measurements, as a table
            rows += [f"## {entry.section.section} measured: {Path(entry.section.script).name}'s table", "",
                     manifest.markdown_table(table) + "\n", command, ""]
    return "\n".join(rows)
