"""The chapter-8 scripts against the book's listings (ch08_generative/listings/): from the same
weights, the same batches and the same seed, they print the same numbers, so the speed-ups (the
device-resident loader, fused Adam, .detach() on the fakes) change none of them. And line by line:
each listing line a script changes is marked there with a one-line comment, and no other line is."""
import ast
import collections
import bisect
import copy
import difflib
import io
import re
import tokenize

import pytest
import torch

import gan
import gan_listing
import vae
import vae_listing
from dlbook import book, training

CPU = torch.device("cpu")


def batches(n_steps, batch, normalize):
    torch.manual_seed(123)
    x = torch.rand(n_steps, batch, 1, 28, 28).round()  # binary images, like MNIST's mostly-0/1 pixels
    return [(xb * 2 - 1 if normalize else xb, torch.zeros(batch)) for xb in x]


def printed(kind, capsys):
    return [v for record in book.parse(kind, capsys.readouterr().out)[0] for v in record]


@pytest.fixture(autouse=True)
def listings_on_the_cpu(monkeypatch):
    """The listings pick CUDA when there is one; compare both on the CPU, where sums are reproducible."""
    for listing in (vae_listing, gan_listing):
        monkeypatch.setattr(listing, "device", CPU)


def test_vae_prints_the_listings_numbers(tmp_path, capsys):
    loader = batches(100, 8, normalize=False)  # the listing prints at step 100
    model, optimizer = vae_listing.build()
    start = copy.deepcopy(model.state_dict())
    torch.manual_seed(0)
    vae_listing.train(model, optimizer, loader, str(tmp_path), num_epochs=1)
    expected = printed("vae", capsys)

    args = vae.parse_args(["--epochs", "1", "--out", str(tmp_path)])
    ours, our_optimizer = vae.build(args, CPU)
    ours.load_state_dict(start)
    torch.manual_seed(0)
    with training.Run(args, "vae", tmp_path / "vae.pt", len(loader), model=ours, optimizer=our_optimizer) as run:
        vae.train(args, ours, our_optimizer, loader, run)
    assert len(expected) == 4 and printed("vae", capsys) == pytest.approx(expected, rel=1e-4)


def test_gan_prints_the_listings_numbers(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(gan_listing, "batch_size", 10)  # the listing reshapes by its global batch_size
    loader = batches(200, 10, normalize=True)  # the listing prints at step 200
    D, G, criterion, d_optimizer, g_optimizer = gan_listing.build()
    start = copy.deepcopy(D.state_dict()), copy.deepcopy(G.state_dict())
    torch.manual_seed(0)
    gan_listing.train(D, G, criterion, d_optimizer, g_optimizer, loader, str(tmp_path), num_epochs=1)
    expected = printed("gan", capsys)

    args = gan.parse_args(["--epochs", "1", "--out", str(tmp_path)])
    nets = gan.build(args, CPU)
    nets[0].load_state_dict(start[0])
    nets[1].load_state_dict(start[1])
    torch.manual_seed(0)
    fixed_noise = torch.zeros(100, gan.latent_size)
    with training.Run(args, "gan", tmp_path / "gan.pt", len(loader), first_epoch=0, fixed_noise=fixed_noise) as run:
        gan.train(args, *nets, loader, run, fixed_noise)
    assert len(expected) == 6 and printed("gan", capsys) == pytest.approx(expected, rel=1e-3, abs=0.0051)


# A line marked as changed: `# changed:`, `# speed-up`, `# plumbing:` or a `# was ...` note, on the line
# itself or on the comment line just above its block (the code lines up to the next blank or comment line).
MARKER = re.compile(r"changed:|speed-up|plumbing:|^#\s*was\b", re.I)
# The listing's lines that a script does not hold in any form, and why.
GONE = {line: reason for lines, reason in {
    ("import torchvision.transforms as transforms", "transform = transforms.Compose([", "transforms.ToTensor(),",
     "transforms.Normalize(mean=(0.5,), std=(0.5,))])", "transforms.Normalize(mean=[0.5], std=[0.5])])",
     "data_loader = torch.utils.data.DataLoader(dataset=dataset, batch_size=batch_size, shuffle=True)",
     "data_loader = torch.utils.data.DataLoader(dataset=mnist, batch_size=batch_size, shuffle=True)",
     "data_loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True)", "return data_loader"):
        "load_data's speed-up: one call of dlbook.loader.load_data, the pixels as a tensor (normalize=True scales them)",
    ('device = torch.device("cuda" if torch.cuda.is_available() else "cpu")',): "--device picks it (main's torch_device)",
    ("img = 0.5 * img + 0.5", "return transforms.ToPILImage()(img)"):
        "cgan.py's generate_digit scales with gan.denorm and draws a figure rather than returning a PIL image",
}.items() for line in lines}


def code_lines(path):
    """(number, code, marker, statement) for each code line of a file: docstrings, blank and comment-only
    lines left out, whitespace collapsed, quotes made double; marker: (number, text) of the comment that
    marks the line, or None; statement: the number of the last line of the statement the line is in."""
    text = path.read_text(encoding="utf-8")
    docstrings = {n for node in ast.walk(ast.parse(text)) if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
                  and ast.get_docstring(node) is not None for n in range(node.body[0].lineno, node.body[0].end_lineno + 1)}
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    comments = {tok.start[0]: tok for tok in tokens if tok.type == tokenize.COMMENT}
    ends = [tok.start[0] for tok in tokens if tok.type == tokenize.NEWLINE]
    lines, above = [], None
    for n, line in enumerate(text.splitlines(), 1):
        comment = comments.get(n)
        code = " ".join(line[:comment.start[1] if comment else None].split()).replace("'", '"')
        mark = (n, comment.string) if comment and MARKER.search(comment.string) else None
        if not code:  # a blank line ends a block; a comment line starts one, marked or not
            above = mark
        elif n not in docstrings:
            lines.append((n, code, mark or above, ends[bisect.bisect_left(ends, n)]))
    return lines


def similarity(a, b):
    """How alike two code lines are, word by word and symbol by symbol, from 0 to 1."""
    return difflib.SequenceMatcher(None, re.findall(r"\w+|\S", a), re.findall(r"\w+|\S", b)).ratio()


@pytest.mark.parametrize("script", ["vae", "gan", "cgan"])
def test_every_line_changed_from_the_listing_is_marked_and_no_other(script):
    """Both ways: a listing line that the script changes is marked there, and a marked line is not the
    listing's. The listing's own changes from the page (its statements with a `# changed:` comment:
    functions, offline data, output folder) and its main() (its flags) are not the book's text, so the
    script need not hold them. Each script line answers for one listing line (two identical listing
    lines need two in the script). A listing line that is nowhere in the script is paired with the most
    similar script line in its stretch of the difflib alignment, in order; that line must be marked."""
    from dlbook.paths import REPO_ROOT

    folder = REPO_ROOT / "ch08_generative"
    listing = code_lines(folder / "listings" / f"{script}_listing.py")
    own = {statement for _, _, mark, statement in listing if mark}
    book = [(n, code) for n, code, _, statement in listing[:[c for _, c, _, _ in listing].index("def main(argv=None):")]
            if statement not in own]
    ours = code_lines(folder / f"{script}.py")
    problems = []
    matcher = difflib.SequenceMatcher(None, [code for _, code in book], [code for _, code, _, _ in ours], autojunk=False)
    opcodes = matcher.get_opcodes()
    # Each script line stands for one listing line: those the alignment pairs in order first, then a
    # listing line elsewhere (the script moved it) takes one of the script's unpaired copies of it, so
    # of two identical listing lines that the script holds once, one is changed.
    held = collections.Counter(code for tag, _, _, j1, j2 in opcodes if tag != "equal" for _, code, _, _ in ours[j1:j2])
    for tag, i1, i2, j1, j2 in opcodes:
        for n, code in book[i1:i2] if tag != "equal" else ():
            if held[code] > 0:
                held[code] -= 1
                continue
            if code in GONE:
                continue
            twin = max(range(j1, j2), key=lambda j: similarity(code, ours[j][1]), default=None)
            if twin is None or similarity(code, ours[twin][1]) < 0.5:
                problems.append(f"listing line {n} is not in {script}.py, nor in GONE: {code}")
                continue
            j1 = twin + 1  # the next listing line pairs with a later script line
            if not ours[twin][2]:
                problems.append(f"{script}.py line {ours[twin][0]} changes listing line {n} unmarked: "
                                f"{ours[twin][1]}  <- {code}")
    unchanged = {code for _, code in book}
    for mark in {mark for _, _, mark, _ in ours if mark}:
        if all(code in unchanged for _, code, m, _ in ours if m == mark):
            problems.append(f"{script}.py line {mark[0]} marks what the listing holds as it is: {mark[1]}")
    assert not problems, "\n".join(problems)
