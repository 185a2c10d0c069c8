"""The README against the code: its links to the listing lines land on whole blocks that start at a
book-step comment, and every chapter script's docstring names its book section."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LINKS = re.findall(r"\]\((ch08_generative/\w+\.py)#L(\d+)-L(\d+)\)", README)


def test_there_are_line_links_for_each_listing_script():
    assert {path for path, _, _ in LINKS} == {"ch08_generative/vae.py", "ch08_generative/gan.py",
                                              "ch08_generative/cgan.py"}


@pytest.mark.parametrize("path,first,last", LINKS)
def test_each_link_covers_a_whole_block_from_its_comment(path, first, last):
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    first, last = int(first), int(last)
    assert lines[first - 1].startswith("# "), f"{path}#L{first} is not a section comment: {lines[first - 1]!r}"
    assert lines[last - 1].strip(), f"{path}#L{last} is blank"
    assert last == len(lines) or not lines[last].strip(), f"{path}#L{last} ends inside a block"


def test_the_training_loop_links_hold_the_books_print_line():
    for path, first, last in LINKS:
        block = "\n".join((ROOT / path).read_text(encoding="utf-8").splitlines()[int(first) - 1:int(last)])
        if "for epoch in" in block:
            assert re.search(r"print\(['\"]Epoch ?\[", block), path


@pytest.mark.parametrize("script", sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("ch0[68]_*/*.py")))
def test_each_script_names_its_book_section(script):
    doc = (ROOT / script).read_text(encoding="utf-8").split('"""')[1]
    assert re.match(r"\d\.\d(\.\d)?", doc), f"{script}: the docstring should start with the book section"


def test_no_script_edits_sys_path():
    """dlbook is installed (pip install -e .), so nothing needs sys.path edits or E402 excuses; the
    exceptions: the notebooks' first cell (dlbook/notebooks.py), which finds the repository where
    `pip install -e .` never ran (a hosted notebook), and the page builder (dlbook/page/live.py), which
    imports the chapter-8 scripts that export its live models by name, as `python <script>` does."""
    allowed = ("test_readme.py", "dlbook/notebooks.py", "dlbook/page/live.py")
    files = [p for folder in ("ch06_feedforward", "ch08_generative", "dlbook", "tests", "benchmarks")
             for p in (ROOT / folder).rglob("*.py")] + list(ROOT.glob("*.py"))  # not .venv: 9 s to walk
    offenders = [p.relative_to(ROOT).as_posix() for p in files
                 if not p.relative_to(ROOT).as_posix().endswith(allowed)
                 and re.search(r"sys\.path\.(insert|append)|sys\.path\[|noqa: E402", p.read_text(encoding="utf-8"))]
    assert offenders == []
