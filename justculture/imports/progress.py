"""Progress of a long import on standard error: a rich bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

PLAIN_EVERY_SECONDS = 10.0


class _RowsColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.elapsed or 0.0
        rate = rows / elapsed if elapsed > 0 else 0.0
        return Text(f"{rows:,} rows {rate:,.0f}/s")


class ImportProgress:
    """Tracks rows and bytes through one pass over the file; ``total`` is the file size in bytes."""

    def __init__(self, stream: TextIO, total: int, *, enabled: bool = True) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.enabled = enabled
        self.fancy = enabled and stream.isatty()
        self._progress: Progress | None = None
        self._task: Any = None
        self.rows = 0
        self.bytes = 0
        self.phase = ""
        self._started = 0.0
        self._last_plain = 0.0

    def start(self, phase: str) -> None:
        self.phase = phase
        self.rows = 0
        self.bytes = 0
        self._started = self._last_plain = time.monotonic()
        if self.fancy:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), _RowsColumn(),
                TimeElapsedColumn(), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(phase, total=self.total, rows=0)

    def add_bytes(self, count: int) -> None:
        self.bytes += count

    def update(self, rows: int) -> None:
        """Called every so often (not every row) with the rows done so far."""
        self.rows = rows
        if not self.enabled:
            return
        if self._progress is not None:
            self._progress.update(self._task, completed=min(self.bytes, self.total), rows=rows)
            return
        now = time.monotonic()
        if now - self._last_plain >= PLAIN_EVERY_SECONDS:
            self._last_plain = now
            self._plain(now)

    def finish(self, rows: int) -> None:
        self.rows = rows
        self.bytes = self.total
        if not self.enabled:
            return
        if self._progress is not None:
            self._progress.update(self._task, completed=self.total, rows=rows)
            self._progress.stop()
            self._progress = None
            return
        self._plain(time.monotonic(), done=True)

    def _plain(self, now: float, done: bool = False) -> None:
        elapsed = max(now - self._started, 1e-9)
        share = min(100.0, 100.0 * self.bytes / self.total)
        state = "done" if done else f"{share:.0f}%"
        self.stream.write(f"{self.phase}: {self.rows:,} rows, {state}, {self.rows / elapsed:,.0f} rows/s\n")
        self.stream.flush()
