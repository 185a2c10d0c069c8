"""What each speed-up of the chapter-8 scripts saves: each script timed as it is and with one
speed-up taken back out (the book's line restored), alternating epochs, in one run.

    python benchmarks/ablate_ch08.py --dataset fashion-mnist [--epochs 3] [--device cpu]

The variants are made by replacing one line of the script's source, so they are exactly the
script minus that speed-up; the device-resident data is measured by bench_ch08.py (the listing
against the script).
"""
import statistics
import sys
import types

import torch

from bench_ch08 import our_epoch, timed
from dlbook import cli
from dlbook.device import torch_device
from chapter_scripts import load_script
from dlbook.paths import REPO_ROOT

# (script, what is taken out, the line with the speed-up, the book's line)
VARIANTS = [
    ("vae", "fused Adam", "fused=True)", "fused=False)"),
    ("gan", "fused Adam", "fused=True)", "fused=False)"),
    ("gan", ".detach() on the fakes", "outputs = D(fake_images.detach())", "outputs = D(fake_images)"),
]


def variant(name, old, new):
    """The script `name` as a module, with `old` replaced by `new` in its source."""
    load_script(f"ch08_generative/{name}.py")  # the original first, under its own name (gan for cgan)
    source = (REPO_ROOT / "ch08_generative" / f"{name}.py").read_text(encoding="utf-8")
    assert old in source, f"{name}.py no longer has {old!r}"
    module = types.ModuleType(f"{name}_without")
    module.__file__ = str(REPO_ROOT / "ch08_generative" / f"{name}.py")
    exec(compile(source.replace(old, new), module.__file__, "exec"), module.__dict__)
    return module


def main(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    parser.add_argument("--epochs", type=cli.positive_int, default=3)
    args = cli.parse_args(parser, argv)
    device = torch_device(args.device)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for name, what, old, new in VARIANTS:
            torch.manual_seed(args.seed)
            ours = our_epoch(name, args, device, tmp)
            sys.modules[f"{name}_without"] = variant(name, old, new)
            without = our_epoch(name, args, device, tmp, module=sys.modules[f"{name}_without"])
            timed(ours, device), timed(without, device)  # warm-up
            a, b = [], []
            for _ in range(args.epochs):
                a.append(timed(ours, device))
                b.append(timed(without, device))
            a, b = statistics.median(a), statistics.median(b)
            print(f"{name}.py without {what}: {b:.2f} s/epoch; with it {a:.2f} s/epoch: saves {b - a:.2f} s ({1 - a / b:.0%})")


if __name__ == "__main__":
    main()
