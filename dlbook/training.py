"""`Run`: the plumbing around a chapter-8 training loop (defined for 8.1, used by 8.1.1-8.5):
progress and ETA, NaN and collapse checks, checkpoints, --resume, --max-steps, --log and Ctrl-C,
behind two calls in the book's loop: `for epoch in run.epochs(num_epochs)` and
`if run.step(loss, ...): break`.
"""
import math
import signal
from pathlib import Path

import torch

from .checkpoints import load_checkpoint, save_weights
from .console import Console
from .errors import Interrupted, TrainingError
from .seed import rng_state, set_rng_state


class Run:
    """The plumbing around one training loop.

        with Run(args, "vae", path, len(data_loader), model=model, optimizer=optimizer) as run:
            for epoch in run.epochs(num_epochs):
                for i, (x, _) in enumerate(data_loader):
                    ...                                   # the book's step and print
                    if run.step(reconst_loss, kl_div):    # --max-steps reached
                        break

    `state` holds what a checkpoint saves and --resume restores: modules and optimisers (by
    state_dict) and tensors (copied back in place). After each epoch the per-step values are
    checked for NaN/inf and, for a complete epoch, by `after_epoch(rows, epoch)`; then the checkpoint is
    written. `console` is the script's Console (dlbook.console, opened first thing in main, so that
    --log has every line the terminal shows); the run draws its progress there and `run.lines` keeps
    what it printed for the book check. Without one, the run opens its own.
    """

    def __init__(self, args, name, checkpoint, steps_per_epoch, first_epoch=1, after_epoch=None, console=None, **state):
        self.args, self.name, self.path, self.console = args, name, Path(checkpoint), console
        self.steps_per_epoch, self.first_epoch, self.state = steps_per_epoch, first_epoch, state
        self.after_epoch = after_epoch  # called with (the epoch's per-step rows, epoch) once it is complete
        self.start_epoch = self.epochs_saved = self.steps = 0
        self.history = None  # [step, value] on the device; read back only at the end of each epoch
        self._offset = 0  # the first step the history holds (resumed runs start after the saved epochs)
        self._earlier = torch.empty(0)  # the saved epochs' history, from the checkpoint
        self.stopped = False
        self._printed, self._first, self._replayed = [], 0, 0  # the saved epochs' lines; where ours begin

    # --- set-up and tear-down -------------------------------------------------------------------
    def __enter__(self):
        stop_on_signals()
        if self.args.resume:
            self._resume()
        total = self.args.epochs * self.steps_per_epoch
        if self.args.max_steps:
            total = min(total, self.args.max_steps)
        self._own_console = self.console is None  # a Run used alone (a benchmark): a console of its own
        if self._own_console:
            self.console = Console(self.args.log).__enter__()
        self.console.progress(max(total - self.steps, 0), self.name)
        self._first = len(self.console.lines)
        if self.args.resume:  # the saved epochs' lines again, so the printout (and --log) is whole
            print(f"Resuming after epoch {self.epochs_saved} from {self.path}; the lines printed before it:")
            for line in self._printed:
                print(line)
        self._replayed = len(self.console.lines)
        return self

    def __exit__(self, exc_type, exc, tb):
        self.console.progress(None)
        if self._own_console:
            self.console.close()
        if exc_type is KeyboardInterrupt:
            report_interrupt(self.path, self.epochs_saved)
        if exc_type is RuntimeError and "between 0 and 1" in str(exc):  # BCELoss given NaN probabilities
            epoch, i = divmod(self.steps, self.steps_per_epoch)
            raise TrainingError(f"loss became NaN or infinite at epoch {epoch + self.first_epoch}, step {i + 1}: "
                                f"training diverged (learning rate too high?); stopping here", status=1) from exc

    @property
    def lines(self):
        """What was printed since this run began (the saved epochs' lines again, when resumed)."""
        return self.console.lines[self._first:]

    # --- the two calls in the loop ----------------------------------------------------------------
    def epochs(self, num_epochs):
        """range(num_epochs), from the first epoch not yet saved; after each: checks and checkpoint."""
        for epoch in range(self.start_epoch, num_epochs):
            first = self.steps
            yield epoch
            rows = self.history[first - self._offset:self.steps - self._offset]
            stop_if_not_finite(rows, epoch + self.first_epoch)
            if self.steps - first == self.steps_per_epoch:
                if self.after_epoch:
                    self.after_epoch(rows, epoch)
                self._save(epoch + 1)
            if self.stopped:
                return

    def step(self, *values):
        """Record this step's losses (kept on the device); True once --max-steps is reached."""
        row = torch.stack([v.detach().float().reshape(()) for v in values])
        if self.history is None:
            self._offset = self.steps
            rows = self.args.epochs * self.steps_per_epoch - self.steps
            self.history = torch.full((rows, len(values)), math.nan, device=row.device)
        self.history[self.steps - self._offset] = row
        self.steps += 1
        self.console.step()
        self.stopped = bool(self.args.max_steps) and self.steps >= self.args.max_steps
        return self.stopped

    def losses(self):
        """Every recorded step's values as a CPU tensor [steps, values], resumed epochs included."""
        done = self.history[:self.steps - self._offset].cpu() if self.history is not None else torch.empty(0)
        return torch.cat([self._earlier, done]) if len(self._earlier) else done

    # --- checkpoints ----------------------------------------------------------------------------
    def _save(self, epochs_done):
        saved = {key: value.state_dict() if hasattr(value, "state_dict") else value
                 for key, value in self.state.items()}
        save_weights({**saved, "epoch": epochs_done, "history": self.losses(), "args": vars(self.args),
                      "rng": rng_state(self._device()), "lines": self._printed + self.console.lines[self._replayed:]}, self.path)
        self.epochs_saved = epochs_done

    def _device(self):
        for value in self.state.values():
            if isinstance(value, torch.nn.Module):
                return next(value.parameters()).device
            if isinstance(value, torch.Tensor):
                return value.device
        return torch.device("cpu")

    def _resume(self, keys=("dataset", "batch_size", "seed")):
        if not self.path.exists():
            raise TrainingError(f"--resume: no checkpoint at {self.path}")
        saved = load_checkpoint(self.path)
        for key in keys:
            if saved["args"][key] != getattr(self.args, key):
                raise TrainingError(f"--resume: {self.path} was made with --{key.replace('_', '-')} "
                                    f"{saved['args'][key]}, not {getattr(self.args, key)}")
        for key, value in self.state.items():
            if hasattr(value, "load_state_dict"):
                value.load_state_dict(saved[key])
            else:
                value.copy_(saved[key])
        set_rng_state(saved["rng"], self._device())
        self.start_epoch = self.epochs_saved = saved["epoch"]
        self.steps = saved["epoch"] * self.steps_per_epoch
        self._earlier = saved["history"]
        self._printed = saved.get("lines", [])  # checkpoints of before 2026-12 kept no lines


def report_interrupt(path, epochs_saved):
    """Interrupted, with one line saying what is saved and how to go on."""
    if epochs_saved:
        saved = "epoch 1 is" if epochs_saved == 1 else f"epochs 1-{epochs_saved} are"
        raise Interrupted(f"interrupted; {saved} saved in {path}. "
                          f"Run again with the same flags plus --resume to continue")
    raise Interrupted("interrupted before the first epoch ended; nothing was saved")


def stop_on_signals():
    """Turn SIGINT (Ctrl-C) and SIGTERM (kill) into KeyboardInterrupt, so both end a run the same
    clean way; SIGINT explicitly, since a shell starts background jobs with it ignored."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def stop_if_not_finite(rows, epoch):
    """TrainingError (exit status 1) at the first NaN or infinite value of an epoch's per-step rows,
    naming the epoch (as the script prints it) and the step."""
    bad = torch.nonzero(~torch.isfinite(rows).all(dim=1))
    if len(bad):
        raise TrainingError(f"loss became NaN or infinite at epoch {epoch}, step {int(bad[0]) + 1}: training "
                            f"diverged (learning rate too high?); stopping here", status=1)
