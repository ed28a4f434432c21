"""`stripe-dbapi shell`: an interactive SQL shell in the sqlite/duckdb tradition.

prompt_toolkit does the line editing: history kept in the user's state directory, a
statement spread over lines until it ends with `;`, Tab completion of keywords, tables and
columns from the catalog (cli/completion.py). Dot commands change how results look or
read the catalog (`.help` lists them). Ctrl-C at the prompt clears the line; during a
query it cancels the query (the cursor is interrupted, as close() from another thread
would) and the shell goes on; Ctrl-D leaves.

`Shell.handle` is the whole behaviour for one input and knows nothing of prompt_toolkit,
so it can be driven directly; `Shell.loop` adds the prompt.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from stripe_dbapi.cli import script
from stripe_dbapi.cli.common import add_connection_options, open_connection
from stripe_dbapi.cli.output import FORMATS, Display, text_columns
from stripe_dbapi.cli.query import (
    add_display_options,
    add_quiet_option,
    describe_rows,
    find_table,
    tables_rows,
)
from stripe_dbapi.cli.runner import located, progress_wanted, run_one
from stripe_dbapi.connection import Connection
from stripe_dbapi.exceptions import Error, InterfaceError
from stripe_dbapi.redact import Redactor

PROMPT = "stripe> "
CONTINUATION = "   ...> "

HELP = """\
Enter SQL ending with `;` (it may span lines). Tab completes; Ctrl-C cancels; Ctrl-D leaves.

.tables [PATTERN]      the tables (name contains PATTERN, or matches it as a glob)
.describe TABLE        a table's columns, types and what is sent to Stripe
.explain on|off        show the plan (the Stripe calls) before running each query
.mode MODE             table, line, csv, tsv, json, ndjson or markdown
.timing on|off         after each query: wall time, requests, rows fetched
.maxrows N             rows shown of a table at the terminal (0: all)
.output [FILE]         write results to FILE (none: back to the terminal)
.read FILE             run the statements of FILE
.connections           the saved connections
.help                  this text
.quit                  leave (as Ctrl-D does)"""

DOT_COMMANDS = (
    ".tables",
    ".describe",
    ".explain",
    ".mode",
    ".timing",
    ".maxrows",
    ".output",
    ".read",
    ".connections",
    ".help",
    ".quit",
    ".exit",
)


def register(commands: argparse._SubParsersAction) -> None:
    s = commands.add_parser(
        "shell",
        help="an interactive SQL shell (history, completion, dot commands)",
        description="An interactive SQL shell; `stripe-dbapi` with no command at a "
        "terminal opens it too. `.help` inside lists its dot commands.",
    )
    add_connection_options(s)
    add_display_options(s)
    add_quiet_option(s)
    s.set_defaults(func=run_shell)


def run_shell(args: argparse.Namespace) -> int:
    with open_connection(args) as conn:
        shell = Shell(conn, mode=args.format, max_rows=args.max_rows, quiet=args.quiet)
        shell.loop()
    return 0


class Shell:
    """The state of one shell session and what each input does to it."""

    def __init__(
        self,
        conn: Connection,
        *,
        mode: str = "table",
        max_rows: int | None = None,
        quiet: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.conn = conn
        self.terminal_out = out or sys.stdout
        self.err = err or sys.stderr
        self.display = Display(self.terminal_out, fmt=mode, max_rows=max_rows)
        self.quiet = quiet
        self.explain = False
        self.timing = False
        self._file: TextIO | None = None
        self.cursor = conn.cursor()
        self._commands: dict[str, Callable[[str], bool]] = {
            ".tables": self._tables,
            ".describe": self._describe,
            ".explain": lambda arg: self._switch("explain", arg),
            ".timing": lambda arg: self._switch("timing", arg),
            ".mode": self._mode,
            ".maxrows": self._maxrows,
            ".output": self._output,
            ".read": self._read,
            ".connections": self._connections,
            ".help": self._help,
            ".quit": lambda arg: False,
            ".exit": lambda arg: False,
        }

    # -- the prompt ---------------------------------------------------------------------

    def loop(self) -> None:
        """Prompt, run, repeat, until Ctrl-D or `.quit`."""
        from stripe_dbapi.cli.prompt import make_session

        session = make_session(self.conn.catalog, DOT_COMMANDS, CONTINUATION)
        self._say(
            f"stripe-dbapi shell on {self.conn.client.host}: SQL ends with `;`, "
            "`.help` lists the commands, Ctrl-D leaves."
        )
        while True:
            try:
                text = session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt drops the line being typed
            except EOFError:
                break
            if not self.handle(text):
                break
        self.close()

    def close(self) -> None:
        self._output("")
        self.cursor.close()

    # -- one input ----------------------------------------------------------------------

    def handle(self, text: str) -> bool:
        """Run one input (a dot command, or SQL statements); False when the shell ends."""
        stripped = text.strip()
        if not stripped:
            return True
        if stripped.startswith("."):
            name, _, arg = stripped.partition(" ")
            command = self._commands.get(name.lower())
            if command is None:
                self._error(f"Unknown command `{name}`; `.help` lists them.")
                return True
            try:
                return command(arg.strip())
            except Error as exc:
                self._error(str(exc))
                return True
        self.run_sql(text)
        return True

    def run_sql(self, text: str, where: str | None = None) -> bool:
        """Run the statements of `text` in order; the first error or a Ctrl-C stops them.
        True when all ran."""
        statements = script.split(text)
        numbered = where is not None or len(statements) > 1
        for statement in statements:
            try:
                self._run_statement(statement.sql)
            except KeyboardInterrupt:
                self._cancelled()
                return False
            except Error as exc:
                self._error(str(located(exc, statement.line, where) if numbered else exc))
                return False
        return True

    def _run_statement(self, sql: str) -> None:
        progress = progress_wanted(self.quiet, self.err)
        if self.explain and not sql.lstrip()[:7].upper().startswith("EXPLAIN"):
            run_one(self.cursor, "EXPLAIN " + sql, self.display, progress=False, err=self.err)
        started = time.monotonic()
        count, took = run_one(self.cursor, sql, self.display, progress=progress, err=self.err)
        if self.timing:
            self._say(
                f"Run time: {time.monotonic() - started:.3f} s · {took.requests:,} "
                f"request{'s' if took.requests != 1 else ''} · {took.rows:,} rows fetched "
                f"from Stripe · {count:,} row{'s' if count != 1 else ''} returned"
            )

    def _cancelled(self) -> None:
        """After Ctrl-C: the interrupted cursor goes, a fresh one takes its place."""
        with contextlib.suppress(Error):
            self.cursor.close()
        self.cursor = self.conn.cursor()
        self._say("Query cancelled.")

    # -- dot commands -------------------------------------------------------------------

    def _tables(self, arg: str) -> bool:
        rows = tables_rows(self.conn.catalog, arg or None)
        self.display.rows(text_columns("table", "endpoint", "description"), rows)
        return True

    def _describe(self, arg: str) -> bool:
        if not arg:
            raise InterfaceError("Say which table: `.describe TABLE`.")
        table = find_table(self.conn.catalog, arg)
        columns = text_columns("column", "type", "nullable", "pushdown", "description")
        self.display.rows(columns, describe_rows(table))
        return True

    def _switch(self, name: str, arg: str) -> bool:
        if arg.lower() not in ("on", "off"):
            raise InterfaceError(f"`.{name}` takes on or off, not `{arg}`.")
        setattr(self, name, arg.lower() == "on")
        return True

    def _mode(self, arg: str) -> bool:
        if not arg:
            self._say(f"mode: {self.display.fmt}")
            return True
        if arg.lower() not in FORMATS:
            raise InterfaceError(f"`.mode` takes one of {', '.join(FORMATS)}, not `{arg}`.")
        self.display.fmt = arg.lower()
        return True

    def _maxrows(self, arg: str) -> bool:
        if not arg.isdigit():
            raise InterfaceError(f"`.maxrows` takes a number of rows (0: all), not `{arg}`.")
        self.display.max_rows = int(arg)
        return True

    def _output(self, arg: str) -> bool:
        if self._file is not None:
            self._file.close()
            self._file = None
        if not arg:
            self.display.out = self.terminal_out
            return True
        try:
            self._file = open(arg, "w", encoding="utf-8")  # noqa: SIM115 - kept until .output
        except OSError as exc:
            raise InterfaceError(f"Cannot write `{arg}`: {exc.strerror or exc}.") from None
        self.display.out = self._file
        return True

    def _read(self, arg: str) -> bool:
        if not arg:
            raise InterfaceError("Say which file: `.read FILE`.")
        try:
            text = Path(arg).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise InterfaceError(f"Cannot read `{arg}`: {why}.") from None
        self.run_sql(text, where=arg)
        return True

    def _connections(self, arg: str) -> bool:
        from stripe_dbapi import profiles

        rows = [
            (c.name, c.auth_scheme, c.account_id or "", c.target)
            for c in profiles.list_connections()
        ]
        self.display.rows(text_columns("name", "scheme", "account", "target"), rows)
        return True

    def _help(self, arg: str) -> bool:
        self._say(HELP)
        return True

    # -- messages -----------------------------------------------------------------------

    def _say(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def _error(self, text: str) -> None:
        print(f"error: {Redactor().redact(text)}", file=self.err, flush=True)
