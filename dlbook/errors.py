"""What stops a script for a reason the reader can fix: a bad --device, missing data, an unreadable
checkpoint, a diverged or interrupted training. Library code raises these with what went wrong and
where; the script's entry point (cli.start) prints the message as one line and exits with `status`.
"""


class ReaderError(Exception):
    """Stops the script with `<script>: error: <message>` on stderr and exit status `status`."""

    status = 2  # argparse's status for a bad command line

    def __init__(self, message, status=None):
        super().__init__(message)
        if status is not None:
            self.status = status


class DataError(ReaderError):
    """The data cannot be used; the message says which file and what to do. `problem` says what
    went wrong ("corrupt": a copy that is truncated or fails its checksum, "missing": no copy and no
    download, "unknown": no such data set, "mismatch": images and labels disagree) and `path`
    which file, where there is one."""

    def __init__(self, message, problem, path=None):
        super().__init__(message)
        self.problem, self.path = problem, path


class DeviceError(ReaderError):
    """--device names an accelerator this machine or framework does not have."""


class FrameworkError(ReaderError):
    """TensorFlow is missing here or fails to start."""


class CheckpointError(ReaderError):
    """A weights file is missing or was not written by these scripts."""


class TrainingError(ReaderError):
    """--resume does not fit its checkpoint (status 2), or training diverged (status 1)."""


class Interrupted(ReaderError):
    """Ctrl-C or kill during training: the message says what was saved and how to go on."""

    status = 130  # what a shell gives a process ended by SIGINT (128 + 2)
