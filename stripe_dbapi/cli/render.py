"""Results for people: aligned tables and `line` mode, fitted to a terminal or not at all.

At a terminal a table fits its width: columns are shortened with `…` (the widest first),
columns that cannot fit at all are left out and the footer says how many, and long results
stop at a row limit with a "… N more rows" line, as DuckDB's shell does. Written to a pipe
or a file (`width=None`, `max_rows=None`) nothing is ever cut. NULL is shown as `NULL` and
an empty string as nothing, so the two never look alike; a line break inside a value is
shown as `\\n`, so one row stays one line.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from stripe_dbapi.cli.formats import Column, is_numeric, text

NULL = "NULL"
GAP = "  "  # between columns
MIN_WIDTH = 10  # a column shortened below this says too little to be worth showing


def cell(value: Any) -> str:
    """A value as one table cell: NULL marked, line breaks and tabs made visible."""
    if value is None:
        return NULL
    return text(value).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def width_of(s: str) -> int:
    """Columns `s` takes on a terminal: wide East Asian characters count two, combining
    marks none."""
    if s.isascii():
        return len(s)
    total = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def shorten(s: str, width: int) -> str:
    """`s` cut to `width` terminal columns, ending in `…` when anything was cut."""
    if width_of(s) <= width:
        return s
    out, used = [], 0
    for ch in s:
        w = width_of(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(s: str, width: int, right: bool) -> str:
    fill = " " * (width - width_of(s))
    return fill + s if right else s + fill


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    total: int | None = None,
    width: int | None = None,
    max_rows: int | None = None,
) -> list[str]:
    """The lines of an aligned table with a `(N rows)` footer.

    `total` is the number of rows of the whole result when `rows` holds only the first
    ones; `width` the terminal's width (None: no limit); `max_rows` the most rows shown.
    """
    total = len(rows) if total is None else total
    shown = list(rows if max_rows is None else rows[:max_rows])
    names = [name for name, _ in columns]
    right = [is_numeric(type_name) for _, type_name in columns]
    cells = [[cell(v) for v in row] for row in shown]
    natural = [width_of(n) for n in names]
    for row in cells:
        natural = [max(w, width_of(c)) for w, c in zip(natural, row)]
    keep = len(columns) if width is None else _columns_that_fit(natural, width)
    widths = natural[:keep] if width is None else _fit(natural[:keep], width)
    lines = [
        GAP.join(_pad(shorten(n, w), w, r) for n, w, r in zip(names, widths, right)).rstrip(),
        GAP.join("-" * w for w in widths),
    ]
    for row in cells:
        lines.append(
            GAP.join(_pad(shorten(c, w), w, r) for c, w, r in zip(row, widths, right)).rstrip()
        )
    hidden = total - len(shown)
    if hidden > 0:
        lines.append(f"… {hidden:,} more row{'s' if hidden != 1 else ''}")
    footer = f"({total:,} row{'s' if total != 1 else ''}"
    if keep < len(columns):
        footer += f"; {keep} of {len(columns)} columns shown, `.mode line` shows them all"
    lines.append(footer + ")")
    return lines


def _columns_that_fit(natural: Sequence[int], width: int) -> int:
    """How many leading columns fit in `width` at their smallest useful width."""
    used = 0
    for i, w in enumerate(natural):
        need = min(w, MIN_WIDTH) + (len(GAP) if i else 0)
        if used + need > width:
            return max(1, i)
        used += need
    return len(natural)


def _fit(natural: Sequence[int], width: int) -> list[int]:
    """Column widths that fit in `width`: the widest columns give way first (every column
    above a common cap is cut to it), none below its natural width or MIN_WIDTH."""
    room = width - len(GAP) * (len(natural) - 1)
    if sum(natural) <= room:
        return list(natural)
    low, high = 1, max(natural)
    while low < high:  # the largest cap that fits
        cap = (low + high + 1) // 2
        if sum(min(w, max(cap, min(w, MIN_WIDTH))) for w in natural) <= room:
            low = cap
        else:
            high = cap - 1
    widths = [min(w, max(low, min(w, MIN_WIDTH))) for w in natural]
    spare = room - sum(widths)
    for i, w in enumerate(natural):  # hand out what rounding left
        if spare <= 0:
            break
        if widths[i] < w:
            extra = min(spare, w - widths[i])
            widths[i] += extra
            spare -= extra
    return widths


def line_mode(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    total: int | None = None,
    max_rows: int | None = None,
) -> list[str]:
    """One `name = value` line per column, a blank line between rows (sqlite's `.mode
    line`): for rows too wide for any table. Values are never shortened."""
    total = len(rows) if total is None else total
    shown = list(rows if max_rows is None else rows[:max_rows])
    names = [name for name, _ in columns]
    pad = max((width_of(n) for n in names), default=0)
    lines: list[str] = []
    for i, row in enumerate(shown):
        if i:
            lines.append("")
        lines += [f"{_pad(n, pad, True)} = {cell(v)}" for n, v in zip(names, row)]
    hidden = total - len(shown)
    if hidden > 0:
        lines += ["", f"… {hidden:,} more row{'s' if hidden != 1 else ''}"]
    lines.append(f"({total:,} row{'s' if total != 1 else ''})")
    return lines
