"""Printing: book-format lines on stdout (and in --log), progress with an ETA on stderr.

Inside `with Console(...)`, a plain print() also goes to --log and is kept in `lines`, so the
book's own print(...) lines need no change. The progress line goes to stderr, so the
book-format lines on stdout stay clean for a reader who pipes or compares them.
"""
import io
import sys
import time
from pathlib import Path


def safe_streams():
    """Never crash on a character the console cannot show: on a console or pipe that is not UTF-8
    (a Chinese Windows' GBK, a Western one's cp1252, an ASCII locale) a ✔, an arrow or a Chinese
    caption prints as '?' instead of raising UnicodeEncodeError. Files are always UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.encoding.lower().replace("-", "") != "utf8":
            stream.reconfigure(errors="replace")


def printable(text, fallback):
    """`text` if stdout can show it, else the plain-ASCII `fallback` (where a '?' would lose meaning)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        return fallback


def _clock(seconds):
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


class StatusLine:
    """The one progress line on stderr, for the scripts (Console) and for reproduce.py: redrawn in
    place on a terminal, at most every `every` seconds; elsewhere (a log, a notebook cell) written out
    as a new line every 30 s, so a captured stderr is not flooded. Nothing is shown in the first
    interval: the first steps are warm-up, an ETA from them would mislead."""

    WIDTH = 150  # a longer line wraps, and \r then redraws only its last part

    def __init__(self, every=0.5):
        self.tty = sys.stderr.isatty()
        self.every = every if self.tty else 30
        self.last = time.perf_counter()
        self.shown = False

    def due(self, now):
        return now - self.last >= self.every

    def show(self, text, now):
        self.last = now
        if self.tty:
            sys.stderr.write("\r\033[K" + text[:self.WIDTH])
            self.shown = True
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def clear(self):
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.shown = False


class Console:
    """Tees stdout to --log and to `lines`; step() for progress; use as a context manager."""

    def __init__(self, log=None, total_steps=None, label=""):
        if log:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log, "w", encoding="utf-8") if log else None
        self.total = total_steps
        self.label = label
        self.done = 0
        self.start = time.perf_counter()
        self.status = StatusLine()
        self.lines = []  # what was printed, for the book comparison at the end of a run
        self._partial = ""
        self.stdout = None

    def __enter__(self):
        self.stdout, sys.stdout = sys.stdout, self
        return self

    def __exit__(self, *exc):
        self.close()

    def print(self, text=""):
        print(text, file=self if self.stdout else sys.stdout, flush=True)

    def write(self, text):
        """sys.stdout's write while the console is open: terminal, --log and `lines`."""
        self._clear()
        (self.stdout or sys.__stdout__).write(text)
        if self.log:
            self.log.write(text)
            if "\n" in text:
                self.log.flush()  # a reader can follow the log with tail -f
        *done, self._partial = (self._partial + text).split("\n")
        self.lines += done
        return len(text)

    def __getattr__(self, name):  # isatty, encoding, fileno...: whatever the real stdout says
        return getattr(self.__dict__.get("stdout") or sys.__stdout__, name)

    def flush(self):
        (self.stdout or sys.__stdout__).flush()
        if self.log:
            self.log.flush()

    def progress(self, total_steps, label=""):
        """Count steps towards `total_steps` from now (None: no progress line, and clear it)."""
        self._clear()
        self.total, self.label, self.done = total_steps, label, 0
        self.start = self.status.last = time.perf_counter()

    def step(self, n=1):
        """Count finished steps; the progress line with an ETA when StatusLine says it is due."""
        self.done += n
        now = time.perf_counter()
        if self.total and self.status.due(now):
            elapsed = now - self.start
            eta = elapsed / self.done * (self.total - self.done)
            self.status.show(f"{self.label} {self.done}/{self.total} steps ({100 * self.done / self.total:.0f}%), "
                             f"{_clock(elapsed)} elapsed, ETA {_clock(eta)}", now)

    def _clear(self):
        self.status.clear()

    def close(self):
        self._clear()
        if self.stdout is not None and sys.stdout is self:
            sys.stdout = self.stdout
        if self.log:
            self.log.close()
            self.log = None
