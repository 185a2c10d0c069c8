"""Weights and checkpoints: written so they load anywhere, read without running code from the
file, and found for a later section (defined for 8.1, used by 8.1.1-8.5 and evaluate.py).

Each script owns a small `load_*` that builds its model from its own checkpoint (vae.load_vae,
gan.load_generator, ...); this module knows how files are written and read, where an earlier
script's are, and which data set a checkpoint was trained on.
"""
import os
from pathlib import Path

import numpy as np
import torch

from .errors import CheckpointError
from .paths import atomic_path


def portable(obj):
    """What a checkpoint may hold so that `torch.load(path, weights_only=True)` opens it on any
    machine: CPU tensors, numbers, strings, lists, tuples and dicts. Paths become strings (a
    pickled PosixPath cannot be made on Windows), NumPy arrays lists, device tensors CPU ones."""
    if isinstance(obj, torch.Tensor):  # on any device
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {key: portable(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(portable(value) for value in obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


def save_weights(state_dict, path):
    """torch.save of a state_dict (or a whole checkpoint, as training.Run saves) as CPU tensors and
    plain values, atomically: weights trained on a GPU load anywhere."""
    with atomic_path(path) as tmp:
        torch.save(portable(state_dict), tmp)


def load_checkpoint(path):
    """A checkpoint or weights file of these scripts, on the CPU, without running code from it."""
    if not os.path.exists(path):  # e.g. a --max-steps run that stopped before its first epoch ended
        raise CheckpointError(f"{path}: not written: the run that should have saved it stopped before an epoch ended")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # pickle.UnpicklingError and friends: not a file these scripts wrote
        raise CheckpointError(f"{path}: cannot be loaded safely ({type(err).__name__}): it was not written by this "
                              f"version of the scripts; delete it and run the script again") from None


def find(out, path_of, dataset, subfolder=None):
    """(path, checkpoint) of the first checkpoint in --out, then in --out/<subfolder>, that was
    trained on `dataset`; (None, None) if there is none. `path_of(folder)` is where the script
    that writes it puts it (gan.checkpoint_path, ...), so reading and writing share one name."""
    for folder in (Path(out), *([Path(out) / subfolder] if subfolder else [])):
        path = Path(path_of(folder))
        if path.exists():
            state = load_checkpoint(path)
            if state["args"]["dataset"] == dataset:
                return path, state
    return None, None


def find_or_train(args, name, path_of, main, flags, subfolder):
    """A checkpoint a script saved (see find); if there is none for this data set, that script's
    `main` is run here with `flags` into --out/<subfolder> to make one. Returns (checkpoint, a note
    for titles)."""
    path, state = find(args.out, path_of, args.dataset, subfolder)
    if state:
        print(f"Loaded the {name} from {path} ({state['epoch']} epochs)")
        return state, f"{state['epoch']} epochs"
    epochs = flags[flags.index("--epochs") + 1]
    print(f"No saved {name} for {args.dataset}: training one for {epochs} epoch(s)")
    folder = Path(args.out) / subfolder
    main(flags + ["--dataset", args.dataset, "--data-dir", str(args.data_dir), "--out", str(folder),
                  "--seed", str(args.seed), "--device", args.device]
         + (["--max-steps", str(args.max_steps)] if getattr(args, "max_steps", None) else []))
    return load_checkpoint(path_of(folder)), f"trained here, {epochs} epoch(s)"


def load_model(model, checkpoint, key, device):
    """`model`, built by its own script, with the weights checkpoint[key], on `device`, for inference."""
    model.load_state_dict(checkpoint[key])
    return model.to(device).eval()
