"""The fast paths of issue #15 answer exactly what the plain paths answer, on every table.

`SELECT * FROM t` over one scan runs page by page, in runs of pages (engine.Result's
page-by-page path); the reference mode (Pushdown=false) reads the same table through
one streaming query. Both must give the same rows, every column of every type, for each
catalog table the sandbox serves. And every JSON column holds exactly the nested value
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


@pytest.mark.parametrize("table", TABLES)
def test_page_runs_answer_like_one_streaming_query(connections: Any, table: str) -> None:
    fast, plain = connections
    sql = f"SELECT * FROM {table}"
    cur = fast.cursor()
    cur.execute(sql)
    assert cur.plan.row_wise, "the fast connection runs a plain SELECT * page by page"
    got = cur.fetchall()
    want = plain.cursor().execute(sql).fetchall()
    assert Counter(map(_hashable, got)) == Counter(map(_hashable, want))


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
