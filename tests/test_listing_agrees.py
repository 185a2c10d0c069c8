"""The chapter-8 scripts against the book's listings (ch08_generative/listings/): from the same
weights, the same batches and the same seed, they print the same numbers, so the speed-ups (the
device-resident loader, fused Adam, .detach() on the fakes) change none of them."""
import copy
import re

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
    with training.Run(args, "gan", tmp_path / "gan.pt", len(loader), first_epoch=0,
                      fixed_noise=torch.zeros(100, gan.latent_size)) as run:
        gan.train(args, *nets, loader, run)
    assert len(expected) == 6 and printed("gan", capsys) == pytest.approx(expected, rel=1e-3, abs=0.0051)


@pytest.mark.parametrize("script", ["vae", "gan", "cgan"])
def test_every_changed_or_speed_up_comment_marks_a_line_the_listing_lacks(script):
    """A `# changed:` or speed-up comment sits on (or just above) a code line that is not in the
    listing as printed; the listing's own lines carry no such comment in the script."""
    from dlbook.paths import REPO_ROOT

    folder = REPO_ROOT / "ch08_generative"
    listing = {line.split("#")[0].strip() for line in
               (folder / "listings" / f"{script}_listing.py").read_text(encoding="utf-8").splitlines()}
    lines = (folder / f"{script}.py").read_text(encoding="utf-8").splitlines()
    marked = 0
    for i, line in enumerate(lines):
        code, _, comment = line.partition("#")
        if not re.search(r"changed:|speed-up", comment, re.I):
            continue
        if not code.strip():  # a comment line of its own: it speaks of the next code line
            code = next(nxt for nxt in lines[i + 1:] if nxt.strip() and not nxt.strip().startswith("#"))
        marked += 1
        assert code.strip() not in listing, f"{script}.py line {i + 1} is the listing's, yet marked: {line.strip()}"
    assert marked >= 3
