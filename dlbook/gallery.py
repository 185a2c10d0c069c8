"""The gallery of a figures folder: README.md for GitHub, and index.html, one page to double-click.

    python -m dlbook.gallery                  # rebuild figures/index.html and figures/README.md
    python -m dlbook.gallery --out /tmp/run   # the same for another --out folder

Both come from one source: the book's table (dlbook.sections) and what lies in the folder: each
run's log (logs/<name>.log, as reproduce.py writes them: the first line `$ python <script> <flags>`,
then the script's `Figure: <path>`, `Table: <path>` and `Book check: ...` lines), the per-epoch grids
the table names, and the weights of the live figures. index.html works from file:// with no network,
server or CDN: in book order, every figure with its book number, its Chinese and English caption and
the command that made it; each script's Book check verdict and curve beside its figures; evaluate.py's
table; one slider over each GAN's per-epoch grids; and three of the book's models live, in plain
JavaScript (dlbook/gallery.js) with their float32 weights inline: Fig 8-8 (the 2-D VAE's latent
plane), 8.4's straight latent path through the VAE and the GAN, and 8.5's CGAN drawing the class
asked for. `window.dlbook.run(name, input)` runs each, for tests.

Building writes exactly two files, <out>/index.html and <out>/README.md (atomically), and nothing
else. A weights file that is missing or unusable (another shape, truncated, not finite) is shown on
the page as missing, with the command that makes it; an unusable one also gets one line on stderr
(which file, what was expected), and `python -m dlbook.gallery` then exits with status 1.
"""
import argparse
import base64
import contextlib
import html
import importlib.util
import json
import math
import re
import shlex
import sys
import uuid
import zipfile
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from . import sections
from .paths import DATA_DIR, FIGURES_DIR, REPO_ROOT, atomic_path

RUNTIME = Path(__file__).with_name("gallery.js")
CODES = 3000  # test images whose codes the live Fig 8-8 draws as dots
BOOK_CHECK = re.compile(r"book_check_(\w+)\.png$")  # a Book check's curve over the book's, beside its verdict


# ---- What lies in the folder, section by section ------------------------------------------------
class Shown(NamedTuple):
    figure: sections.Figure
    path: str  # relative to the folder, as a URL path; "" when the file named is not there


class Entry(NamedTuple):
    section: sections.Section
    command: str  # the command that made this run's files
    logged: bool  # False: no log, so the command is the book's settings from the table
    figures: list  # [Shown], in the order the script announced them
    checks: list  # [Shown] Book check curves
    verdicts: list  # the `Book check:` lines
    tables: list  # [(path, Markdown text)]
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


def locate(out, named):
    """A path a log names, relative to the folder (as a URL path), or "" if it is not there. The
    scripts print paths as given by --out (relative to where they ran, or absolute, or from another
    machine), so the longest tail of the path that exists in the folder is the one."""
    out, path = Path(out), Path(named.strip())
    if path.is_absolute():
        with contextlib.suppress(ValueError):
            rel = path.resolve().relative_to(out.resolve())
            if (out / rel).is_file():
                return rel.as_posix()
    parts = path.parts
    for k in range(len(parts)):
        tail = Path(*parts[k:])
        if not tail.is_absolute() and ".." not in tail.parts and (out / tail).is_file():
            return tail.as_posix()
    return ""


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


def collect(out):
    """[Entry] for every row of the book's table, in book order, from the folder's logs and files."""
    out = Path(out)
    entries = []
    for section in book_order():
        log = out / "logs" / f"{section.name}.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        first = text.split("\n", 1)[0]
        logged = first.startswith("$ ")
        command = first[2:].strip() if logged else table_command(section, out)
        stdout = text.split("\n--- stderr ---\n", 1)[0]
        if logged:
            named = list(dict.fromkeys(re.findall(r"^Figure: (.+)$", stdout, re.M)))
            shown = [Shown(describe(p), locate(out, p)) for p in named]
        else:  # no log (a script run by hand): the table's figures that are there
            shown = [Shown(f, f.file) for f in section.figures if (out / f.file).is_file()]
        figures = [s for s in shown if not BOOK_CHECK.search(s.figure.file)]
        checks = [s for s in shown if BOOK_CHECK.search(s.figure.file)]
        tables = []
        for named in re.findall(r"^Table: (.+)$", stdout, re.M):
            rel = locate(out, named)
            if rel:
                tables.append((rel, (out / rel).read_text(encoding="utf-8")))
        grids = []
        for grid in section.epoch_grids:
            pattern = re.compile(re.escape(grid.file).replace(re.escape("{e}"), r"(\d+)") + "$")
            found = [(int(m.group(1)), p.relative_to(out).as_posix()) for p in out.glob(grid.file.replace("{e}", "*"))
                     if (m := pattern.search(p.relative_to(out).as_posix()))]
            if found:
                grids.append((grid, sorted(found)))
        verdicts = re.findall(r"^Book check: .*$", stdout, re.M)
        entries.append(Entry(section, command, logged, figures, checks, verdicts, tables, grids))
    return entries


def zh_caption(figure):
    """The Chinese line: the book's caption (参见 for a figure of ours after one of the book's)."""
    if BOOK_CHECK.search(figure.file):
        return "与书中结果对比:本次运行打印的数值与书中范围"
    if not figure.book_caption:
        return "本项目补充的图(书中无此图)"
    return ("参见 " if figure.book.startswith("after") else "") + figure.book_caption


# ---- README.md ------------------------------------------------------------------------------------
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
            rows += [f"> {verdict}", ""]
        for grid, found in entry.grids:
            rows += [f"## {grid.book}: {grid.caption}", "", f"{len(found)} grids, epochs {found[0][0]}-{found[-1][0]} "
                     f"(`{grid.file}`); the last: ", "", f"![{grid.caption}]({found[-1][1]})", "", command, ""]
        for _, text in entry.tables:  # evaluate.py's measurements, as a table
            rows += [f"## {entry.section.section} measured: {Path(entry.section.script).name}'s table", "", text,
                     command, ""]
    return "\n".join(rows)


# ---- The live models: weights read by each script's own loader ---------------------------------------
class Live(NamedTuple):
    name: str  # window.dlbook.run's name
    row: str  # the book's table row whose script writes its weights
    title: str
    short: str


LIVE = [Live("vae_z2", "vae_z2", "the 2-D VAE's decoder (vae.py --z-dim 2)", "VAE"),
        Live("gan", "gan", "the GAN's generator (gan.py)", "GAN"),
        Live("cgan", "cgan", "the CGAN's generator G(z|y) (cgan.py)", "CGAN")]


class Unusable(Exception):
    """A weights file the page cannot run: its message is the one line said about it."""


def script(name):
    """A chapter-8 script as a module (registered under its name, as `import gan` in cgan.py expects)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "ch08_generative" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


def shape(tensor):
    return "[" + ", ".join(map(str, tensor.shape)) + "]"


def read_weights(path, key, expected, load, what):
    """The model in `path` built by its script's loader `load`, after checking that the file is whole
    and holds checkpoint[key] with the shapes of `expected` (a model of the script's own class), all
    finite. Unusable (one line: the file, what is wrong, what was expected) otherwise."""
    import torch

    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive; a half-written one has no end
        raise Unusable(f"{path}: truncated or not a PyTorch checkpoint (no complete archive; a half-written "
                       f"file?); expected {what}")
    from .checkpoints import load_checkpoint
    from .errors import CheckpointError

    try:
        checkpoint = load_checkpoint(path)
    except CheckpointError as err:
        raise Unusable(f"{err}; expected {what}") from None
    weights = checkpoint.get(key) if isinstance(checkpoint, dict) else None
    if not isinstance(weights, dict) or not isinstance(checkpoint.get("args"), dict):
        raise Unusable(f"{path}: holds no {key!r} weights and run arguments; expected {what}")
    wanted = expected.state_dict()
    for name, tensor in wanted.items():
        if name not in weights:
            raise Unusable(f"{path}: has no {name}; expected {what}")
        if tuple(weights[name].shape) != tuple(tensor.shape):
            raise Unusable(f"{path}: {name} has shape {shape(weights[name])}, expected {shape(tensor)} ({what})")
        if not torch.isfinite(weights[name]).all():
            raise Unusable(f"{path}: {name} holds NaN or infinite values (training diverged?); expected {what}")
    extra = sorted(set(weights) - set(wanted))
    if extra:
        raise Unusable(f"{path}: unexpected weights {', '.join(extra)}; expected {what}")
    return load(checkpoint, "cpu"), checkpoint


def floats(tensor):
    """A tensor's values as base64 of little-endian float32, as gallery.js reads them."""
    return base64.b64encode(tensor.detach().cpu().float().contiguous().numpy().astype("<f4").tobytes()).decode("ascii")


def layers(modules):
    """PyTorch modules in order as gallery.js's layer list."""
    import torch.nn as nn

    out = []
    for m in modules:
        if isinstance(m, nn.Linear):
            out.append({"op": "linear", "in": m.in_features, "out": m.out_features, "w": floats(m.weight),
                        "b": floats(m.bias)})
        elif isinstance(m, (nn.ReLU, nn.Sigmoid, nn.Tanh)):
            out.append({"op": {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}[type(m)]})
        elif isinstance(m, nn.LeakyReLU):
            out.append({"op": "leaky_relu", "slope": m.negative_slope})
        else:
            raise Unusable(f"no JavaScript for the layer {type(m).__name__}")
    return out


def class_names(dataset):
    from .data import DATASETS

    return DATASETS.get(dataset, DATASETS["mnist"])["class_names"]


def test_codes(model, dataset, data_dirs, n=CODES):
    """(codes [n, 2] as the encoder's means, labels, a note) for the first n test images of `dataset`."""
    import torch

    from .data import DataError, load

    reasons = []
    for folder in dict.fromkeys(str(d) for d in data_dirs if d):
        try:
            images, labels = load(dataset, "test", folder, allow_download=False)
            break
        except DataError as err:
            reasons.append(str(err).splitlines()[0])
    else:
        return None, None, f"no dots: the {dataset} test images were not found ({'; '.join(reasons)})"
    device = next(model.parameters()).device
    x = torch.from_numpy(images[:n].reshape(-1, 784)).to(device).float().div(255)
    with torch.no_grad():
        codes = model.encode(x)[0]
    return codes, torch.from_numpy(labels[:n].copy()), f"dots: the codes of {len(x)} {dataset} test images"


def vae_spec(model, dataset, data_dirs, note):
    """The live Fig 8-8's model: the 2-D VAE's decoder (VAE.decode: fc4, ReLU, fc5, sigmoid) and the
    test images' codes."""
    import torch
    import torch.nn as nn

    codes, labels, dots = test_codes(model, dataset, data_dirs)
    spread = float(codes.abs().flatten().quantile(0.995)) if codes is not None else 0.0
    # vae_vs_gan.py's lattice: the normal quantiles 0.05 ... 0.95, and 0.1 beyond (its imshow extent)
    lattice = float(torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor(0.95))) + 0.1
    return {"input": 2, "layers": layers([model.fc4, nn.ReLU(), model.fc5, nn.Sigmoid()]),
            "codes": floats(codes) if codes is not None else None,
            "labels": base64.b64encode(labels.numpy().astype("uint8").tobytes()).decode() if labels is not None else None,
            "range": max(3.0, math.ceil(spread * 2) / 2), "lattice": lattice, "class_names": class_names(dataset),
            "short": "VAE", "note": f"{note}; {dots}"}


def live_models(out):
    """({name: spec} of the live models whose weights are in the folder, {name: why not} of the others,
    [one line per unusable weights file])."""
    out = Path(out)
    specs, missing, problems = {}, {}, []
    for live in LIVE:
        row = next(s for s in sections.BOOK if s.name == live.row)
        command = table_command(row, out)
        try:
            vae, gan, cgan = script("vae"), script("gan"), script("cgan")
        except Exception as err:  # PyTorch missing or broken: the page without its live figures
            missing[live.name] = f"{live.title} cannot run here ({type(err).__name__}: {err})"
            continue
        where = {"vae_z2": ([out, out / "vae_vs_gan"], lambda f: vae.weights_path(f, 2)),
                 "gan": ([out, out / "vae_vs_gan"], gan.checkpoint_path),
                 "cgan": ([out], cgan.checkpoint_path)}[live.name]
        path = next((Path(where[1](f)) for f in where[0] if Path(where[1](f)).exists()), None)
        if path is None:
            missing[live.name] = (f"{live.title}: no weights in {Path(where[1](out)).parent} yet; "
                                  f"run `{command}`, then `python -m dlbook.gallery`")
            continue
        what = {"vae_z2": ("model", vae.VAE(z_dim=2), vae.load_vae, "the checkpoint of vae.py --z-dim 2: a 2-D VAE, "
                           "fc4 2->400, fc5 400->784"),
                "gan": ("G", gan.generator(), gan.load_generator, "gan.py's generator: 64->256->256->784"),
                "cgan": ("G", cgan.Generator(), cgan.load_generator, "cgan.py's G(z|y): Embedding(10, 10), "
                         "110->256->512->1024->784")}[live.name]
        try:
            model, checkpoint = read_weights(path, what[0], what[1], what[2], what[3])
            args = checkpoint["args"]
            dataset = args.get("dataset", "mnist")
            note = f"{path.relative_to(out).as_posix()}: {checkpoint.get('epoch', '?')} epoch(s) on {dataset}"
            if live.name == "vae_z2":
                spec = vae_spec(model, dataset, [args.get("data_dir"), DATA_DIR], note)
            elif live.name == "gan":
                spec = {"input": gan.latent_size, "layers": layers(model) + [{"op": "denorm"}], "note": note}
            else:
                spec = {"input": cgan.z_size + model.label_emb.embedding_dim, "layers": layers(model.model)
                        + [{"op": "denorm"}], "embedding": {"rows": model.label_emb.num_embeddings, "dim":
                        model.label_emb.embedding_dim, "w": floats(model.label_emb.weight)},
                        "class_names": class_names(dataset), "note": note}
            specs[live.name] = {"short": live.short, **spec}
        except Unusable as err:
            problems.append(str(err))
            missing[live.name] = f"{live.title}: unusable weights ({err}); run `{command}` again"
    return specs, missing, problems


def measured_unevenness(entries):
    """{model: path unevenness} from evaluate.py's table (the last table found), and the table's file."""
    for entry in reversed(entries):
        for path, text in reversed(entry.tables):
            rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines()
                    if line.startswith("|") and not line.startswith("|---")]
            if rows and any(h.startswith("path unevenness") for h in rows[0]):
                column = next(i for i, h in enumerate(rows[0]) if h.startswith("path unevenness"))
                return {r[0]: r[column] for r in rows[1:] if len(r) > column}, path
    return {}, ""


# ---- index.html ---------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#fafafa}
header,main{max-width:1200px;margin:0 auto;padding:0 16px}
header{padding-top:12px}h1{font-size:1.5em;margin:.4em 0}h2{font-size:1.25em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
nav.toc{max-width:1200px;margin:0 auto;padding:0 16px}nav.toc ol{columns:2;margin:.3em 0;font-size:.95em}
code{background:#eee;padding:1px 4px;border-radius:3px;font-size:.85em;word-break:break-all}
.cards{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;max-width:560px;flex:1 1 360px}
.card img{max-width:100%;height:auto;display:block;margin:0 auto}
.num{font-weight:bold}.zh{color:#444}.en{color:#222}.cmd{font-size:.85em;color:#555;margin-top:4px}
.verdict{padding:6px 10px;border-radius:4px;margin:4px 0;background:#eef}.within{background:#e6f4e6}.outside{background:#fbe6e6}
.missing{background:#fff6dd;border:1px dashed #c90;padding:6px 10px;border-radius:4px}
table.measured{border-collapse:collapse;font-size:.85em;background:#fff}table.measured td,table.measured th{border:1px solid #ccc;padding:3px 6px;text-align:right}
table.measured td:first-child{text-align:left}
.dlbook-live .live-row,.dlbook-live .path-row{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:6px 0}
.dlbook-live canvas.pad{width:320px;height:320px;border:1px solid #888;cursor:crosshair;touch-action:none;background:#fff}
.dlbook-live canvas.digit{image-rendering:pixelated;background:#000;border:1px solid #888}
.dlbook-live canvas.big{width:168px;height:168px}.dlbook-live canvas.small{width:30px;height:30px}
.dlbook-live .strip{display:flex;gap:2px;flex-wrap:nowrap}
.dlbook-live canvas.here{outline:3px solid #d62728}
.dlbook-live .legend{font-size:.8em;max-width:200px}.dlbook-live .zlabel{font-family:monospace;margin:4px 0}
.dlbook-live .path-name{width:3.5em;font-weight:bold}.dlbook-live .path-slider{width:300px}
.dlbook-live .controls button{margin:2px}.timing,.note{font-size:.85em;color:#555}
"""


def esc(text):
    return html.escape(str(text), quote=True)


def figure_card(shown, command):
    figure = shown.figure
    image = (f'<a href="{quote(shown.path)}"><img src="{quote(shown.path)}" alt="{esc(figure.caption)}"></a>'
             if shown.path else f'<p class="missing">{esc(figure.file)}: named in the log, not found in this folder</p>')
    return (f'<div class="card">{image}<div><span class="num">{esc(figure.book)}</span> '
            f'<span class="en">{esc(figure.caption)}</span></div><div class="zh">{esc(zh_caption(figure))}</div>'
            f'<div class="cmd"><code>{esc(command)}</code></div></div>')


def md_table(text):
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines()
            if line.startswith("|") and not line.startswith("|---")]
    if not rows:
        return f"<pre>{esc(text)}</pre>"
    head = "".join(f"<th>{esc(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f'<table class="measured"><tr>{head}</tr>{body}</table>'


def live_card(kind, specs, missing, unevenness, out):
    """One live figure's card: its title, its note, and the element gallery.js fills."""
    needs = {"pad": ["vae_z2"], "path": ["vae_z2", "gan"], "cgan": ["cgan"]}[kind]
    title = {"pad": ("Fig 8-8 live", sections.BOOK_CAPTIONS["Fig 8-8"] + "(可交互)",
                     "Point at (or drag over) the 2-D VAE's latent plane: the decoder draws that z at once. "
                     "Dots: test images' codes, coloured by class; dashed: the static figure's lattice."),
             "path": ("8.4 live", "8.4 VAE与GAN的异同:同一条直线路径(可交互)",
                      "One straight path z(t) = a + t(b - a) between two random points of each latent space, "
                      "decoded by the 2-D VAE and by the GAN; the slider moves along it."),
             "cgan": ("8.5 live", "8.5 CGAN:选择数字生成图片(可交互)",
                      "Pick a class: the CGAN draws it (the listing's generate_digit); each click draws new noise.")}[kind]
    notes = [f'<p class="missing">{esc(missing[n])}</p>' for n in needs if n not in specs]
    notes += [f'<p class="note">{esc(specs[n]["short"])}: {esc(specs[n]["note"])}</p>' for n in needs if n in specs]
    if kind == "path":
        values, path = unevenness
        if values.get("VAE") and values.get("GAN"):
            notes.append(f'<p class="note">Measured by evaluate.py ({esc(path)}): path unevenness (lower is '
                         f'smoother) VAE {esc(values["VAE"])}, GAN {esc(values["GAN"])}; it measures vae.py\'s 20-D '
                         f'VAE, the live path here runs through the 2-D one. 路径不均匀度(越小越平滑)。</p>')
        else:
            notes.append('<p class="note">The measured path unevenness appears here once evaluate.py has run: '
                         f'<code>{esc(table_command(sections.of_script("ch08_generative/evaluate.py"), out))}</code></p>')
    live = "" if all(n not in specs for n in needs) else f'<div data-live="{kind}"></div>'
    return (f'<div class="card dlbook-live" id="live-{kind}" style="max-width:760px;flex-basis:520px">'
            f'<div><span class="num">{esc(title[0])}</span> <span class="zh">{esc(title[1])}</span></div>'
            f'<div class="en">{esc(title[2])}</div>{live}{"".join(notes)}</div>')


LIVE_PLACES = {"vae_vs_gan": [("pad", "fig8-8_vae_manifold.png"), ("path", "vae_vs_gan_samples.png")],
               "cgan": [("cgan", "cgan_digit_8.png")]}  # each live figure after the static one it animates


def section_html(entry, specs, missing, unevenness, out):
    s = entry.section
    parts = [f'<section id="s-{s.name}"><h2>{esc(s.title_zh)} · {esc(s.title_en)}</h2>']
    if entry.logged or entry.figures or s.name in LIVE_PLACES:
        parts.append(f'<div class="cmd">{esc(Path(s.script).name)}: <code>{esc(entry.command)}</code>'
                     + ("" if entry.logged else " (no log in logs/: the book's settings)") + "</div>")
    if entry.verdicts or entry.checks:
        cards = "".join(f'<div class="verdict {"within" if " within " in v else "outside" if " outside " in v else ""}">'
                        f"{esc(v)}</div>" for v in entry.verdicts)
        cards += "".join(figure_card(c, entry.command) for c in entry.checks)
        parts.append(f'<div class="checks">{cards}</div>')
    live = dict(LIVE_PLACES.get(s.name, []))
    cards = []
    for shown in entry.figures:
        cards.append(figure_card(shown, entry.command))
        cards += [live_card(k, specs, missing, unevenness, out) for k, f in live.items() if f == shown.figure.file]
    shown_files = {x.figure.file for x in entry.figures}
    cards += [live_card(k, specs, missing, unevenness, out) for k, f in live.items() if f not in shown_files]
    for grid, found in entry.grids:
        files, epochs = [quote(p) for _, p in found], [e for e, _ in found]
        cards.append(f'<div class="card epochs" data-live="epochs" data-files="{esc(json.dumps(files))}" '
                     f'data-epochs="{esc(json.dumps(epochs))}"><img src="{files[-1]}" alt="{esc(grid.caption)}">'
                     f'<input type="range" min="0" max="{len(files) - 1}" value="{len(files) - 1}" '
                     f'aria-label="epoch"> <span class="epoch-label">epoch {epochs[-1]} of {epochs[-1]}</span>'
                     f'<div><span class="num">{esc(grid.book)}</span> <span class="en">{esc(grid.caption)}: drag the '
                     f'slider through the epochs</span></div><div class="zh">{esc(zh_caption(grid))} · 拖动滑块查看各轮</div>'
                     f'<div class="cmd"><code>{esc(entry.command)}</code></div></div>')
    if not cards and not entry.tables and not entry.verdicts:
        cards.append(f'<p class="missing">Not run yet in this folder · 尚未运行: <code>{esc(entry.command)}</code></p>')
    parts.append(f'<div class="cards">{"".join(cards)}</div>')
    for path, text in entry.tables:
        parts.append(f'<h3>{esc(s.section)} measured · 量化结果 ({esc(path)})</h3>{md_table(text)}'
                     f'<div class="cmd"><code>{esc(entry.command)}</code></div>')
    return "".join(parts) + "</section>"


def script_json(data):
    """JSON inside a <script>: no '</' that could end it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def page(entries, specs, missing, written_by, out):
    unevenness = measured_unevenness(entries)
    toc = "".join(f'<li><a href="#s-{e.section.name}">{esc(e.section.title_en)}</a> · {esc(e.section.title_zh)} '
                  f'<span class="note">({esc(Path(e.section.script).name)})</span></li>' for e in entries)
    body = "".join(section_html(e, specs, missing, unevenness, out) for e in entries)
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Chapters 6 and 8: figures, verdicts, live models · 第6章与第8章</title><style>{CSS}</style></head>"
            f'<body class="dlbook-live"><header><h1>Chapters 6 and 8: every figure and verdict, with the book\'s models '
            f"live · 第6章与第8章:全部图片、结论与可交互模型</h1><p>Written by <code>{esc(written_by)}</code>; rebuild "
            f"with <code>python -m dlbook.gallery</code>. 由 <code>python -m dlbook.gallery</code> 重新生成。</p>"
            f'<p class="timing"></p></header><nav class="toc"><h2>Contents · 目录</h2><ol>{toc}</ol></nav>'
            f"<main>{body}</main>\n<script>window.dlbookData = {script_json({'models': specs, 'missing': missing})};"
            f"</script>\n<script>{RUNTIME.read_text(encoding='utf-8')}</script>\n"
            f"<script>window.dlbook.start(window.dlbookData);</script>\n</body></html>\n")


def build(out, command=None):
    """Write <out>/index.html and <out>/README.md from the folder's logs, figures and weights (nothing
    else is written). `command`: the command line that made the runs, shown at the top (reproduce.py
    passes its own). Returns the list of problems, one line each, also printed on stderr: weights
    files the page cannot run (it shows those models as missing)."""
    out = Path(out)
    written_by = command or shlex.join(["python", "-m", "dlbook.gallery", "--out", str(out)])
    entries = collect(out)
    specs, missing, problems = live_models(out)
    for problem in problems:
        print(f"gallery: {problem}", file=sys.stderr)
    with atomic_path(out / "README.md") as tmp:
        tmp.write_text(markdown(entries, written_by), encoding="utf-8")
    with atomic_path(out / "index.html") as tmp:
        tmp.write_text(page(entries, specs, missing, written_by, out), encoding="utf-8")
    size = (out / "index.html").stat().st_size / 1e6
    print(f"Gallery: {out / 'index.html'} ({size:.1f} MB, open it in a browser) and {out / 'README.md'}")
    return problems


# ---- The live Fig 8-8 in a notebook ---------------------------------------------------------------------
def live_html(specs, kinds, missing=None):
    """A self-contained HTML fragment with the given live figures (the page's script and style)."""
    uid = f"dlbook-live-{uuid.uuid4().hex[:12]}"  # one per output: a notebook may show several
    cards = "".join(f'<div data-live="{k}"></div>' for k in kinds)
    return (f'<div class="dlbook-live" id="{uid}"><style>{CSS}</style>{cards}<p class="timing"></p>'
            f'<p class="note">{esc(" ".join(s["note"] for s in specs.values()))}</p>'
            f"<script>{RUNTIME.read_text(encoding='utf-8')}</script>"
            f"<script>(function () {{ var s = document.currentScript;"
            f" var root = (s && s.closest && s.closest('.dlbook-live')) || document.getElementById('{uid}');"
            f" window.dlbook.start({script_json({'models': specs, 'missing': missing or {}})}, root); }})();</script></div>")


def show_live_vae(model, args):
    """In a notebook, the live Fig 8-8 of a 2-D VAE as one HTML output (the page's own script: point at
    z, see the digit; no ipywidgets); in a terminal, or for another latent size, nothing."""
    from .figures import in_notebook

    if not in_notebook() or model.fc4.in_features != 2:
        return None
    from IPython.display import HTML, display

    spec = {"short": "VAE", **vae_spec(model, args.dataset, [args.data_dir, DATA_DIR], "this run's 2-D VAE")}
    fragment = live_html({"vae_z2": spec}, ["pad"])
    display(HTML(fragment))
    return fragment


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="the figures folder (default figures/)")
    args = parser.parse_args(argv)
    if not args.out.is_dir():
        parser.error(f"--out {args.out}: no such folder")
    return 1 if build(args.out) else 0


if __name__ == "__main__":
    sys.exit(main())
