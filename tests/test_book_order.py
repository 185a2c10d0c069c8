"""The book's table (dlbook.sections) is the one source, and the chapters read forward: a
section's script imports dlbook and earlier sections' scripts, never a later one."""
import ast
import re

import pytest

from dlbook import notebooks, sections
from dlbook.paths import REPO_ROOT

STEMS = {script.rsplit("/", 1)[1][:-3]: script for script in sections.SCRIPTS}


def imported_scripts(script):
    tree = ast.parse((REPO_ROOT / script).read_text(encoding="utf-8"))
    names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return sorted(STEMS[name] for name in names if name in STEMS)


@pytest.mark.parametrize("script", sections.SCRIPTS)
def test_no_script_imports_a_later_section(script):
    mine = sections.section_key(sections.of_script(script).section)
    for other in imported_scripts(script):
        theirs = sections.section_key(sections.of_script(other).section)
        assert other != script and theirs <= mine, f"{script} ({mine}) imports {other} ({theirs})"


def test_the_import_check_sees_a_later_import():
    assert "ch08_generative/cgan.py" in imported_scripts("ch08_generative/evaluate.py")
    assert sections.section_key("8.1.1") > sections.section_key("8.1") and \
        sections.section_key("8.4") < sections.section_key("8.5")


def test_the_readme_tables_are_the_books_table():
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    for script in sections.SCRIPTS:
        row = sections.of_script(script)
        assert any(line.startswith(f"| {row.title_zh} |") and f"`python {script}`" in line for line in lines), script
        assert any(line.startswith(f"| {row.section.replace('-', '–')} |") and f"`python {script}`" in line
                   for line in lines), script


def test_every_step_heading_matches_a_section_comment_of_its_script():
    """A renamed section comment would silently lose its Chinese heading: each heading must be used."""
    for name, headings in notebooks.HEADINGS.items():
        script = STEMS[name]
        shown = "\n".join(source for kind, source in notebooks.cells(script) if kind == "markdown")
        for heading in headings.values():
            assert f"## {heading}" in shown, f"{name}: {heading!r} matches no section comment"


def test_each_figure_file_in_the_table_is_written_by_its_script():
    for row in sections.BOOK:
        text = (REPO_ROOT / row.script).read_text(encoding="utf-8")
        for figure in row.figures:
            assert re.sub(r"(_z2|_8)?\.png$", "", figure.file) in text, (row.name, figure.file)
            # the book's figure numbers only on the book's figures: ours cannot be mistaken for them
            assert figure.file.startswith("fig") == figure.book.startswith("Fig") or figure.file.endswith("_z2.png")


def template_steps(script):
    """The first statements of a script's main, as source: flags, the Console, the device, the seed."""
    tree = ast.parse((REPO_ROOT / script).read_text(encoding="utf-8"))
    main = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "main")
    first, console = main.body[:2]
    inner = console.body[:2] if isinstance(console, ast.With) else []
    return [ast.unparse(first), ast.unparse(console.items[0]) if isinstance(console, ast.With) else ast.unparse(console),
            *map(ast.unparse, inner)]


# Each script's own device call: chapter 6 runs on NumPy, TensorFlow or Keras, chapter 8 on PyTorch.
DEVICE_CALL = re.compile(r"(device = )?(numpy_device|tf_device|device_scope|torch_device)\(args\.device\)")


@pytest.mark.parametrize("script", sections.SCRIPTS)
def test_every_main_follows_the_one_template(script):
    """CONTRIBUTING.md's template: the flags, then one Console (so --log has every line, the Device:
    line included), then the device (and, in chapter 8, the seed), in this order."""
    steps = template_steps(script)
    assert steps[0] == "args = parse_args(argv)"
    assert steps[1] in ("Console(args.log) as console", "Console(args.log)")
    assert DEVICE_CALL.fullmatch(steps[2]), steps[2]
    if script.startswith("ch08"):
        assert steps[2:] == ["device = torch_device(args.device)", "seed_torch(args.seed)"]



def test_the_readme_tables_name_every_book_figure_of_each_script():
    """Both README tables name each of the book's figures a script writes: the Chinese one by its
    number (图6-32), the English one by its file; none says "see" (参见) for a figure it draws."""
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    for script in sections.SCRIPTS:
        rows = [s for s in sections.BOOK if s.script == script]
        books = [f for row in rows for f in row.figures if f.book.startswith("Fig ")]
        zh = next(line for line in lines if line.startswith(f"| {rows[0].title_zh} |") and f"`python {script}`" in line)
        en = next(line for line in lines if line.startswith(f"| {rows[0].section.replace('-', '–')} |")
                  and f"`python {script}`" in line)
        for figure in books:
            number = figure.book.removeprefix("Fig ")
            assert re.search(f"(?<!参见)图{number}(?!\\d)", zh), (script, figure.book)
            assert f"`{figure.file}`" in en, (script, figure.file)
    assert sum(f.book.startswith("Fig ") for s in sections.BOOK for f in s.figures) == 23  # every numbered figure
