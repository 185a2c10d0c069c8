"""The page's live models: which they are, and each one's weights as the JSON the page's JavaScript runs.

The script that owns a model says how it is exported: its live_export(path) reads a checkpoint
(with read_weights below) and returns the model's spec ({"input", "layers", ...}, see ch8_models.js).
exporters() imports those scripts the normal way (the chapter folder on sys.path, as the notebooks
and tests do); build() takes any {name: export} instead, so a test can hand in its own.
"""
import base64
import importlib
import sys
import zipfile
from typing import NamedTuple

from .. import sections
from ..paths import REPO_ROOT


class LiveModel(NamedTuple):
    name: str  # window.dlbook.run's name, and the script row whose weights it runs
    script: str  # the module in ch08_generative/ whose live_export(path) exports it
    folders: tuple  # where its weights may be, relative to the folder (vae_vs_gan.py trains its own there)
    title: str
    short: str


MODELS = [LiveModel("vae_z2", "vae", (".", "vae_vs_gan"), "the 2-D VAE's decoder (vae.py --z-dim 2)", "VAE"),
          LiveModel("gan", "gan", (".", "vae_vs_gan"), "the GAN's generator (gan.py)", "GAN"),
          LiveModel("cgan", "cgan", (".",), "the CGAN's generator G(z|y) (cgan.py)", "CGAN")]


class Unusable(Exception):
    """A weights file the page cannot run: its message is the one line said about it."""


def import_script(folder, name):
    """A chapter script imported by name as `python <script>` would (cgan.py's own `import gan`
    included): its folder first on the path while it is imported."""
    saved = list(sys.path)
    sys.path.insert(0, str(REPO_ROOT / folder))
    try:
        return importlib.import_module(name)
    finally:
        sys.path[:] = saved


def exporters():
    """{model name: its script's live_export}."""
    return {m.name: import_script("ch08_generative", m.script).live_export for m in MODELS}


def row(model):
    return next(s for s in sections.BOOK if s.name == model.name)


def weights_file(model, out):
    """The first of the model's places holding its weights (its row's first saved file), or None."""
    found = [out / folder / row(model).saves[0] for folder in model.folders]
    return next((path for path in found if path.exists()), None)


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
    from ..checkpoints import load_checkpoint
    from ..errors import CheckpointError

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


def trained(checkpoint):
    """The note every live model carries: how long it trained, on what."""
    return f"{checkpoint.get('epoch', '?')} epoch(s) on {checkpoint['args'].get('dataset', 'mnist')}"


class Base64(str):
    """Base64 of a tensor's bytes: a string, marked so that render.py can take it out of the page's JSON
    into a <template> element of its own (WebKit parses megabytes of one <script> slowly)."""


def floats(tensor):
    """A tensor's values as base64 of little-endian float32, as ch8_models.js reads them."""
    return Base64(base64.b64encode(tensor.detach().cpu().float().contiguous().numpy().astype("<f4").tobytes())
                  .decode("ascii"))


def bytes_(tensor):
    """Small whole numbers (class labels) as base64 of bytes."""
    return Base64(base64.b64encode(tensor.numpy().astype("uint8").tobytes()).decode("ascii"))


def layers(modules):
    """PyTorch modules in order as ch8_models.js's layer list."""
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
    from ..data import DATASETS

    return DATASETS.get(dataset, DATASETS["mnist"])["class_names"]


def export(out, table_command, export_by_name=None):
    """({name: spec} of the live models whose weights are in the folder, {name: why not} of the others,
    [one line per unusable weights file]). `table_command(row, out)`: the command that makes a row's weights."""
    specs, missing, problems = {}, {}, []
    try:
        export_by_name = export_by_name if export_by_name is not None else exporters()
    except Exception as err:  # PyTorch missing or broken: the page without its live figures
        return {}, {m.name: f"{m.title} cannot run here ({type(err).__name__}: {err})" for m in MODELS}, []
    for model in MODELS:
        command = table_command(row(model), out)
        path = weights_file(model, out)
        if path is None:
            missing[model.name] = (f"{model.title}: no weights in {(out / row(model).saves[0]).parent} yet; "
                                   f"run `{command}`, then `python -m dlbook.gallery`")
            continue
        try:
            spec = export_by_name[model.name](path)
        except Unusable as err:
            problems.append(str(err))
            missing[model.name] = f"{model.title}: unusable weights ({err}); run `{command}` again"
            continue
        specs[model.name] = {"short": model.short, **spec, "note": f"{path.relative_to(out).as_posix()}: {spec['note']}"}
    return specs, missing, problems


class LiveFigure(NamedTuple):
    """A live figure of the page: the element page.js fills, and where it is shown."""
    kind: str  # its data-live name in page.js
    needs: tuple  # the live models (MODELS' names) it runs
    row: str  # the table row whose section shows it
    after: str  # the static figure it animates: the live one comes right after it
    number: str
    zh: str
    en: str


FIGURES = [
    LiveFigure("pad", ("vae_z2",), "vae_vs_gan", "fig8-8_vae_manifold.png", "Fig 8-8 live",
               sections.BOOK_CAPTIONS["Fig 8-8"] + "(可交互)",
               "Point at (or drag over) the 2-D VAE's latent plane: the decoder draws that z at once. "
               "Dots: test images' codes, coloured by class; dashed: the static figure's lattice."),
    LiveFigure("path", ("vae_z2", "gan"), "vae_vs_gan", "vae_vs_gan_samples.png", "8.4 live",
               "8.4 VAE与GAN的异同:同一条直线路径(可交互)",
               "One straight path z(t) = a + t(b - a) between two random points of each latent space, "
               "decoded by the 2-D VAE and by the GAN; the slider moves along it."),
    LiveFigure("cgan", ("cgan",), "cgan", "cgan_digit_8.png", "8.5 live", "8.5 CGAN:选择数字生成图片(可交互)",
               "Pick a class: the CGAN draws it (the listing's generate_digit); each click draws new noise."),
    # Chapter 6: no weights file, the maths alone (ch6_models.js, from the scripts' settings: dlbook.page.ch6)
    LiveFigure("xor", (), "xor_tensorflow", "xor_loss.png", "6.4.4 live", "6.4.4 XOR:在页面中训练2-2-1 ReLU网络(可交互)",
               "The book's 2-2-1 ReLU network trained here on the four XOR points by Adam with the script's "
               "learning rate: the loss, the output over the input plane, and the hidden units that die."),
    LiveFigure("backprop", (), "backprop_manual", "fig6-35_backprop_to_w1.png", "6.4.5 live",
               "6.4.5 反向传播:逐步计算前向、反向与更新(可交互)",
               "The 2-2-2 network of Figs 6-30 to 6-35, one step at a time: forward, backward, update, or N "
               "iterations. Edit any number; the chains to w5 and w1 are spelled out as the script prints them."),
]
