"""dlbook.compare: the book's runs read back exactly, judged a match; planted bad runs flagged."""
import re

import numpy as np
import pytest

from dlbook import book, compare
from dlbook.figures import plt

VAE_LINE = "Epoch[{}/{}], Step [{}/{}], Reconst Loss: {:.4f}, KL Div: {:.4f}"
GAN_LINE = "Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}"


def book_text(kind):
    """The book's printout, rebuilt line by line from the data the project carries."""
    if kind == "vae":
        return "\n".join(VAE_LINE.format(e, 30, s, 469, *v) for e, s, *v in book.book_run("vae"))
    if kind == "gan":
        return "\n".join(GAN_LINE.format(e, 200, s, 600, *v) for e, s, *v in book.book_run("gan"))
    return "\n".join(f"step: {s}, loss: {v:.3f}" for s, v in book.book_run("xor"))


def test_book_data_has_every_printed_line():
    assert len(book.book_run("vae")) == 120 and len(book.book_run("gan")) == 600
    assert book.book_run("vae")[-1] == (30, 400, 9742.5352, 3321.3330)
    assert book.book_run("gan")[0] == (0, 200, 0.0512, 3.7477, 1.00, 0.05)
    assert book.book_run("xor")[:2] == [(0, 0.212), (200, 0.0)]


@pytest.mark.parametrize("kind", ["vae", "gan", "xor"])
def test_parser_reads_the_book_back_exactly(kind):
    records, _ = book.parse(kind, book_text(kind))
    assert records == book.book_run(kind)


@pytest.mark.parametrize("kind", ["vae", "gan", "xor"])
def test_the_books_own_run_is_a_match_and_a_shifted_one_is_not(kind):
    outcome, verdict = compare.judge(kind, book.book_run(kind))[1]
    assert verdict.startswith("Book check: within the book's range") and "unfinished" not in verdict
    assert outcome == "within"  # the verdict as data, for the run's manifest
    # The ranges are not so wide that anything passes: twice the first quantity is outside.
    shifted = [(*r[:-len(book.METRICS[kind])], r[-len(book.METRICS[kind])] * 2 + 0.01,
                *r[len(r) - len(book.METRICS[kind]) + 1:]) for r in book.book_run(kind)]
    assert "outside" in compare.judge(kind, shifted)[1].line and compare.judge(kind, shifted)[1].outcome == "outside"


def printed_run(kind):
    """The book's printed run, read here from its file (dlbook/book_runs/<kind>.csv, copied from the
    book's page): {epoch: [the printed values of each of its lines]}."""
    import csv

    path = book.RUNS_DIR / f"{kind}.csv"
    rows = list(csv.reader(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")))
    by_epoch = {}
    for row in rows[1:]:
        by_epoch.setdefault(int(row[0]), []).append([float(v) for v in row[2:]])
    return by_epoch


def expected_range(kind, key):
    """The range at `key` by hand, from the data: the book's mean over the last tenth of its epochs up to
    `key` (3 of 30, 20 of 200, 5 of 50), with each seed run's mean there (seed_spread.json), widened by
    their span on each side."""
    import json

    by_epoch = printed_run(kind)
    window = len(by_epoch) // 10
    lines = [line for epoch in sorted(by_epoch) if key - window < epoch <= key for line in by_epoch[epoch]]
    assert len(lines) == window * len(by_epoch[key])
    seeds = json.loads((book.RUNS_DIR / "seed_spread.json").read_text(encoding="utf-8"))["mnist"][kind]["window_means"]
    means = np.array([np.mean(lines, 0)] + [run[str(key)] for run in seeds])
    assert len(means) >= 3  # the book's run and at least two seeds of this project's
    span = means.max(0) - means.min(0)
    return means.min(0) - span, means.max(0) + span


@pytest.mark.parametrize("kind, key", [("vae", 30), ("gan", 199), ("cgan", 49)])
def test_the_mnist_range_is_the_book_and_the_seed_runs_widened_by_their_span(kind, key):
    want_low, want_high = expected_range(kind, key)
    low, high = compare.book_range(kind, key)
    assert np.allclose(low, want_low) and np.allclose(high, want_high)
    assert compare.book_check(kind).window == len(printed_run(kind)) // 10


def test_the_mnist_runs_are_the_books_length_and_read_from_their_logs():
    for kind in ("vae", "gan", "cgan"):
        entry = compare.measured(kind, "mnist")
        assert entry["epochs"] == compare.book_check(kind).epochs and len(entry["logs"]) == len(entry["window_means"])
        assert all(len(run) == compare.book_check(kind).epochs for run in entry["window_means"])


def test_the_readme_table_matches_the_code():
    """The README's expected ranges are those of the book's printed runs and the seed runs (worked out
    here from the data, as in the test above), rounded as printed there."""
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    low, high = expected_range("vae", 30)
    assert f"Reconst Loss {low[0]:,.0f}–{high[0]:,.0f} and KL Div {low[1]:,.0f}–{high[1]:,.0f}" in readme
    low, high = expected_range("gan", 199)
    expected = ", ".join(f"{m} {lo:.2f}–{hi:.2f}" for m, lo, hi in zip(["d_loss", "g_loss", "D(x)", "D(G(z))"], low, high))
    assert expected in readme
    low, high = expected_range("cgan", 49)  # its D(G(z)) column is not judged, nor listed
    expected = ", ".join(f"{m} {lo:.2f}–{hi:.2f}" for m, lo, hi in zip(["d_loss", "g_loss", "D(x)"], low, high))
    assert expected + " (its `D(G(z))` column is not judged" in readme


def test_far_off_values_are_blamed_on_the_model_not_the_seed():
    records = [(e, s, r, kl * 7) for e, s, r, kl in book.book_run("vae")]
    verdict = compare.judge("vae", records)[1].line
    assert "KL Div" in verdict and "a different model, loss or data" in verdict and "seed, hardware" not in verdict


def test_the_command_exits_1_outside_the_range(tmp_path, capsys):
    log = tmp_path / "vae.log"
    log.write_text("\n".join(VAE_LINE.format(e, 30, s, 469, r * 1.5, kl) for e, s, r, kl in book.book_run("vae")), encoding="utf-8")
    assert compare.main(["vae", str(log), "--out", str(tmp_path)]) == 1
    log.write_text(book_text("vae"), encoding="utf-8")
    assert compare.main(["vae", str(log), "--out", str(tmp_path)]) == 0


def test_a_diverged_gan_is_flagged():
    text = "\n".join(GAN_LINE.format(e, 200, s, 600, 0.0001, 25.0, 1.0, 0.0) for e in range(200) for s in (200, 400, 600))
    verdict = compare.judge("gan", book.parse("gan", text)[0])[1].line
    assert "outside" in verdict and "discriminator won" in verdict


def test_a_nan_run_is_flagged():
    records = book.book_run("vae")[:-1] + [(30, 400, float("nan"), float("nan"))]
    assert "diverged" in compare.judge("vae", records)[1].line


def test_an_unfinished_vae_is_flagged():
    records = [r for r in book.book_run("vae") if r[0] <= 3]
    verdict = compare.judge("vae", records, planned=3)[1].line
    assert "unfinished" in verdict and "3 of the book's 30 epochs" in verdict


@pytest.mark.parametrize("kind, last", [("vae", 3), ("gan", 9)])
def test_an_unfinished_run_is_judged_at_its_own_last_epoch(kind, last):
    """The book's own first epochs are within the range of those epochs, and would be outside the
    range of the book's last epoch: the verdict must take the run's last epoch."""
    records = [r for r in book.book_run(kind) if r[0] <= last]
    verdict = compare.judge(kind, records, planned=last + (kind == "gan"))[1].line
    assert verdict.startswith(f"Book check: within the book's range at epoch {last} of ")
    end = max(book.group(kind, book.book_run(kind)))
    low, high = compare.book_range(kind, end)
    mine = np.mean(book.group(kind, records)[last], 0)
    assert not ((low <= mine) & (mine <= high)).all()  # so a verdict at the wrong epoch says "outside"


def test_a_stuck_xor_seed_is_flagged():
    text = "\n".join(f"step: {s}, loss: 0.167" for s in range(0, 2000, 200))
    verdict = compare.judge("xor", book.parse("xor", text)[0])[1].line
    assert "outside" in verdict and "stuck XOR seed" in verdict and "1/6" in verdict


def test_far_off_values_are_outside_with_the_metric_named():
    records = [(e, s, r * 1.5, kl) for e, s, r, kl in book.book_run("vae")]
    verdict = compare.judge("vae", records)[1].line
    assert re.search(r"outside the book's range at epoch 30 of 30: Reconst Loss [\d.]+ not in", verdict)


def test_fashion_mnist_is_judged_against_the_projects_reference_runs():
    ref = compare.json.loads(compare.SPREAD_FILE.read_text(encoding="utf-8"))["fashion-mnist"]["vae"]["reference"]
    assert ref["dataset"] == "fashion-mnist" and ref["epochs"] == 30
    middle = [(e, 400, *((np.array(lo) + np.array(hi)) / 2)) for e, (lo, hi) in
              ((int(e), v) for e, v in ref["lines"].items())]
    verdict = compare.judge("vae", middle, dataset="fashion-mnist")[1].line
    assert verdict.startswith("Book check: the book has no fashion-mnist run, so against this project's "
                              "fashion-mnist reference runs: within") and "epoch 30 of 30" in verdict
    # the book's MNIST numbers are far below a Fashion-MNIST run's
    assert "outside" in compare.judge("vae", book.book_run("vae"), dataset="fashion-mnist")[1].line


def test_command_line_prints_table_verdict_and_writes_overlay(tmp_path, capsys):
    log = tmp_path / "gan.log"
    log.write_text(book_text("gan") + "\n", encoding="utf-8")
    compare.main(["gan", str(log), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Book check, gan.py" in out and "Book check: within" in out
    assert plt.imread(tmp_path / "book_check_gan.png").std() > 0.01


@pytest.mark.parametrize("kind, lines, window", [("cgan", 1, 3), ("gan", 2, 3), ("vae", 3, 4)])
def test_a_run_shorter_than_its_window_is_too_short_to_judge(kind, lines, window, tmp_path, capsys):
    """A range spans means of whole epochs; fewer lines than that get no verdict, even lines far
    from the book's, and compare's exit status stays 0 (a reader's --max-steps 200 is no failure)."""
    first = book.book_run(kind)[:lines]
    for records in (first, [(e, s, *(2 * np.array(v))) for e, s, *v in first]):
        verdict = compare.judge(kind, records, planned=compare.book_check(kind).epochs)[1].line
        assert f"too short to judge at epoch {first[0][0]} of " in verdict, verdict
        assert compare.judge(kind, records, planned=compare.book_check(kind).epochs)[1].outcome == "too short"
        assert f": {lines} of the {window} lines of the window" in verdict and "outside" not in verdict
    log = tmp_path / "run.log"
    log.write_text("\n".join(book_text(kind).splitlines()[:lines]) if kind != "cgan" else
                   "\n".join(GAN_LINE.format(e, 50, s, 600, *v) for e, s, *v in first), encoding="utf-8")
    assert compare.main([kind, str(log), "--out", str(tmp_path)]) == 0
    assert "too short to judge" in capsys.readouterr().out


def test_a_run_stopped_mid_epoch_is_judged_at_the_last_whole_window():
    """Five whole CGAN epochs and one line of the sixth: judged at epoch 4, where the window is full;
    doubled values there are outside (so the verdict did take the full window)."""
    records = book.book_run("cgan")[:16]
    assert compare.judge("cgan", records, planned=50)[1].line.startswith(
        "Book check: within the book's range at epoch 4 of 50")
    doubled = [(e, s, 2 * d, *rest) for e, s, d, *rest in records]
    assert "outside the book's range at epoch 4 of 50: d_loss" in compare.judge("cgan", doubled, planned=50)[1].line


@pytest.mark.parametrize("kind", ["vae", "gan", "cgan"])
def test_each_check_holds_the_scripts_own_numbers(kind):
    """The BookCheck of a script's row (dlbook.sections) against the script's hyperparameters: the
    book's epochs, 60,000 images in its batches, epochs printed from 0 where its Run says so, a
    window of a tenth of the run, the judged columns."""
    import importlib
    import inspect
    import math

    script = importlib.import_module(kind)
    check = compare.book_check(kind)
    assert compare.script_name(kind) == f"{kind}.py"
    assert check.epochs == script.num_epochs and check.steps_per_epoch == math.ceil(60000 / script.batch_size)
    assert ("first_epoch=0" in inspect.getsource(script.main)) == (check.first_epoch == 0)
    assert check.window == check.epochs // 10
    assert (check.judged or len(book.METRICS[kind])) == (3 if kind == "cgan" else len(book.METRICS[kind]))


def test_the_cgans_table_never_shows_a_range_for_its_dgz_column():
    """The listing's "D(G(z))" is not a score: every row of the CGAN's table says so in that
    column, and shows a range in the three judged ones."""
    table, _ = compare.judge("cgan", book.book_run("cgan"))
    rows = table[2:]
    assert len(rows) == 8
    for row in rows:
        assert row.endswith("not compared") and row.count(" to ") == 3, row


def test_a_range_is_only_what_its_quantity_can_be_and_reads_unmistakably():
    """Widened ranges are cut at 0 for losses and at 0 and 1 for scores, and printed "a to b",
    so a low bound is never read as a dash."""
    table, _ = compare.judge("gan", book.book_run("gan")[:3], planned=200)
    row = table[2]
    assert "0.0000 to 0.3625" in row and "0.9267 to 1.0000" in row and "0.0000 to 0.1567" in row, row
    for kind in ("vae", "gan", "cgan"):
        for low, high in compare.reference(kind, "mnist").ranges.values():
            assert (low >= 0).all()
        if kind != "vae":
            assert all((high[2:] <= 1).all() for _, high in compare.reference(kind, "mnist").ranges.values())


def test_fashion_mnist_is_judged_with_fashion_mnists_own_spread():
    """The Fashion VAE's range at epoch 30, by hand from seed_spread.json: the reference runs' lowest
    and highest printed line, widened by Fashion-MNIST's relative seed spread at that epoch
    (MNIST's spread would give 26,183-30,292)."""
    entry = compare.json.loads(compare.SPREAD_FILE.read_text(encoding="utf-8"))["fashion-mnist"]["vae"]
    (low, high), spread = entry["reference"]["lines"]["30"], entry["by_epoch"]["30"]
    assert entry["relative"]
    widen = np.array(spread) * np.abs((np.array(low) + np.array(high)) / 2)
    got_low, got_high = compare.reference("vae", "fashion-mnist").ranges[30]
    assert np.allclose(got_low, np.array(low) - widen) and np.allclose(got_high, np.array(high) + widen)
    assert (round(got_low[0]), round(got_high[0])) == (25359, 31116)
