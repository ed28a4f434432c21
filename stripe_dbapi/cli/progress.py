"""A progress line on standard error while a query has shown nothing yet.

Only at a terminal, only after about a second (a quick query shows none), redrawn a few
times a second from `Cursor.progress`: pages and rows fetched, requests in flight, time
waited on the rate limiter, elapsed time. It is erased the moment the first row is about to
be printed (`clear`), and never shown with `--quiet` or when stderr is not a terminal.
"""

from __future__ import annotations

import shutil
import threading
from types import TracebackType
from typing import Protocol, TextIO

from stripe_dbapi.progress import Progress

DELAY = 1.0  # seconds before the line appears
EVERY = 0.2  # seconds between redraws
ERASE = "\r\x1b[K"


class _HasProgress(Protocol):
    @property
    def progress(self) -> Progress: ...


def describe(p: Progress) -> str:
    """The line's text, e.g. `12 pages · 1,200 rows · 3 in flight · 2.4 s`."""
    parts = [
        f"{p.pages:,} page{'s' if p.pages != 1 else ''}",
        f"{p.rows:,} row{'s' if p.rows != 1 else ''} fetched",
    ]
    if p.in_flight:
        parts.append(f"{p.in_flight} in flight")
    if p.rate_limited >= 0.05:
        parts.append(f"{p.rate_limited:.1f} s waiting on the rate limit")
    parts.append(f"{p.elapsed:.1f} s")
    return " · ".join(parts)


class ProgressLine:
    """`with ProgressLine(cursor, sys.stderr, enabled=…) as line:` … `line.clear()`."""

    def __init__(self, source: _HasProgress, err: TextIO, *, enabled: bool) -> None:
        self.source = source
        self.err = err
        self.enabled = enabled
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._shown = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            self._thread = threading.Thread(
                target=self._run, name="stripe_dbapi-progress", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.clear()

    def clear(self) -> None:
        """Stop drawing and erase the line (before the first row is printed)."""
        self._stop.set()
        with self._lock:
            if self._shown:
                self.err.write(ERASE)
                self.err.flush()
                self._shown = False

    def _run(self) -> None:
        if self._stop.wait(DELAY):
            return
        while True:
            with self._lock:
                if self._stop.is_set():
                    return
                # One screen line at most: a wrapped line could not be erased in place.
                width = shutil.get_terminal_size().columns - 1
                self.err.write(ERASE + describe(self.source.progress)[:width])
                self.err.flush()
                self._shown = True
            if self._stop.wait(EVERY):
                return
