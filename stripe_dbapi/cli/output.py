"""Where a result goes and how it looks: one `Display` for `query`, `explain`, `tables`,
`describe` and the shell.

At a terminal, `table` and `line` results fit the screen (cli/render.py) and go through
the pager when still longer than it (cli/pager.py); into a pipe or a file they are written
whole. The streamed formats (cli/formats.py) are the same everywhere and written batch by
batch as the cursor delivers rows.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from stripe_dbapi.cli import pager, render
from stripe_dbapi.cli.formats import STREAMED, WRITERS, Column

FORMATS = ("table", "line", *STREAMED)
BATCH = 100  # rows per fetch: one Stripe page, so streamed output follows the pages
DEFAULT_MAX_ROWS = 40  # DuckDB's shell shows 40 rows by default; fewer on a small screen


@dataclass
class Display:
    """How results are written to `out`: the format, and at a terminal the row limit."""

    out: TextIO
    fmt: str = "table"
    max_rows: int | None = None  # at a terminal; None: as many as fit the screen, 0: all
    page: bool = True  # use the pager for long output at a terminal

    @property
    def terminal(self) -> bool:
        """Whether `out` is a terminal (only then is anything shortened)."""
        isatty = getattr(self.out, "isatty", None)
        return bool(isatty and isatty())

    def _size(self) -> tuple[int, int]:
        size = shutil.get_terminal_size()
        return size.columns, size.lines

    def _row_limit(self, height: int) -> int | None:
        if self.max_rows == 0:
            return None
        if self.max_rows is not None:
            return self.max_rows
        return max(5, min(DEFAULT_MAX_ROWS, height - 6))

    def rows(self, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> None:
        """A result already in memory (EXPLAIN, the catalog listings)."""
        batches = iter([list(rows)])
        self.stream(columns, lambda: next(batches, []))

    def stream(
        self,
        columns: Sequence[Column],
        fetch: Callable[[], Sequence[Sequence[Any]]],
        before_first: Callable[[], None] = lambda: None,
    ) -> int:
        """Write the rows `fetch` returns batch by batch (an empty batch ends them); call
        `before_first` just before anything is written (the progress line goes). Returns
        the number of rows."""
        if self.fmt in WRITERS:
            first = list(fetch())
            before_first()
            writer = WRITERS[self.fmt](self.out, columns)
            writer.begin()
            batch = first
            while batch:
                writer.rows(batch)
                batch = list(fetch())
            writer.end()
            return writer.count
        return self._human(columns, fetch, before_first)

    def _human(
        self,
        columns: Sequence[Column],
        fetch: Callable[[], Sequence[Sequence[Any]]],
        before_first: Callable[[], None],
    ) -> int:
        """`table` or `line`: the rows shown are kept, the rest only counted."""
        terminal = self.terminal
        width, height = self._size() if terminal else (None, None)
        limit = self._row_limit(height) if height is not None else None
        kept: list[Sequence[Any]] = []
        total = 0
        while batch := fetch():
            total += len(batch)
            if limit is None or len(kept) < limit:
                kept.extend(batch[: None if limit is None else limit - len(kept)])
        before_first()
        if self.fmt == "line":
            lines = render.line_mode(columns, kept, total=total, max_rows=limit)
        else:
            lines = render.table(columns, kept, total=total, width=width, max_rows=limit)
        pager.show(lines, self.out, height=height, page=self.page and terminal)
        return total


def text_columns(*names: str) -> list[Column]:
    """Columns of text, for the listings that are not query results."""
    return [(name, "VARCHAR") for name in names]
