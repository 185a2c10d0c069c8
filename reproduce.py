"""Reproduce the chapters: every chapter script in book order, with the book's settings.

    python reproduce.py                    # chapters 6 and 8, the book's full settings
    python reproduce.py --quick            # a few minutes on a laptop CPU: short runs of everything
    python reproduce.py --chapter 8 --dataset fashion-mnist --device cuda

Each script's printout is saved as <out>/logs/<name>.log, the figures land in <out>/, and
<out>/README.md becomes a gallery: each figure with its book number, caption and the command
that made it. The run ends with a summary table.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

from dlbook import cli, data, device
from dlbook.paths import DATA_DIR, FIGURES_DIR, atomic_path

ROOT = Path(__file__).resolve().parent


class Run(NamedTuple):
    name: str
    script: str
    section: str
    full: list  # flags for the book's settings
    quick: list  # flags for --quick
    uses_data: bool
    keys: str  # the last line matching each |-separated pattern goes into the summary
    seeded: bool = True  # takes --seed (backprop_manual.py draws no random numbers)
    tensorflow: bool = False  # needs TensorFlow itself (not only Keras)
    keras: bool = False  # Keras, on TensorFlow unless KERAS_BACKEND says otherwise


RUNS = [
    Run("perceptron", "ch06_feedforward/perceptron.py", "6.4.1-6.4.3", [], [], False,
        r"^XOR *: .*|^output = .*"),
    Run("xor_tensorflow", "ch06_feedforward/xor_tensorflow.py", "6.4.4", [], [], False,
        r"^step: 1800, .*|^Book check: .*", tensorflow=True),
    Run("xor_sweep", "ch06_feedforward/xor_tensorflow.py", "6.4.4", ["--sweep", "100"], ["--sweep", "100"], False,
        r"^stuck: .*", tensorflow=True),
    Run("backprop_manual", "ch06_feedforward/backprop_manual.py", "6.4.5", [], ["--iterations", "2000"], False,
        r"^iteration: \d+, .*", seeded=False),
    Run("keras_mlp", "ch06_feedforward/keras_mlp.py", "6.5", [], ["--epochs", "2"], True,
        r"^Test accuracy: .*", keras=True),
    # The 2-D VAE (Fig 8-8) first: autoencoder.py sets its own 2-D model beside it.
    Run("vae_z2", "ch08_generative/vae.py", "8.1.1, 8.4", ["--z-dim", "2"], ["--z-dim", "2", "--epochs", "2"], True,
        r"^Per-image loss.*"),
    Run("autoencoder", "ch08_generative/autoencoder.py", "8.1.1", [], ["--epochs", "2"], True,
        r"^Reconstruction loss .*|^Share of N.*"),
    Run("vae", "ch08_generative/vae.py", "8.1", [], ["--epochs", "2"], True,
        r"^Per-image loss.*|^Book check: .*"),
    Run("gan", "ch08_generative/gan.py", "8.2-8.3", [], ["--epochs", "2"], True,
        r"^Epoch \[\d+/\d+\], Step \[\d+/\d+\].*|^Book check: .*"),
    Run("vae_vs_gan", "ch08_generative/vae_vs_gan.py", "8.4", [], ["--epochs", "2", "--quick-epochs", "1"], True,
        r"^Loaded .*|^No saved .*"),
    Run("cgan", "ch08_generative/cgan.py", "8.5", ["--digit", "8"], ["--epochs", "2", "--digit", "8"], True,
        r"^Epoch \[\d+/\d+\], Step \[\d+/\d+\].*|^The listing's .*|^Book check: .*"),
    Run("dcgan", "ch08_generative/dcgan.py", "8.5", [], ["--epochs", "1"], True,
        r"^Epoch \[\d+/\d+\], Step \[\d+/\d+\].*"),
    # Last: it measures every generator the runs above saved.
    Run("evaluate", "ch08_generative/evaluate.py", "8.4", [], ["--classifier-epochs", "1", "--samples", "2000"], True,
        r"^Classifier test accuracy: .*|^8\.4 'GAN.*|^8\.4 'the VAE.*"),
]

# The book's own captions (Chinese, as printed: the book writes AVE for VAE), for the gallery.
BOOK_CAPTIONS = {"Fig 6-26": "图6-26 异或问题示意图", "Fig 6-27": "图6-27 解决XOR问题的网络结构",
                 "Fig 6-28": "图6-28 整流线性激活函数(ReLU)图形", "Fig 6-35": "图6-35 反向传播由隐含层再到权重w_1",
                 "Fig 8-4": "图8-4 AVE构建图片", "Fig 8-5": "图8-5 AVE新图片", "Fig 8-7": "图8-7 GAN的新图片",
                 "Fig 8-8": "图8-8 AVE得到的数据流形分布图",
                 "Fig 8-1": "图8-1 自编码器架构图", "Fig 8-9": "图8-9(CGAN架构)"}

# Figure file -> (book figure, caption). Files the book has no figure for say "-".
CAPTIONS = {
    "fig8-9_cgan_architecture.png": ("Fig 8-9", "CGAN: the label y conditions both G(z|y) and D(x|y); layer sizes from the model"),
    "fig8-9b_cgan_class_grid.png": ("after Fig 8-9", "CGAN: row r generated for class r"),
    "cgan_digit_8.png": ("8.5", "CGAN: one image generated for the class asked for (generate_digit)"),
    "cgan_training_curves.png": ("-", "CGAN: losses, scores, and the listing's printed 'D(G(z))' quantity"),
    "dcgan_training_curves.png": ("-", "DCGAN: d_loss, g_loss, D(x) and D(G(z)) during training"),
    "fig8-9c_gan_vs_dcgan_samples.png": ("8.5", "The fully connected GAN beside the DCGAN after the same number of epochs"),
    "fig6-26_xor.png": ("Fig 6-26", "XOR: circles are 0, squares are 1; no straight line separates them"),
    "fig6-26b_perceptron_gates.png": ("after Fig 6-26", "AND, OR, NAND learned by the perceptron rule; XOR not"),
    "fig6-27b_xor_hidden_space.png": ("after Fig 6-27", "In the hidden layer's space XOR becomes separable"),
    "fig6-28_relu.png": ("Fig 6-28", "The rectified linear unit g(z) = max{0, z}"),
    "fig6-4-4_xor_loss.png": ("6.4.4", "Loss of the TensorFlow XOR network, step by step"),
    "fig6-4-4_xor_sweep_regions.png": ("6.4.4", "Decision regions of a solved seed next to stuck ones"),
    "fig6-35b_backprop_error.png": ("after Fig 6-35", "E_total of the 2-2-2 network under hand-written back-propagation"),
    "fig6-5_keras_training_curves.png": ("6.5", "Keras MLP: loss and accuracy, training and validation"),
    "fig6-5_keras_predictions.png": ("6.5", "Test images with predicted and true labels (wrong ones in red)"),
    "fig8-4_vae_reconstruction.png": ("Fig 8-4", "VAE: test images (odd columns) and their reconstructions (even)"),
    "fig8-5_vae_samples.png": ("Fig 8-5", "VAE: new images decoded from z ~ N(0, I)"),
    "vae_loss_curves.png": ("-", "VAE: reconstruction and KL terms per image during training"),
    "fig8-4_vae_reconstruction_z2.png": ("after Fig 8-4", "The 2-D VAE of Fig 8-8: test images and reconstructions"),
    "fig8-5_vae_samples_z2.png": ("after Fig 8-5", "The 2-D VAE of Fig 8-8: new images from z ~ N(0, I)"),
    "vae_loss_curves_z2.png": ("-", "The 2-D VAE: reconstruction and KL terms per image during training"),
    "fig8-7_gan_samples.png": ("Fig 8-7", "GAN: images from one fixed batch of noise after the last epoch"),
    "gan_training_curves.png": ("-", "GAN: d_loss, g_loss, D(x) and D(G(z)) during training"),
    "fig8-8_vae_manifold.png": ("Fig 8-8", "The data manifold learned by a VAE with a 2-D latent space"),
    "fig8-8b_vae_vs_gan_samples.png": ("8.4", "VAE samples next to GAN samples"),
    "fig8-1b_ae_vs_vae_codes.png": ("after Fig 8-1", "The test set's 2-D codes: plain autoencoder beside the 2-D VAE"),
    "fig8-1c_ae_vs_vae_prior_samples.png": ("after Fig 8-1", "Both decoders given z ~ N(0, I): only the VAE's makes images"),
    "fig8-1d_ae_vs_vae_interpolation.png": ("after Fig 8-1", "A straight walk between two test images' codes, decoded"),
    "fig8-8c_generators_measured.png": ("after Fig 8-8", "8.4 measured: every saved generator against the test set"),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="check this machine's setup (Python, packages, devices, data) and run nothing")
    parser.add_argument("--chapter", choices=["6", "8", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="short runs of every script (a few minutes on a CPU)")
    parser.add_argument("--device", type=cli.device_name, help="passed to every script")
    parser.add_argument("--seed", type=int, help="passed to every script that draws random numbers "
                        "(default: each script's own)")
    parser.add_argument("--dataset", choices=["mnist", "fashion-mnist"], help="for the scripts that load data")
    parser.add_argument("--data-dir", type=Path, help="for the scripts that load data")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="figures, logs and gallery (default figures/)")
    return cli.parse_args(parser, argv)


def command(run, args):
    argv = [sys.executable, run.script, *(run.quick if args.quick else run.full), "--out", str(args.out)]
    flags = (("seed",) if run.seeded else ()) + (("dataset", "data_dir") if run.uses_data else ())
    for flag in flags:
        if getattr(args, flag) is not None:
            argv += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    name = script_device(run, args)[0]
    return argv + (["--device", name] if name else [])


def on_tensorflow(run):
    return run.tensorflow or (run.keras and device.keras_backend() == "tensorflow")


def script_device(run, args):
    """(the --device this script gets, why it differs from --device or None). A TensorFlow script
    asked for a GPU that TensorFlow does not see here (pip's TensorFlow has no CUDA on Windows and
    macOS, no Metal without tensorflow-metal) runs on the CPU, as --check says it may."""
    if not on_tensorflow(run) or device.tensorflow_can_use(args.device, device.tensorflow_gpus()):
        return args.device, None
    return "cpu", (f"TensorFlow sees {device.tensorflow_gpus()} GPU(s) here, so this script runs on the CPU "
                   f"(--device {args.device} is for the PyTorch scripts)")


def preflight(runs, args):
    """What would stop every script the same way is checked once, before the first one runs:
    the device, and each data set (fetched now if missing). One line and exit status 2, nothing
    run and nothing written."""
    if args.device not in (None, "auto", "cpu"):
        problem = device.torch_problem(args.device)
        if problem:
            cli.fail(problem)
    if any(run.uses_data for run in runs):
        name = args.dataset or "mnist"
        try:
            for filename in data.FILES.values():
                data.locate(name, filename, args.data_dir or DATA_DIR)
        except data.DataError as err:  # its message ends by suggesting --dataset fashion-mnist
            cli.fail(str(err))


def run_one(run, args):
    """Run one script, echoing its printout; save stdout and stderr in its log.
    Return (status, seconds, stdout text, last stderr line)."""
    argv = command(run, args)
    shown = shlex.join(["python", *argv[1:]])
    print(f"\n=== {run.name} ({run.section}): {shown}", flush=True)
    if script_device(run, args)[1]:
        print(f"Note: {script_device(run, args)[1]}", flush=True)
    start = time.perf_counter()
    lines, errors = [], []

    def echo_stderr(stream):
        for line in stream:
            print(line, end="", file=sys.stderr, flush=True)
            errors.append(line)

    # The scripts write UTF-8 into the pipes whatever the console's code page; echoing it here is
    # what safe_streams makes safe on a console that cannot show every character.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                          errors="replace", bufsize=1, env=env) as proc:
        reader = threading.Thread(target=echo_stderr, args=(proc.stderr,))
        reader.start()
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line)
        reader.join()
    seconds = time.perf_counter() - start
    text = "".join(lines)
    stderr = "".join(line for line in errors if "\r" not in line)  # the progress line's redraws: not kept
    with atomic_path(args.out / "logs" / f"{run.name}.log") as tmp:
        tmp.write_text(f"$ {shown}\n{text}" + (f"\n--- stderr ---\n{stderr}" if stderr else ""), encoding="utf-8")
    last_error = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return ("ok" if proc.returncode == 0 else f"failed ({proc.returncode})"), seconds, text, last_error


def gallery(results, args):
    """figures/README.md: every figure a script announced, with its book number, caption, command."""
    rows = ["# Figures", "", f"Written by `{shlex.join(['python', 'reproduce.py', *args.argv])}`. "
            "Each figure, its place in the book, and the command that made it.", ""]
    for run, (_, _, text, _) in results:
        for path in re.findall(r"^Figure: (.+)$", text, re.M):
            path = Path(path)
            number, caption = CAPTIONS.get(path.name, ("-", path.stem))
            book_caption = BOOK_CAPTIONS.get(number.replace("after ", ""))
            if book_caption:  # the book's caption beside ours, so a search for 图8-7 finds it
                caption = f"{caption} · {'参见' if number.startswith('after') else ''}{book_caption}"
            try:
                rel = path.resolve().relative_to(args.out.resolve())
            except ValueError:
                rel = path
            rows += [f"## {number}: {caption}", "", f"![{caption}]({rel.as_posix()})", "",
                     f"`{shlex.join(['python', *command(run, args)[1:]])}`", ""]
        for path in re.findall(r"^Table: (.+)$", text, re.M):  # evaluate.py's measurements, as a table
            rows += [f"## {run.section} measured: {Path(run.script).name}'s table", "", Path(path).read_text(encoding="utf-8"),
                     f"`{shlex.join(['python', *command(run, args)[1:]])}`", ""]
    with atomic_path(args.out / "README.md") as tmp:
        tmp.write_text("\n".join(rows), encoding="utf-8")


def main(argv=None):
    args = parse_args(argv)
    if args.check:
        from dlbook import check

        return check.main()
    args.argv = sys.argv[1:] if argv is None else list(argv)
    runs = [r for r in RUNS if args.chapter == "all" or r.script.startswith(f"ch0{args.chapter}")]
    preflight(runs, args)
    no_tensorflow = device.tensorflow_missing()
    results = []
    for run in runs:
        if run.tensorflow and no_tensorflow:  # expected where TensorFlow has no wheel: not a failure
            print(f"\n=== {run.name} ({run.section}): skipped: {no_tensorflow}", flush=True)
            results.append((run, ("skipped", 0.0, "", no_tensorflow)))
        else:
            results.append((run, run_one(run, args)))
    gallery(results, args)
    print(f"\nSummary ({'quick' if args.quick else 'book settings'}); logs in {args.out / 'logs'}, "
          f"gallery {args.out / 'README.md'}")
    print(f"{'script':<16} {'section':<12} {'status':<12} {'time':>7}  key numbers (or why not)")
    for run, (status, seconds, text, reason) in results:
        keys = [found[-1] for found in (re.findall(p, text, re.M) for p in run.keys.split("|")) if found]
        print(f"{run.name:<16} {run.section:<12} {status:<12} {seconds:6.1f}s  {' | '.join(keys) if status == 'ok' else reason}")
    return 0 if all(status in ("ok", "skipped") for _, (status, *_) in results) else 1


if __name__ == "__main__":
    cli.run(main)
