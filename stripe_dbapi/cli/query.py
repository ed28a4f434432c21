"""`query`, `explain`, `tables`, `describe`: SQL and the catalog from a terminal.

`query` runs one statement given as an argument, or a script (`-f FILE`, or standard
input) of several, in order, each result written as its rows arrive (cli/output.py).
`explain` plans without connecting; `tables` and `describe` read the catalog only.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from collections.abc import Sequence
from pathlib import Path

from stripe_dbapi.catalog import SCHEMA, Catalog, Table, load_catalog
from stripe_dbapi.cli import script
from stripe_dbapi.cli.common import add_connection_options, connection_config, open_connection
from stripe_dbapi.cli.output import FORMATS, Display, text_columns
from stripe_dbapi.cli.runner import progress_wanted, run_script
from stripe_dbapi.exceptions import InterfaceError, ProgrammingError, did_you_mean
from stripe_dbapi.lockdown import scalar_functions
from stripe_dbapi.query.explain import EXPLAIN_COLUMNS, explain_rows
from stripe_dbapi.query.planner import plan_query

_SQL_HELP = 'the query, e.g. "SELECT id, email FROM customers LIMIT 5"; - or none: read stdin'


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        metavar="FORMAT",
        help="how rows are written (default: table; see docs/cli.md): "
        + ", ".join(FORMATS),
    )


def add_display_options(parser: argparse.ArgumentParser) -> None:
    """The options of commands that print a result: its format and, at a terminal, size."""
    add_format_option(parser)
    parser.add_argument(
        "--max-rows",
        type=_row_count,
        metavar="N",
        help="at a terminal, show at most N rows of a table (default: what fits the "
        "screen, at most 40; 0: all). Output into a pipe or a file is never cut",
    )


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    """`--quiet`: no progress line, for the commands that run queries."""
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress line on standard error"
    )


def register(commands: argparse._SubParsersAction) -> None:
    q = commands.add_parser(
        "query",
        help="run SQL and print the rows",
        description="Run one statement, or a script of several (-f FILE or standard input) "
        "in order, stopping at the first error with its line number.",
    )
    add_connection_options(q)
    add_display_options(q)
    q.add_argument("-f", "--file", metavar="FILE", help="run the statements of FILE")
    add_quiet_option(q)
    q.add_argument("sql", nargs="?", default="-", help=_SQL_HELP)
    q.set_defaults(func=run_query)

    e = commands.add_parser(
        "explain", help="show the Stripe calls a query would make (without calling Stripe)"
    )
    add_connection_options(e)
    add_display_options(e)
    e.add_argument("sql", nargs="?", default="-", help=_SQL_HELP)
    e.set_defaults(func=run_explain)

    t = commands.add_parser("tables", help="list the Stripe tables")
    add_display_options(t)
    t.add_argument(
        "pattern", nargs="?", help="only tables whose name contains this (or matches a glob)"
    )
    t.set_defaults(func=run_tables)

    d = commands.add_parser("describe", help="the columns of one table")
    add_display_options(d)
    d.add_argument("table", help="a table name, plain or as stripe.NAME")
    d.set_defaults(func=run_describe)


def display_for(args: argparse.Namespace) -> Display:
    return Display(sys.stdout, fmt=args.format, max_rows=args.max_rows)


def read_sql(args: argparse.Namespace) -> str:
    """The SQL argument, or standard input when it is `-` (or missing) and not a terminal."""
    if args.sql != "-":
        return str(args.sql)
    if sys.stdin is None or sys.stdin.isatty():
        raise InterfaceError(
            "Give the query as an argument, or pipe it on standard input "
            "(`stripe-dbapi shell` is the interactive one)."
        )
    return sys.stdin.read()


def run_query(args: argparse.Namespace) -> int:
    where = None
    if args.file is not None:
        if args.sql != "-":
            raise InterfaceError("Give the SQL as an argument or with -f FILE, not both.")
        where = args.file
        sql = _read_file(args.file)
    else:
        sql = read_sql(args)
    statements = script.split(sql)
    if not statements:
        raise ProgrammingError("There is no statement to run.")
    with open_connection(args) as conn:
        run_script(
            conn,
            statements,
            display_for(args),
            progress=progress_wanted(args.quiet),
            where=where,
        )
    return 0


def _read_file(name: str) -> str:
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InterfaceError(f"Cannot read the script `{name}`: {why}.") from None


def run_explain(args: argparse.Namespace) -> int:
    """Plan the query and print the plan. Planning is pure: nothing connects to Stripe;
    the connection options only matter for properties that change plans (UseSearch)."""
    sql = read_sql(args)
    config = connection_config(args)
    plan = plan_query(
        sql,
        load_catalog(),
        use_search=config.use_search,
        pushdown=config.pushdown,
        scalars=scalar_functions(),
    )
    display_for(args).rows(text_columns(*EXPLAIN_COLUMNS), explain_rows(plan))
    return 0


def run_tables(args: argparse.Namespace) -> int:
    rows = tables_rows(load_catalog(), args.pattern)
    display_for(args).rows(text_columns("table", "endpoint", "description"), rows)
    return 0


def tables_rows(catalog: Catalog, pattern: str | None = None) -> list[tuple[str, str, str]]:
    """(name, list path, description) of each table whose name contains `pattern`, or
    matches it as a glob (`invoice*`)."""

    def wanted(name: str) -> bool:
        if not pattern:
            return True
        if any(ch in pattern for ch in "*?["):
            return fnmatch.fnmatchcase(name, pattern.lower())
        return pattern.lower() in name

    return [(t.name, t.list_path, t.description) for t in catalog if wanted(t.name)]


def run_describe(args: argparse.Namespace) -> int:
    table = find_table(load_catalog(), args.table)
    columns = text_columns("column", "type", "nullable", "pushdown", "description")
    display_for(args).rows(columns, describe_rows(table))
    return 0


def find_table(catalog: Catalog, name: str) -> Table:
    """The table `name` names, as SQL would read it: `charges`, `stripe.charges`, any case,
    quoted or not; a ProgrammingError that suggests the closest name otherwise."""
    parts = [p.strip().strip('"') for p in name.split(".")]
    if len(parts) == 2 and parts[0].lower() == SCHEMA:
        parts = parts[1:]
    table = catalog.get(parts[-1].lower()) if len(parts) == 1 else None
    if table is None:
        hint = did_you_mean(parts[-1].lower(), list(catalog.tables))
        raise ProgrammingError(f"Unknown table `{name}`{hint}")
    return table


def describe_rows(table: Table) -> list[Sequence[str]]:
    """One row per column: name, type, nullable, how a predicate on it reaches Stripe."""
    rows: list[Sequence[str]] = []
    for c in table.columns:
        how = table.pushdown(c.name)
        if c.filter_only:
            how += " (filter-only)"
        rows.append((c.name, c.type, "yes" if c.nullable else "no", how, c.description))
    return rows


def _row_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"a number of rows (0 or more), not {text!r}")
    return value
