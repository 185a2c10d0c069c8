"""What an earlier chapter script saved, found for a later one (defined for 8.4; used by 8.1.1,
8.4, 8.5 and evaluate.py). Each script owns a small `load_*` that builds its model from its own
checkpoint (vae.load_vae, gan.load_generator, ...); this module only knows where to look, and which
data set a checkpoint was trained on."""
from pathlib import Path

from .training import load_checkpoint


def find(out, relpath, dataset, subfolder=None):
    """(path, checkpoint) of the first `relpath` in --out, then in --out/<subfolder>, that was
    trained on `dataset`; (None, None) if there is none."""
    for folder in (Path(out), *([Path(out) / subfolder] if subfolder else [])):
        path = folder / relpath
        if path.exists():
            state = load_checkpoint(path)
            if state["args"]["dataset"] == dataset:
                return path, state
    return None, None


def find_or_train(args, name, relpath, script, flags, subfolder):
    """A checkpoint `script` saved (see find); if there is none for this data set, `script.main` is
    run here with `flags` into --out/<subfolder> to make one. Returns (checkpoint, a note for titles)."""
    path, state = find(args.out, relpath, args.dataset, subfolder)
    if state:
        print(f"Loaded the {name} from {path} ({state['epoch']} epochs)")
        return state, f"{state['epoch']} epochs"
    epochs = flags[flags.index("--epochs") + 1]
    print(f"No saved {name} for {args.dataset}: training one for {epochs} epoch(s)")
    folder = Path(args.out) / subfolder
    script.main(flags + ["--dataset", args.dataset, "--data-dir", str(args.data_dir), "--out", str(folder),
                         "--seed", str(args.seed), "--device", args.device]
                + (["--max-steps", str(args.max_steps)] if getattr(args, "max_steps", None) else []))
    return load_checkpoint(folder / relpath), f"trained here, {epochs} epoch(s)"


def load_model(model, checkpoint, key, device):
    """`model`, built by its own script, with the weights checkpoint[key], on `device`, for inference."""
    model.load_state_dict(checkpoint[key])
    return model.to(device).eval()
