"""The fast paths of issue #15 answer exactly what the plain paths answer, on every table.

`SELECT * FROM t` over one scan is answered from each page without the engine (a Direct
plan, query/direct.py) or, for a table with decimals, runs page by page in runs of pages
(engine.Result's page-by-page path); the reference mode (Pushdown=false) reads the same
table through one streaming query. Both must give the same rows, description and Arrow
schema, every column of every type, for each catalog table the sandbox serves — also
under the equality, IN and NULL filters a Direct plan re-applies itself. And every JSON column holds exactly the nested value
Stripe sent: its text decodes to the object's field as Python's own json module reads it
from the raw answer.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import requests

import stripe_dbapi
from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.query.calls import can_fan_out
from stripe_dbapi.sandbox import SandboxServer, start_sandbox

CATALOG = load_catalog()
# Tables a plain SELECT * can read: no required list parameter left for the user to give,
# and a parent the driver can fan out over when the table is a child list.
TABLES = sorted(
    name
    for name, t in CATALOG.tables.items()
    if not t.missing_required(()) and (t.parent is None or can_fan_out(t, CATALOG))
)


@pytest.fixture(scope="module")
def small() -> Any:
    srv = start_sandbox(seed=3, scale=0.1)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def connections(small: SandboxServer) -> Any:
    with (
        stripe_dbapi.connect(small.dsn) as fast,
        stripe_dbapi.connect(small.dsn + ";Pushdown=false") as plain,
    ):
        yield fast, plain


def _hashable(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(repr(v) for v in row)


def _reads_decimals(plan: Any) -> bool:
    """True when the scan holds a decimal column, which only the engine casts."""
    table = CATALOG.tables[plan.scans[0].table]
    return any(table.column(name).type.startswith("DECIMAL") for name in plan.scans[0].columns)


def _same_answers(fast: Any, plain: Any, sql: str, params: Any = None) -> int:
    """Rows (as fetchall and as Arrow), description and schema of both; the row count."""
    got = fast.cursor().execute(sql, params)
    want = plain.cursor().execute(sql, params)
    assert got.description == want.description
    got_rows, want_rows = got.fetchall(), want.fetchall()
    assert Counter(map(_hashable, got_rows)) == Counter(map(_hashable, want_rows))
    got_table = fast.cursor().execute(sql, params).fetch_arrow_table()
    want_table = plain.cursor().execute(sql, params).fetch_arrow_table()
    assert got_table.schema.equals(want_table.schema, check_metadata=True)
    assert Counter(map(_hashable, zip(*got_table.to_pydict().values()))) == Counter(
        map(_hashable, zip(*want_table.to_pydict().values()))
    )
    return len(want_rows)


@pytest.mark.parametrize("table", TABLES)
def test_page_runs_answer_like_one_streaming_query(connections: Any, table: str) -> None:
    fast, plain = connections
    sql = f"SELECT * FROM {table}"
    plan = fast.cursor().execute(sql).plan
    assert plan.row_wise, "the fast connection runs a plain SELECT * page by page"
    assert (plan.direct is None) == _reads_decimals(plan), "no engine unless a column is cast"
    _same_answers(fast, plain, sql)


# Tables whose rows give each kind of filter a Direct plan re-applies something to match.
FILTERED = ["charges", "customers", "invoices", "subscriptions", "prices", "payment_intents"]


@pytest.mark.parametrize("table", FILTERED)
def test_direct_filters_answer_like_the_engine(connections: Any, table: str) -> None:
    """`=`, `IN` and `IS [NOT] NULL` on text, integer and boolean columns, with values the
    rows hold (pushed to Stripe or not), give the reference's rows, and so does a value no
    row holds."""
    fast, plain = connections
    columns = [c for c in CATALOG.tables[table].columns if not c.filter_only]
    first = plain.cursor().execute(f"SELECT * FROM {table} LIMIT 50").fetchall()
    names = [c.name for c in CATALOG.tables[table].columns]
    matched = 0
    for kind in ("VARCHAR", "BIGINT", "BOOLEAN"):
        for column in [c for c in columns if c.type == kind][:6]:
            values = sorted({r[names.index(column.name)] for r in first} - {None}, key=repr)
            if not values:
                continue
            quoted = f'"{column.name}"'
            cases = [
                (f"SELECT * FROM {table} WHERE {quoted} = ?", [values[0]]),
                (f"SELECT id, {quoted} FROM {table} WHERE {quoted} IN (?, ?)", [*values, *values][-2:]),
                (f"SELECT {quoted} AS v, id FROM {table} WHERE {quoted} IS NULL", None),
                (f"SELECT * FROM {table} t WHERE t.{quoted} IS NOT NULL AND id <> ''", None),
            ]
            if kind == "VARCHAR":
                cases.append((f"SELECT id FROM {table} WHERE {quoted} = 'no such value'", None))
            for sql, params in cases:
                params = params[:2] if params else params
                if "<>" not in sql:
                    plan = fast.cursor().execute(sql, params).plan
                    assert (plan.direct is None) == _reads_decimals(plan), sql
                matched += _same_answers(fast, plain, sql, params)
    assert matched > 50, f"{table}: too few rows compared ({matched})"


def test_json_columns_hold_exactly_what_stripe_sent(small: SandboxServer, connections: Any) -> None:
    """Checked on tables with many nested fields, against the raw answer decoded by `json`."""
    fast, _ = connections
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {small.api_key}"
    for table, path in [("charges", "/v1/charges"), ("invoices", "/v1/invoices")]:
        nested = [c.name for c in CATALOG.tables[table].columns if c.type == "JSON"]
        raw = session.get(small.url + path, params={"limit": 100}).json()["data"]
        by_id = {obj["id"]: obj for obj in raw}
        cur = fast.cursor()
        cur.execute(f"SELECT id, {', '.join(nested)} FROM {table} LIMIT 100")
        checked = 0
        for row in cur.fetchall():
            obj = by_id.get(row[0])
            if obj is None:
                continue
            for name, text in zip(nested, row[1:]):
                if name in obj:  # includable fields are not in a plain page
                    assert (None if text is None else json.loads(text)) == obj[name], name
                    checked += 1
        assert checked > 100, f"{table}: too few values compared ({checked})"
