"""Does my run match the book? Compare printed lines (a script's own, or a --log file) with the book's.

    python -m dlbook.compare vae run.log [--dataset mnist] [--out figures]
    python -m dlbook.compare gan run.log
    python -m dlbook.compare xor run.log
    python -m dlbook.compare cgan run.log

Prints a side-by-side table and one verdict line, and writes a figure overlaying the run's
curves on the book's. On MNIST a run is judged by its mean over the last few printed epochs
(the window of its row's BookCheck in dlbook.sections: one printed line is one batch, far too noisy
to judge a GAN by): the range at each epoch spans the same means of the book's run and of this project's MNIST runs of other seeds
(benchmarks/seed_spread.py, dlbook/book_runs/seed_spread.json), widened by that span on each
side. Fashion-MNIST, which the book never ran, is judged against the project's reference
runs' printed lines, widened by their seed spread.
"""
import argparse
import functools
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import book, data, sections
from .paths import FIGURES_DIR

SPREAD_FILE = book.RUNS_DIR / "seed_spread.json"
KINDS = list(sections.CHECKS)  # each script's facts for the check: its row's BookCheck, book_check(kind)


def book_check(kind):
    """The BookCheck of `kind`'s row in the book's table: the epochs, steps and window its verdict uses."""
    return sections.CHECKS[kind].book_check


def script_name(kind):
    return Path(sections.CHECKS[kind].script).name


def unit(kind):
    return "step" if book_check(kind).epochs is None else "epoch"


@functools.cache
def _spreads():
    return json.loads(SPREAD_FILE.read_text(encoding="utf-8"))


@functools.cache
def _book_window_means(kind):
    return window_means(kind, book.book_run(kind))


def measured(kind, dataset):
    """The seed-spread entry for `kind` measured on `dataset` (XOR's is one for all), or None."""
    spreads = _spreads()  # read once: a verdict asks for it at every epoch
    return spreads.get(kind) if kind == "xor" else spreads.get(dataset, {}).get(kind)


def seed_spread(kind, key, centre, dataset="mnist"):
    """The seed-to-seed spread measured on `dataset` at this epoch (the nearest measured one), in
    absolute units."""
    data = measured(kind, dataset)
    if data is None:  # not measured yet: the book's own spread alone
        return np.zeros_like(centre)
    by_epoch = {int(k): v for k, v in data["by_epoch"].items()}
    nearest = min(by_epoch, key=lambda e: abs(e - key))
    spread = np.array(by_epoch[nearest])
    return spread * np.abs(centre) if data["relative"] else spread


def window_means(kind, records, window=None):
    """{epoch (or step): the mean of each printed quantity over that epoch's lines and those of the
    window - 1 printed epochs before it}."""
    window = window or book_check(kind).window
    groups = book.group(kind, records)
    keys = sorted(groups)
    return {key: np.mean([v for k in keys[max(0, i - window + 1):i + 1] for v in groups[k]], 0)
            for i, key in enumerate(keys)}


def span_range(means):
    """(low, high) from several runs' values: their lowest to highest, widened by that span on each
    side. Three or four runs span about 1.7 or 2 standard deviations, so the range reaches about
    2.5 to 3 of them either side of the runs' mean: a new seed falls outside rarely, a run of
    another model or loss far outside."""
    means = np.array(means)
    low, high = means.min(0), means.max(0)
    return low - (high - low), high + (high - low)


def book_range(kind, key):
    """(low, high) per quantity at this epoch (or XOR step): the book's run and this project's MNIST
    runs (seed_spread.json), each averaged over the check's window of epochs. XOR, or a kind with no MNIST
    runs yet: the book's own lines at that step, widened by the measured seed spread."""
    runs = (measured(kind, "mnist") or {}).get("window_means")
    if runs:
        book_means = _book_window_means(kind)
        return span_range([book_means[key]] + [np.array(run[str(key)]) for run in runs if str(key) in run])
    values = np.array(book.group(kind, book.book_run(kind))[key])
    spread = seed_spread(kind, key, values.mean(0))
    return values.min(0) - spread, values.max(0) + spread


class Verdict(NamedTuple):
    """The book check's answer as data: `outcome` is one of OUTCOMES, `line` the "Book check: ..." line."""
    outcome: str
    line: str


OUTCOMES = ("within", "outside", "too short", "no verdict")


class Reference(NamedTuple):
    """What a run is judged against."""
    whose: str  # "the book's", or this project's reference runs of another data set
    ranges: dict  # {epoch or step: (low, high) per quantity}
    end: int  # the epoch the reference run ends at (None for XOR)
    window: int  # printed epochs a run's values are averaged over before they are judged
    lines: dict = None  # {epoch: printed lines in the window there}, where a range spans window means


def clipped(kind, low, high):
    """(low, high) cut to what each quantity can be (a widened range may reach below 0 or above 1)."""
    floor, ceiling = np.array([book.BOUNDS[m] for m in book.METRICS[kind]]).T
    return np.clip(low, floor, ceiling), np.clip(high, floor, ceiling)


def reference(kind, dataset):
    """What a run is judged against (a Reference), or None. MNIST (and XOR): the book's printed
    run, with this project's MNIST runs beside it. Fashion-MNIST, which the book never ran: this
    project's reference runs (benchmarks/seed_spread.py), their printed lines widened by the seed
    spread."""
    if kind == "xor" or dataset == "mnist":
        groups = book.group(kind, book.book_run(kind))
        ranges = {k: clipped(kind, *book_range(kind, k)) for k in groups}
        if kind == "xor" or not (measured(kind, "mnist") or {}).get("window_means"):
            return Reference("the book's", ranges, book_check(kind).epochs, 1)  # ranges of single lines
        keys = sorted(groups)
        window = book_check(kind).window
        lines = {k: sum(len(groups[j]) for j in keys[max(0, i - window + 1):i + 1]) for i, k in enumerate(keys)}
        return Reference("the book's", ranges, book_check(kind).epochs, window, lines)
    ref = (measured(kind, dataset) or {}).get("reference")
    if not ref:
        return None
    ranges = {}
    for key, (low, high) in ref["lines"].items():
        spread = seed_spread(kind, int(key), (np.array(low) + np.array(high)) / 2, dataset)
        ranges[int(key)] = clipped(kind, np.array(low) - spread, np.array(high) + spread)
    return Reference(f"this project's {dataset} reference", ranges, ref["epochs"], 1)


def lines_in_window(run, key, window):
    """How many printed lines of `run` ({epoch: lines}) the window mean at `key` averages."""
    keys = sorted(run)
    i = keys.index(key)
    return sum(len(run[k]) for k in keys[max(0, i - window + 1):i + 1])


def far_outside(value, low, high):
    """Further from the range than twice its width and by more than a fifth of the value: more than
    seeds, hardware or library versions move a run."""
    gap = max(low - value, value - high)
    return gap > 2 * (high - low) and gap > 0.2 * abs(value)


def diagnose(kind, last):
    """A likely reason for a run far from the book, from its last printed values, or None."""
    if not np.isfinite(last).all():
        return "the run diverged (NaN or infinite loss)"
    if kind in ("gan", "cgan") and last[0] < 0.05 and last[1] > 8:
        return "the GAN diverged: the discriminator won (d_loss near 0, huge g_loss), the generator learns nothing"
    if kind == "xor" and last[0] > 0.05:
        frac = min((1 / 4, "1/4"), (1 / 6, "1/6"), (1 / 8, "1/8"), key=lambda f: abs(f[0] - last[0]))
        return (f"a stuck XOR seed: the loss sits at {frac[1]} (dead ReLU units); the book shows a lucky seed, "
                f"try the default --seed or see --sweep")
    return None


def judge(kind, records, dataset="mnist", planned=None):
    """(table lines, Verdict) for a run's records against the book's (or the project's reference)."""
    name = script_name(kind)
    ref = reference(kind, dataset)
    if ref is None:
        return [], Verdict("no verdict", f"Book check: the book's numbers are for MNIST and this project has no "
                                         f"{dataset} reference for {name} (no verdict)")
    whose, ranges, end, window, expected = ref
    prefix = "" if whose == "the book's" else f"the book has no {dataset} run, so against {whose} runs: "
    run = book.group(kind, records)
    means = window_means(kind, records, window)
    shared = [k for k in run if k in ranges]
    if not shared:
        return [], Verdict("no verdict", f"Book check: {prefix}no printed {unit(kind)} of this run is in {whose} "
                                         "printout (no verdict)")
    metrics = book.METRICS[kind]
    judged = book_check(kind).judged or len(metrics)
    over = f"means over {window} {unit(kind)}s" if window > 1 else f"{unit(kind)} means"
    table = [f"Book check, {name} against {whose} printed run ({over}):",
             f"{unit(kind):>6}  " + "  ".join(f"{m + ' run':>15} {'range':>24}" for m in metrics)]
    for key in sample(shared):
        mine, (low, high) = means[key], ranges[key]
        table.append(f"{key:>6}  " + "  ".join(
            f"{a:>15.4f} {f'{lo:.4f} to {hi:.4f}' if i < judged else 'not compared':>24}"
            for i, (a, lo, hi) in enumerate(zip(mine, low, high))))

    # The last epoch whose window holds as many lines as the range's (a run stopped mid-epoch is
    # judged at the epoch before); None when no window is full yet.
    full = [k for k in shared if not expected or lines_in_window(run, k, window) >= expected[k]]
    last = full[-1] if full else shared[-1]
    mine = means[last]
    low, high = ranges[last]
    reason = diagnose(kind, np.array(run[max(run)][-1]))
    outside = [(m, v, lo, hi) for m, v, lo, hi in list(zip(metrics, mine, low, high))[:judged] if not lo <= v <= hi]
    first = book_check(kind).first_epoch
    unfinished = kind != "xor" and max(run) < end - 1 + first
    done = max(run) + 1 - first
    where = f"at {unit(kind)} {last}" + (f" of {planned or end}" if kind != "xor" else "")
    outcome = "outside" if reason or (full and outside) else "within" if full else "too short"
    if reason:
        verdict = f"outside {whose} range {where}: {reason}"
    elif not full:
        # A range spans means of whole windows; a mean of fewer lines is noisier than anything it
        # was made of, so judging it would call a sound run "outside" by chance (a GAN's first batches).
        verdict = (f"too short to judge {where}: {lines_in_window(run, last, window)} of the {expected[last]} "
                   f"lines of the window (its range is for means over whole {unit(kind)}s); run longer for a verdict")
    elif outside:
        listed = "; ".join(f"{m} {v:.4f} not in [{lo:.4f}, {hi:.4f}]" for m, v, lo, hi in outside)
        if any(far_outside(v, lo, hi) for _, v, lo, hi in outside):
            why = ("far outside anything seeds, hardware or library versions explain: a different model, loss or "
                   "data than the book's?")
        elif unfinished:
            why = (f"an unfinished run ({done} of {whose} {end} epochs): the numbers at the same epoch come from a run "
                   f"that kept going")
        else:
            why = "different seed, hardware or library versions (see README: Does my run match the book?)"
        verdict = f"outside {whose} range {where}: {listed}; likely reason: {why}"
    else:
        verdict = f"within {whose} range {where}"
        if unfinished:
            verdict += f", but the run is unfinished ({done} of {whose} {end} epochs): the final numbers need the full run"
    return table, Verdict(outcome, "Book check: " + prefix + verdict)


def sample(keys, n=8):
    """Up to n keys spread over the run, always with the first and the last."""
    if len(keys) <= n:
        return keys
    idx = np.unique(np.linspace(0, len(keys) - 1, n).round().astype(int))
    return [keys[i] for i in idx]


def overlay_figure(kind, records, out, name=None):
    from .figures import plt, save_figure

    metrics = book.METRICS[kind]
    # constrained layout keeps the figure's title clear of the panels' titles
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.6), squeeze=False, layout="constrained")
    for runs, label, style in ((book.book_run(kind), "book", dict(color="gray", lw=1.5)),
                               (records, "this run", dict(color="C1", lw=1))):
        x = _position(kind, runs)
        values = np.array([r[1:] if kind == "xor" else r[2:] for r in runs])
        for i, ax in enumerate(axes[0]):
            ax.plot(x, values[:, i], label=label, **style)
    for ax, metric in zip(axes[0], metrics):
        ax.set(title=metric, xlabel=unit(kind) if kind == "xor" else "epoch")
        ax.grid(alpha=0.3)
    axes[0][0].legend()
    fig.suptitle(f"{script_name(kind)}: this run's printed values over the book's")
    return save_figure(fig, out, name or f"book_check_{kind}.png")


def _position(kind, records):
    """x coordinate of each printed line: the step for XOR, fractional epochs otherwise."""
    if kind == "xor":
        return [r[0] for r in records]
    return [r[0] - book_check(kind).first_epoch + r[1] / book_check(kind).steps_per_epoch for r in records]


def no_verdict(line):
    """A script's own reason for no verdict (vae.py with another latent size), as the book check's data."""
    print(line)
    return {"kind": None, **Verdict("no verdict", line)._asdict()}


def report(kind, lines, dataset="mnist", planned=None, out=None):
    """What a script prints at the end of its run, from the lines it printed: the table and the
    verdict; with `out`, also the figure of its curves over the book's (book_check_<kind>.png).
    Returns the verdict as data for the run's manifest: {"kind", "outcome", "line"}."""
    records = book.parse(kind, "\n".join(lines))[0]
    table, verdict = judge(kind, records, dataset, planned)
    for line in table + [verdict.line]:
        print(line)
    if out is not None and records:
        overlay_figure(kind, records, out)
    return {"kind": kind, **verdict._asdict()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("log", type=Path, help="a --log file (or any saved printout) of the script")
    parser.add_argument("--dataset", choices=list(data.DATASETS), default="mnist",
                        help="the data set the run used (the book's numbers are for MNIST)")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="where the overlay figure goes")
    args = parser.parse_args(argv)
    if not args.log.exists():
        parser.error(f"{args.log}: no such file")
    records, planned = book.parse(args.kind, args.log.read_text(encoding="utf-8"))
    if not records:
        parser.error(f"{args.log}: no lines in the format of {script_name(args.kind)}")
    table, verdict = judge(args.kind, records, args.dataset, planned)
    print("\n".join(table + [verdict.line]))
    overlay_figure(args.kind, records, args.out)
    return 1 if verdict.outcome == "outside" else 0  # exit 1: outside, so it can gate a script


if __name__ == "__main__":
    from .cli import start

    start(main)
