"""Reproduce the chapters: every chapter script in book order, with the book's settings.

    python reproduce.py                    # chapters 6 and 8, the book's full settings
    python reproduce.py --quick            # a few minutes on a laptop CPU: short runs of everything
    python reproduce.py --chapter 8 --dataset fashion-mnist --device cuda

Each script's printout is saved as <out>/logs/<name>.log, the figures land in <out>/, and
<out>/README.md becomes a gallery: each figure with its book number, caption and the command
that made it. The run ends with a summary table.
"""
import argparse
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from dlbook import cli  # noqa: E402
from dlbook.paths import FIGURES_DIR, atomic_path  # noqa: E402

# (name, script, book section, full-run flags, quick-run flags, uses a data set, key lines: the last
# line matching each |-separated pattern goes into the summary)
RUNS = [
    ("perceptron", "ch06_feedforward/perceptron.py", "6.4.1-6.4.3", [], [], False,
     r"^XOR *: .*|^output = .*"),
    ("xor_tensorflow", "ch06_feedforward/xor_tensorflow.py", "6.4.4", [], [], False,
     r"^step: 1800, .*|^Book check: .*"),
    ("xor_sweep", "ch06_feedforward/xor_tensorflow.py", "6.4.4", ["--sweep", "100"], ["--sweep", "100"], False,
     r"^stuck: .*"),
    ("backprop_manual", "ch06_feedforward/backprop_manual.py", "6.4.5", [], ["--iterations", "2000"], False,
     r"^iteration: \d+, .*"),
    ("keras_mlp", "ch06_feedforward/keras_mlp.py", "6.5", [], ["--epochs", "2"], True,
     r"^Test accuracy: .*"),
    ("vae", "ch08_generative/vae.py", "8.1", [], ["--epochs", "2"], True,
     r"^Per-image loss.*|^Book check: .*"),
    ("gan", "ch08_generative/gan.py", "8.2-8.3", [], ["--epochs", "2"], True,
     r"^Epoch \[\d+/\d+\], Step \[\d+/\d+\].*|^Book check: .*"),
    ("vae_z2", "ch08_generative/vae.py", "8.4", ["--z-dim", "2"], ["--z-dim", "2", "--epochs", "2"], True,
     r"^Per-image loss.*"),
    ("vae_vs_gan", "ch08_generative/vae_vs_gan.py", "8.4", [], ["--epochs", "2", "--quick-epochs", "1"], True,
     r"^Loaded .*|^No saved .*"),
]

# Figure file -> (book figure, caption). Files the book has no figure for say "-".
CAPTIONS = {
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
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", choices=["6", "8", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="short runs of every script (a few minutes on a CPU)")
    parser.add_argument("--device", type=cli.device_name, help="passed to every script")
    parser.add_argument("--seed", type=int, help="passed to every script (default: each script's own)")
    parser.add_argument("--dataset", choices=["mnist", "fashion-mnist"], help="for the scripts that load data")
    parser.add_argument("--data-dir", type=Path, help="for the scripts that load data")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="figures, logs and gallery (default figures/)")
    return cli.parse_args(parser, argv)


def command(run, args):
    name, script, _, full, quick, uses_data, _ = run
    argv = [sys.executable, script, *(quick if args.quick else full), "--out", str(args.out)]
    for flag in ("device", "seed") + (("dataset", "data_dir") if uses_data else ()):
        if getattr(args, flag) is not None:
            argv += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    return argv


def run_one(run, args):
    """Run one script, echoing and logging its printout; return (status, seconds, log text)."""
    argv = command(run, args)
    print(f"\n=== {run[0]} ({run[2]}): {shlex.join(['python', *argv[1:]])}", flush=True)
    start = time.perf_counter()
    lines = []
    with subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1) as proc:
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    seconds = time.perf_counter() - start
    text = "".join(lines)
    with atomic_path(args.out / "logs" / f"{run[0]}.log") as tmp:
        tmp.write_text(f"$ {shlex.join(['python', *argv[1:]])}\n{text}")
    return ("ok" if proc.returncode == 0 else f"failed ({proc.returncode})"), seconds, text


def gallery(results, args):
    """figures/README.md: every figure a script announced, with its book number, caption, command."""
    rows = ["# Figures", "", f"Written by `{shlex.join(['python', 'reproduce.py', *args.argv])}`. "
            "Each figure, its place in the book, and the command that made it.", ""]
    for run, (_, _, text) in results:
        for path in re.findall(r"^Figure: (.+)$", text, re.M):
            path = Path(path)
            number, caption = CAPTIONS.get(path.name, ("-", path.stem))
            try:
                rel = path.resolve().relative_to(args.out.resolve())
            except ValueError:
                rel = path
            rows += [f"## {number}: {caption}", "", f"![{caption}]({rel.as_posix()})", "",
                     f"`{shlex.join(['python', *command(run, args)[1:]])}`", ""]
    with atomic_path(args.out / "README.md") as tmp:
        tmp.write_text("\n".join(rows))


def main(argv=None):
    args = parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    runs = [r for r in RUNS if args.chapter == "all" or r[1].startswith(f"ch0{args.chapter}")]
    results = [(run, run_one(run, args)) for run in runs]
    gallery(results, args)
    print(f"\nSummary ({'quick' if args.quick else 'book settings'}); logs in {args.out / 'logs'}, "
          f"gallery {args.out / 'README.md'}")
    print(f"{'script':<16} {'section':<12} {'status':<12} {'time':>7}  key numbers")
    for run, (status, seconds, text) in results:
        keys = [found[-1] for found in (re.findall(p, text, re.M) for p in run[6].split("|")) if found]
        print(f"{run[0]:<16} {run[2]:<12} {status:<12} {seconds:6.1f}s  {' | '.join(keys)}")
    return 0 if all(status == "ok" for _, (status, _, _) in results) else 1


if __name__ == "__main__":
    sys.exit(main())
