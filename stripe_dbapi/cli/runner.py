"""Running statements for a terminal: one query with its progress line, or a script.

Shared by `stripe-dbapi query` and the shell. A script runs its statements in order and
stops at the first error, which names the line the statement starts on; Ctrl-C is a
KeyboardInterrupt that goes on unchanged (the CLI exits 130, the shell keeps running).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from stripe_dbapi.cli.output import BATCH, Display
from stripe_dbapi.cli.progress import ProgressLine
from stripe_dbapi.cli.script import Statement
from stripe_dbapi.connection import Connection
from stripe_dbapi.cursor import Cursor
from stripe_dbapi.exceptions import Error
from stripe_dbapi.progress import Progress


def progress_wanted(quiet: bool, err: TextIO | None = None) -> bool:
    """A progress line only for a person: at a terminal, and not asked to be quiet."""
    err = err or sys.stderr
    isatty = getattr(err, "isatty", None)
    return not quiet and bool(isatty and isatty())


def run_one(
    cursor: Cursor, sql: str, display: Display, *, progress: bool, err: TextIO | None = None
) -> tuple[int, Progress]:
    """Execute `sql` and write its rows as they come; the rows written and what it took."""
    with ProgressLine(cursor, err or sys.stderr, enabled=progress) as line:
        cursor.execute(sql)
        columns = [(d[0], d[1]) for d in cursor.description or ()]
        count = display.stream(columns, lambda: cursor.fetchmany(BATCH), line.clear)
    return count, cursor.progress


def run_script(
    conn: Connection,
    statements: Sequence[Statement],
    display: Display,
    *,
    progress: bool,
    where: str | None = None,
) -> None:
    """Run each statement in order on one cursor; the first error stops the script and
    is raised again with the line (and file) it comes from. `where` names the source
    (`report.sql`); with it, or with several statements, errors carry a line number."""
    numbered = where is not None or len(statements) > 1
    with conn.cursor() as cursor:
        for statement in statements:
            try:
                run_one(cursor, statement.sql, display, progress=progress)
            except Error as exc:
                if not numbered:
                    raise
                raise located(exc, statement.line, where) from None


def located(exc: Error, line: int, where: str | None) -> Error:
    """`exc` again, its message starting with the line (and file) of the statement."""
    prefix = f"{where}, line {line}" if where else f"line {line}"
    return type(exc)(
        f"{prefix}: {exc.message}",
        http_status=exc.http_status,
        code=exc.code,
        request_id=exc.request_id,
    )
