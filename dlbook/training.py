"""PyTorch training plumbing shared by the chapter-8 scripts.

The data set lives on the device as one tensor and batches are slices of a shuffled index, so
the training loop does no per-image Python work. Checkpoints and image grids are written
atomically, so an interrupted run leaves only whole files behind.
"""
import signal

import numpy as np
import torch
from torchvision.utils import save_image

from .cli import fail
from .data import load_or_exit
from .paths import atomic_path


def images_on_device(dataset, split, data_dir, device, normalize=False):
    """The whole split as one float tensor [N, 784] on `device`: [0, 1], or [-1, 1] if normalize."""
    images, _ = load_or_exit(dataset, split, data_dir)
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device).view(len(images), -1).float().div_(255)
    return x.mul_(2).sub_(1) if normalize else x


def batch_indices(n, batch_size, device):
    """One epoch of shuffled index slices, the last one short, like DataLoader(shuffle=True)."""
    perm = torch.randperm(n, device=device)
    return perm.split(batch_size)


def adam(params, lr, device):
    """Adam with the fused kernel where PyTorch has one: one pass over all parameters per step
    instead of a dozen small ops per tensor (the book's Adam, same updates, about a third of
    the VAE's CPU step time saved)."""
    return torch.optim.Adam(params, lr=lr, fused=device.type in ("cpu", "cuda"))


def save_grid(images, path, **kwargs):
    """torchvision's save_image, written atomically; images in [0, 1], [B, 784] or [B, C, H, W]."""
    images = images.detach()
    if images.dim() == 2:
        images = images.view(-1, 1, 28, 28)
    with atomic_path(path) as tmp:
        save_image(images.cpu(), tmp, format="png", **kwargs)


def rng_state():
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state):
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path, **state):
    """torch.save, atomically, with the random-number state so a resumed run prints the same numbers."""
    with atomic_path(path) as tmp:
        torch.save({**state, "rng": rng_state()}, tmp)


def load_checkpoint(path):
    state = torch.load(path, map_location="cpu", weights_only=False)
    set_rng_state(state.pop("rng"))
    return state


def resume_state(path, args, keys=("dataset", "batch_size", "seed")):
    """The checkpoint at `path`, after checking it was made with the same settings."""
    if not path.exists():
        fail(f"--resume: no checkpoint at {path}")
    state = load_checkpoint(path)
    for key in keys:
        if state["args"][key] != getattr(args, key):
            fail(f"--resume: {path} was made with --{key.replace('_', '-')} {state['args'][key]}, "
                 f"not {getattr(args, key)}")
    print(f"Resuming after epoch {state['epoch']} from {path}")
    return state


def report_interrupt(path, epochs_saved):
    """End an interrupted run with one line saying what is saved and how to go on."""
    if epochs_saved:
        saved = "epoch 1 is" if epochs_saved == 1 else f"epochs 1-{epochs_saved} are"
        fail(f"interrupted; {saved} saved in {path}. "
             f"Run again with the same flags plus --resume to continue", status=130)
    fail("interrupted before the first epoch ended; nothing was saved", status=130)


def stop_on_signals():
    """Turn SIGINT (Ctrl-C) and SIGTERM (kill) into KeyboardInterrupt, so both end a run the same
    clean way; SIGINT explicitly, since a shell starts background jobs with it ignored."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def stop_if_not_finite(history, steps_per_epoch, first_epoch=1):
    """Stop with exit status 1 at the first NaN or infinite loss in the per-step history, naming
    its epoch (numbered from `first_epoch`, as the script prints them) and step."""
    bad = torch.nonzero(~torch.isfinite(history).all(dim=1))
    if len(bad):
        epoch, i = divmod(int(bad[0]), steps_per_epoch)
        fail(f"loss became NaN or infinite at epoch {epoch + first_epoch}, step {i + 1}: training "
             f"diverged (learning rate too high?); stopping here", status=1)
