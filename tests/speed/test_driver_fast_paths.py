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


def _same_error(fast: Any, plain: Any, sql: str, params: Any = None) -> type[Exception]:
    """Both sides raise the same PEP 249 class, at execute(); the class."""
    errors = []
    for conn in (fast, plain):
        with pytest.raises(stripe_dbapi.Error) as raised:
            conn.cursor().execute(sql, params)
        errors.append(raised.value)
    assert type(errors[0]) is type(errors[1]), errors
    return type(errors[0])


@pytest.mark.parametrize(
    "sql",
    [
        # DuckDB folds ASCII only: `"ä"` does not name `"Ä"` (Python's lower() would).
        'SELECT id FROM charges AS "Ä" WHERE "ä".paid = true',
        'SELECT id FROM charges AS "ǅ" WHERE "ǆ".paid = true',
        "SELECT id FROM customers AS \"\u212a\" WHERE k.delinquent = true",  # Kelvin sign
        "SELECT id FROM charges AS c WHERE d.paid = true",
    ],
)
def test_the_engine_resolves_a_direct_filter_s_names(connections: Any, sql: str) -> None:
    fast, plain = connections
    assert _same_error(fast, plain, sql) is stripe_dbapi.ProgrammingError


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM charges WHERE description = ?",
        "SELECT id FROM charges WHERE customer = 'cus_none' AND description = ?",
        "SELECT id FROM customers WHERE id = 'cus_none' AND name IN ('a', ?)",
    ],
)
def test_text_that_is_not_utf8_is_the_engine_s_data_error(connections: Any, sql: str) -> None:
    # A lone surrogate: the engine refuses it at execute(), rows or no rows; the driver's
    # own filter raised UnicodeEncodeError at fetch, or answered [] when no page came.
    fast, plain = connections
    assert _same_error(fast, plain, sql, ["\ud800"]) is stripe_dbapi.DataError


def test_a_direct_filter_binds_once_for_every_value(connections: Any) -> None:
    fast, _ = connections
    cur = fast.cursor()
    shapes = {
        cur.execute("SELECT id FROM charges WHERE customer = ? AND paid = ?", [c, p]).plan.direct
        and cur.plan.direct.shape_sql
        for c, p in (("cus_1", True), ("cus_2", False), ("it's", True))
    }
    assert len(shapes) == 1 and None not in shapes
    assert "cus_" not in next(iter(shapes))


def test_a_direct_answer_leaves_an_earlier_result_s_views_to_be_cleaned(connections: Any) -> None:
    # A result that could not unregister its scans marks the session; a Direct answer,
    # which registers nothing of its own, must not clear the mark.
    fast, _ = connections
    cur = fast.cursor()
    cur._session.views_left = True
    cur.execute("SELECT id FROM charges WHERE paid = true").fetchall()
    assert cur.plan.direct is not None
    assert cur._session.views_left


def test_text_that_is_not_utf8_is_never_sent_to_stripe(connections: Any) -> None:
    # Pushed as `customer=`, it failed as the request's OperationalError ("failed
    # (UnicodeEncodeError)"), as if Stripe were unreachable.
    fast, plain = connections
    for sql in (
        "SELECT id FROM charges WHERE customer = ?",
        "SELECT id FROM charges WHERE customer = '\ud800' AND paid = ?",
    ):
        params = ["\ud800"] if sql.endswith("?") and "paid" not in sql else [True]
        assert _same_error(fast, plain, sql, params) is stripe_dbapi.DataError
