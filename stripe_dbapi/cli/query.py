"""`query`, `explain`, `tables`, `describe`: SQL and the catalog from a terminal."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.cli.common import add_connection_options, connection_config, open_connection
from stripe_dbapi.exceptions import InterfaceError, ProgrammingError, did_you_mean
from stripe_dbapi.lockdown import scalar_functions
from stripe_dbapi.query.explain import EXPLAIN_COLUMNS, explain_rows
from stripe_dbapi.query.planner import plan_query

MAX_CELL = 60
_SQL_HELP = 'the query, e.g. "SELECT id, email FROM customers LIMIT 5"; - or none: read stdin'


def register(commands: argparse._SubParsersAction) -> None:
    q = commands.add_parser("query", help="run a SQL query and print the rows")
    add_connection_options(q)
    q.add_argument("--format", choices=("table", "csv", "json"), default="table")
    q.add_argument("sql", nargs="?", default="-", help=_SQL_HELP)
    q.set_defaults(func=run_query)

    e = commands.add_parser(
        "explain", help="show the Stripe calls a query would make (without calling Stripe)"
    )
    add_connection_options(e)
    e.add_argument("--format", choices=("table", "csv", "json"), default="table")
    e.add_argument("sql", nargs="?", default="-", help=_SQL_HELP)
    e.set_defaults(func=run_explain)

    t = commands.add_parser("tables", help="list every Stripe table")
    t.set_defaults(func=run_tables)

    d = commands.add_parser("describe", help="the columns of one table")
    d.add_argument("table")
    d.set_defaults(func=run_describe)


def read_sql(args: argparse.Namespace) -> str:
    """The SQL argument, or standard input when it is `-` (or missing) and not a terminal."""
    if args.sql != "-":
        return str(args.sql)
    if sys.stdin is None or sys.stdin.isatty():
        raise InterfaceError("Give the query as an argument, or pipe it on standard input.")
    return sys.stdin.read()


def run_query(args: argparse.Namespace) -> int:
    sql = read_sql(args)
    with open_connection(args) as conn:
        cur = conn.cursor()
        cur.execute(sql)
        names = [d[0] for d in cur.description or ()]
        write(sys.stdout, args.format, names, cur.fetchall())
    return 0


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
    write(sys.stdout, args.format, list(EXPLAIN_COLUMNS), explain_rows(plan))
    return 0


def run_tables(args: argparse.Namespace) -> int:
    rows = [(t.name, t.list_path, t.description) for t in load_catalog()]
    write(sys.stdout, "table", ["table", "endpoint", "description"], rows)
    return 0


def run_describe(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    table = catalog.get(args.table)
    if table is None:
        hint = did_you_mean(args.table, list(catalog.tables))
        raise ProgrammingError(f"Unknown table `{args.table}`{hint}")
    rows = []
    for c in table.columns:
        f = table.filter_for(c.name)
        how = ("range" if f.kind == "range" else "= / IN") if f else ""
        if c.filter_only:
            how += " (filter-only)"
        rows.append((c.name, c.type, "yes" if c.nullable else "no", how, c.description))
    write(sys.stdout, "table", ["column", "type", "nullable", "pushdown", "description"], rows)
    return 0


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def write(out: TextIO, fmt: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as an aligned table, CSV, or a JSON array of objects."""
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(names)
        writer.writerows([[_text(v) for v in row] for row in rows])
    elif fmt == "json":
        data = [{n: _json_value(v) for n, v in zip(names, row)} for row in rows]
        json.dump(data, out, indent=2, default=str)
        out.write("\n")
    else:
        cells = [[_clip(_text(v)) for v in row] for row in rows]
        widths = [len(n) for n in names]
        for row in cells:
            widths = [max(w, len(c)) for w, c in zip(widths, row)]
        line = "  ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip()
        out.write(line + "\n" + "  ".join("-" * w for w in widths) + "\n")
        for row in cells:
            out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def _clip(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
