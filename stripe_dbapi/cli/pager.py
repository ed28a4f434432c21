"""Long output at a terminal goes through a pager; everywhere else it is written as is.

The pager is `$PAGER` when set (an empty `PAGER=` turns paging off, as in psql), else
`less -S -R -F -X` when installed: `-S` keeps wide rows on one line (scroll sideways),
`-F` quits at once when the text fits the screen, `-X` leaves it on the screen after.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
from collections.abc import Sequence
from typing import TextIO

LESS = ["less", "-S", "-R", "-F", "-X"]


def pager_command() -> list[str] | None:
    """The pager to run, or None when paging is off or no pager is installed."""
    chosen = os.environ.get("PAGER")
    if chosen is not None:
        return shlex.split(chosen) or None
    return LESS if shutil.which("less") else None


def show(lines: Sequence[str], out: TextIO, *, height: int | None, page: bool = True) -> None:
    """Write `lines`; through the pager when they are more than a screen (`height` rows)."""
    text = "".join(line + "\n" for line in lines)
    command = pager_command() if page and height is not None and len(lines) >= height else None
    if command is None:
        out.write(text)
        out.flush()
        return
    out.flush()
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, text=True)
    except OSError:  # a PAGER that does not exist: the text still matters more
        out.write(text)
        out.flush()
        return
    assert proc.stdin is not None
    # The reader quitting early (`q` in less) closes the pipe: not an error.
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.write(text)
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    while True:
        try:
            proc.wait()
            return
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager (less keeps running)
            continue
