"""A plain-text progress bar for long commands. On a terminal it redraws one line; in a log file (CI,
``make run`` piped) it writes a line at every tenth, so the log stays readable."""

import time
from typing import TextIO

from .text import pad

BAR_WIDTH = 30
LABEL_WIDTH = 24


class ProgressBar:
    def __init__(self, stream: TextIO, label: str, total: int):
        self.stream, self.label, self.total = stream, label, max(total, 1)
        self.done = 0
        self.started = time.monotonic()
        self.interactive = stream.isatty() if hasattr(stream, "isatty") else False
        self._shown = 0  # last percent (terminal) or tenth (log) written

    def advance(self, count: int = 1) -> None:
        self.done = min(self.done + count, self.total)
        percent = self.done * 100 // self.total
        step = percent if self.interactive else percent // 10
        if step != self._shown and percent < 100:  # 100 % is drawn once, by finish()
            self._shown = step
            self._draw(percent, end="" if self.interactive else "\n")

    def finish(self) -> None:
        self.done = self.total
        self._draw(100, end="\n", seconds=time.monotonic() - self.started)

    def _draw(self, percent: int, end: str, seconds: float | None = None) -> None:
        filled = BAR_WIDTH * percent // 100
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        tail = f"  {seconds:.1f}s" if seconds is not None else ""
        prefix = "\r" if self.interactive else ""
        line = f"{pad(self.label, LABEL_WIDTH)} [{bar}] {percent:3d}%  {self.done}/{self.total}{tail}"
        self.stream.write(prefix + line + end)
        self.stream.flush()
