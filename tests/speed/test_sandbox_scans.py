"""Against the sandbox: parallel scans and embedded fan-outs return the sequential rows.

The sandbox's data has many objects sharing one `created` second (144 charges in the
newest second at scale 1, and hundreds of smaller clusters).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pyarrow as pa
import pytest

import stripe_dbapi
from stripe_dbapi.query.planner import plan_query
from stripe_dbapi.scan.arrow import raw_schema
from stripe_dbapi.scan.calls import scan_batches


def _all(dsn: str, sql: str) -> tuple[list[tuple], int]:
    with stripe_dbapi.connect(dsn) as conn:
        before = conn.request_count
        cur = conn.cursor()
        cur.execute(sql)
        rows = cur.fetchall()
        return rows, conn.request_count - before


def test_the_sandbox_data_has_created_clusters(sandbox):
    counts = Counter(c["created"] for c in sandbox.dataset["charges"])
    assert max(counts.values()) > 100 and sum(1 for v in counts.values() if v > 1) > 100


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM charges",
        "SELECT id, created, amount FROM charges WHERE created >= '2026-03-01'",
        "SELECT id, status, created FROM invoices",
        "SELECT id, email, created FROM customers",
    ],
)
def test_parallel_and_sequential_scans_return_identical_rows(sandbox, sql):
    sequential, seq_requests = _all(sandbox.dsn + ";MaxConcurrency=1", sql)
    sandbox.reset_log()
    parallel, par_requests = _all(sandbox.dsn + ";MaxConcurrency=8;Concurrency=fixed", sql)
    ids = [r[0] for r in parallel]
    assert len(ids) == len(set(ids))
    assert sorted(parallel, key=repr) == sorted(sequential, key=repr)
    assert any("lt" in (r.params.get("created") or {}) for r in sandbox.requests)  # sliced
    assert par_requests <= seq_requests * 1.6 + 8


def test_a_local_server_is_read_one_request_at_a_time_by_default(sandbox):
    """Concurrency=auto: an answer here takes less than the CPU to process it, so more
    requests in flight would only contend for the interpreter lock (docs/performance.md)."""
    sequential, seq_requests = _all(sandbox.dsn + ";MaxConcurrency=1", "SELECT * FROM charges")
    with stripe_dbapi.connect(sandbox.dsn) as conn:
        assert conn.client.latency is not None  # connect() answered
        assert conn.client.workers(conn.config.max_concurrency) == 1
        sandbox.reset_log()
        cur = conn.cursor()
        cur.execute("SELECT * FROM charges")
        rows = cur.fetchall()
        assert conn.client.cpu_per_answer is not None  # measured by the scan
        assert conn.client.workers(conn.config.max_concurrency) == 1
    assert sorted(rows, key=repr) == sorted(sequential, key=repr)
    assert len(sandbox.requests) == seq_requests  # the sequential pages, no slice
    assert not any("lt" in (r.params.get("created") or {}) for r in sandbox.requests)


@pytest.mark.parametrize(
    ("table", "parent", "field"),
    [("invoices_lines", "invoices", "lines"), ("subscription_items", "subscriptions", "items")],
)
def test_embedded_child_rows_equal_the_child_endpoint_rows(sandbox, conn, table, parent, field):
    plan = plan_query(f"SELECT * FROM {table}", conn.catalog)
    scan = plan.scans[0]
    assert scan.fanout is not None and scan.fanout.embedded == field
    per_parent = dataclasses.replace(scan, fanout=dataclasses.replace(scan.fanout, embedded=None))
    meta = conn.catalog.tables[table]

    def rows(s):
        before = conn.request_count
        batches = list(scan_batches(conn.client, s, meta, concurrency=8))
        tbl = pa.Table.from_batches(batches, schema=raw_schema(meta, s.columns))
        return sorted(tbl.to_pylist(), key=lambda r: r["id"]), conn.request_count - before

    embedded, cheap = rows(scan)
    called, costly = rows(per_parent)
    assert embedded == called
    assert len(embedded) == len(sandbox.dataset[table])
    truncated = sum(1 for p in sandbox.dataset[parent] if p[field]["has_more"])
    assert cheap < costly and cheap <= costly - len(sandbox.dataset[parent]) + truncated + 20


def test_explain_shows_slices_and_embedded_lists(conn):
    cur = conn.cursor()
    cur.execute("EXPLAIN SELECT * FROM charges")
    assert "parallel: after the first page, split into created slices" in cur.fetchall()[0][4]
    cur.execute("EXPLAIN SELECT * FROM invoices_lines")
    details = " ".join(r[4] for r in cur.fetchall())
    assert "embedded `lines` list" in details


def test_join_pushdown_retrieves_the_referenced_ids_and_returns_the_same_rows(sandbox, conn):
    charges = sandbox.dataset["charges"]
    emails = {c["id"]: c["email"] for c in sandbox.dataset["customers"]}
    wanted = sorted({c["customer"] for c in charges if c.get("customer")})[:2]
    expected = sorted(
        (c["id"], emails[c["customer"]]) for c in charges if c.get("customer") in wanted
    )
    cur = conn.cursor()
    sandbox.reset_log()
    cur.execute(
        "SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.id = ch.customer "
        "WHERE ch.customer IN (?, ?)",
        wanted,
    )
    assert sorted(cur.fetchall()) == expected
    customer_calls = [r.path for r in sandbox.requests if r.path.startswith("/v1/customers")]
    assert sorted(customer_calls) == sorted(f"/v1/customers/{w}" for w in wanted)
