"""Chapter 6's live widgets' settings, taken from the scripts so they are written once there.

The page's 6.4.5 step-through starts at backprop_manual.py's defaults (its own parse_args([])), the
6.4.4 XOR widget trains with xor_tensorflow.py's learning rate, step count and "solved" loss, read
from the script's source: importing it would start TensorFlow, which the page does not need (and
which Python 3.14 does not have). Both run in ch6_models.js; no weights file is needed.
"""
import ast

from .. import manifest, sections
from ..paths import REPO_ROOT
from . import live, notebook

FOLDER = REPO_ROOT / "ch06_feedforward"


def backprop_settings(args):
    """The widget's starting values from backprop_manual.py's parsed flags (the page's field names)."""
    return {"inputs": list(args.inputs), "targets": list(args.targets), "weights": list(args.weights),
            "biases": list(args.biases), "lr": args.lr, "iterations": args.iterations, "no_bias": args.no_bias}


def backprop_defaults():
    """backprop_settings of the script's defaults, its own parse_args([])."""
    return backprop_settings(live.import_script("ch06_feedforward", "backprop_manual").parse_args([]))


def script_constants(path, names):
    """{name: value} of the module-level `NAME = <literal>` assignments in a script, unimported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
             if isinstance(node, ast.Assign) and len(node.targets) == 1
             and isinstance(node.targets[0], ast.Name) and node.targets[0].id in names}
    missing = set(names) - set(found)
    if missing:
        raise LookupError(f"{path}: no {', '.join(sorted(missing))}")
    return found


def xor_settings(out, lr, steps, solved):
    """The XOR widget's settings, and the stuck rate measured by the sweep in `out` (None if not run)."""
    numbers = (manifest.read(out, "xor_sweep") or {}).get("numbers", {})
    measured = {"stuck": numbers["stuck"], "seeds": numbers["seeds"]} if {"stuck", "seeds"} <= set(numbers) else None
    from .collect import table_command  # here: collect imports the whole page's table

    return {"lr": lr, "steps": steps, "solved": solved, "measured": measured,
            "sweep_command": table_command(next(s for s in sections.BOOK if s.name == "xor_sweep"), out)}


def data(out):
    """{"backprop": ..., "xor": ...}: what the page's chapter 6 widgets start from."""
    c = script_constants(FOLDER / "xor_tensorflow.py", ("LEARNING_RATE", "STEPS", "SOLVED_LOSS"))
    return {"backprop": backprop_defaults(), "xor": xor_settings(out, c["LEARNING_RATE"], c["STEPS"], c["SOLVED_LOSS"])}


def show_backprop(args):
    """In a notebook, the 6.4.5 step-through starting at this run's flags; elsewhere nothing."""
    return notebook.show({}, ["backprop"], ch6={"backprop": backprop_settings(args)})


def show_xor(out, lr, steps, solved):
    """In a notebook, the 6.4.4 XOR widget with this run's lr and steps; elsewhere nothing."""
    return notebook.show({}, ["xor"], ch6={"xor": xor_settings(out, lr, steps, solved)})
