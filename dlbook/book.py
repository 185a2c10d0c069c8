"""The book's printed runs, as data, and the parser that reads them (and any --log) back.

A run is a list of records: (epoch, step, value, ...) for the VAE and the GAN, (step, loss) for
XOR; the printed lines of the scripts and of the book have the same format, so one parser reads both.
"""
import csv
import json
import re
from pathlib import Path

RUNS_DIR = Path(__file__).resolve().parent / "book_runs"

NUMBER = r"(-?[\d.]+(?:e[-+]?\d+)?|nan|inf)"
PATTERNS = {
    "vae": re.compile(rf"^Epoch\[(\d+)/(\d+)\], Step \[(\d+)/\d+\], Reconst Loss: {NUMBER}, KL Div: {NUMBER}$", re.M),
    "gan": re.compile(rf"^Epoch \[(\d+)/(\d+)\], Step \[(\d+)/\d+\], d_loss: {NUMBER}, g_loss: {NUMBER}, "
                      rf"D\(x\): {NUMBER}, D\(G\(z\)\): {NUMBER}$", re.M),
    "xor": re.compile(rf"^step: (\d+), loss: {NUMBER}$", re.M),
}
PATTERNS["cgan"] = PATTERNS["gan"]  # 8.5 prints in the GAN's format
METRICS = {"vae": ("Reconst Loss", "KL Div"), "gan": ("d_loss", "g_loss", "D(x)", "D(G(z))"), "xor": ("loss",),
           "cgan": ("d_loss", "g_loss", "D(x)", "D(G(z))")}
# What each printed quantity can be: a loss is never negative, a mean score is a probability.
BOUNDS = {"Reconst Loss": (0, float("inf")), "KL Div": (0, float("inf")), "loss": (0, float("inf")),
          "d_loss": (0, float("inf")), "g_loss": (0, float("inf")), "D(x)": (0, 1), "D(G(z))": (0, 1)}


def parse(kind, text):
    """Records from printed text: (epoch, step, *values) for vae/gan, (step, loss) for xor.

    Also returns the run's planned epoch count (the E of "Epoch[e/E]"), or None."""
    records, planned = [], None
    for match in PATTERNS[kind].finditer(text):
        groups = match.groups()
        if kind == "xor":
            records.append((int(groups[0]), float(groups[1])))
        else:
            planned = int(groups[1])
            records.append((int(groups[0]), int(groups[2]), *map(float, groups[3:])))
    return records, planned


def book_run(kind):
    """The book's printed run as records, read from dlbook/book_runs/."""
    if kind == "xor":
        data = json.loads((RUNS_DIR / "xor.json").read_text(encoding="utf-8"))
        return [(int(step), float(loss)) for step, loss in data["lines"]]
    with open(RUNS_DIR / f"{kind}.csv", newline="", encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)  # header
        return [(int(r[0]), int(r[1]), *map(float, r[2:])) for r in rows]


def group(kind, records):
    """{epoch (or XOR step): [value tuples]} in order."""
    groups = {}
    for record in records:
        key, values = (record[0], record[1:]) if kind == "xor" else (record[0], record[2:])
        groups.setdefault(key, []).append(values)
    return groups
