"""A one-request query does the least work it can (issue #15, "Small queries").

A page-by-page query runs the engine once per run of pages, the first run inside
execute(): its result is the description, so a one-page answer is one engine query, not
a query over no rows for the description and another over the page. Only a scan that
yields no page at all runs the query over no rows. A Direct plan (query/direct.py) runs
no engine query over pages at all: its shape is bound once per connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import stripe_dbapi
from stripe_dbapi.engine import Result
from stripe_dbapi.sandbox import SandboxServer


@pytest.fixture()
def conn(sandbox: SandboxServer) -> Iterator[stripe_dbapi.Connection]:
    """The session's sandbox with the default Concurrency (tests/conftest.py's `conn`
    reads in parallel)."""
    with stripe_dbapi.connect(sandbox.dsn) as connection:
        yield connection


@pytest.fixture()
def engine_queries(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(rows, pages) of each run of pages the engine queried, in order."""
    runs: list[tuple[int, int]] = []
    original = Result._query

    def counted(self: Result, sql: str, name: str, pages: Any) -> Any:
        runs.append((pages.num_rows, pages.column(0).num_chunks))
        return original(self, sql, name, pages)

    monkeypatch.setattr(Result, "_query", counted)
    return runs


def _rows(runs: list[tuple[int, int]]) -> list[int]:
    return [rows for rows, _ in runs]


def _a_customer_with_charges(sandbox: SandboxServer) -> tuple[str, int]:
    counts: dict[str, int] = {}
    for charge in sandbox.dataset["charges"]:
        if charge.get("customer"):
            counts[charge["customer"]] = counts.get(charge["customer"], 0) + 1
    customer = max(counts, key=lambda c: (counts[c] <= 100, counts[c]))
    return customer, counts[customer]


def test_a_one_page_answer_runs_the_engine_once(conn, sandbox, engine_queries):
    customer, n = _a_customer_with_charges(sandbox)
    cur = conn.cursor()
    cur.execute("SELECT *, amount * 2 AS twice FROM charges WHERE customer = ?", [customer])
    assert cur.plan.row_wise and cur.plan.direct is None
    assert _rows(engine_queries) == [n]  # in execute(): the description came from the page
    assert [d[0] for d in cur.description][:3] == ["id", "object", "amount"]
    assert dict((d[0], d[1]) for d in cur.description)["created"] == "TIMESTAMP WITH TIME ZONE"
    rows = cur.fetchall()
    assert len(rows) == n and {r[15] for r in rows} == {customer}
    assert _rows(engine_queries) == [n]
    assert conn.request_count == 2  # the connection check and the one page


def test_a_direct_answer_runs_no_engine_query(conn, sandbox, engine_queries, monkeypatch):
    from stripe_dbapi.engine import Engine

    bound: list[bool] = []  # per call: whether the shape was bound (not kept yet)
    real = Engine.shape

    def counted(self: Engine, con: Any, direct: Any, name: str, stream: Any) -> Any:
        bound.append((direct.table, direct.shape_sql, stream) not in self._shapes)
        return real(self, con, direct, name, stream)

    monkeypatch.setattr(Engine, "shape", counted)
    customer, n = _a_customer_with_charges(sandbox)
    cur = conn.cursor()
    for _ in range(3):
        cur.execute("SELECT * FROM charges WHERE customer = ?", [customer])
        assert cur.plan.direct is not None
        assert dict((d[0], d[1]) for d in cur.description)["created"] == (
            "TIMESTAMP WITH TIME ZONE"
        )
        rows = cur.fetchall()
        assert len(rows) == n and {r[15] for r in rows} == {customer}
    assert engine_queries == []
    assert bound == [True, False, False]
    assert conn.request_count == 4  # the connection check and one page per query


def test_no_page_at_all_runs_the_query_over_no_rows_once(conn, engine_queries):
    cur = conn.cursor()
    cur.execute("SELECT id, amount * 2 AS twice FROM charges WHERE customer = 'cus_none'")
    assert _rows(engine_queries) == [0]
    assert [d[:2] for d in cur.description] == [("id", "VARCHAR"), ("twice", "BIGINT")]
    assert cur.fetchall() == []
    assert cur.rowcount == 0
    assert _rows(engine_queries) == [0]


def test_a_first_page_that_filters_everything_out_keeps_its_description(
    conn, sandbox, engine_queries
):
    customer, n = _a_customer_with_charges(sandbox)
    cur = conn.cursor()
    cur.execute("SELECT id FROM charges WHERE customer = ? AND amount < 0", [customer])
    assert _rows(engine_queries) == [n]
    assert [d[:2] for d in cur.description] == [("id", "VARCHAR")]
    assert cur.fetchall() == []


def test_runs_of_pages_double_after_the_first_page(conn, sandbox, engine_queries):
    cur = conn.cursor()
    cur.execute("SELECT id, amount + 1 FROM charges")
    assert len(engine_queries) == 1
    assert len(cur.fetchall()) == len(sandbox.dataset["charges"])
    chunks = [pages for _, pages in engine_queries]
    pages = sum(chunks)
    assert pages >= 10
    sizes, left, size = [], pages, 1
    while left > 0:
        sizes.append(min(size, left))
        left -= size
        size = min(size * 2, 32)
    assert chunks == sizes


def test_an_engine_error_on_the_first_page_is_raised_by_execute(conn, engine_queries):
    cur = conn.cursor()
    with pytest.raises(stripe_dbapi.DataError, match="Could not convert string"):
        cur.execute("SELECT CAST(id AS INTEGER) FROM charges")
    assert len(engine_queries) == 1
    assert cur.execute("SELECT 1").fetchall() == [(1,)]  # the cursor works on


def test_small_queries_reuse_one_engine_thread(conn, sandbox, monkeypatch):
    # Each engine call of the main thread is handed to a worker thread (so Ctrl-C is
    # handled at once); the worker waits for the next call instead of a new one starting.
    from stripe_dbapi import session

    customer, n = _a_customer_with_charges(sandbox)
    started: list[object] = []
    real = session._Worker.__init__

    def counted(self: Any) -> None:
        started.append(self)
        real(self)

    cur = conn.cursor()
    cur.execute("SELECT * FROM charges WHERE customer = ?", [customer]).fetchall()
    monkeypatch.setattr(session._Worker, "__init__", counted)
    for _ in range(5):
        assert (
            len(cur.execute("SELECT * FROM charges WHERE customer = ?", [customer]).fetchall()) == n
        )
    assert started == []
