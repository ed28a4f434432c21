"""No silent partial results: the sandbox's fault injection against exact, fault-free answers.

A clean sandbox and a faulty one (25% of requests a 500, 503 or dropped connection, and
10% rate limited with 429) serve the same seeded data set; every query must return exactly
the clean result through the faulty one. With every request failing, the driver raises a
clean OperationalError within its deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from reliability_helpers import fast_connect

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer, start_sandbox

SCALE = 0.2  # 200 customers, 1,000 charges: enough pages to meet many faults, fast


@pytest.fixture(scope="module")
def clean() -> Iterator[SandboxServer]:
    srv = start_sandbox(seed=3, scale=SCALE)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def faulty() -> Iterator[SandboxServer]:
    srv = start_sandbox(seed=3, scale=SCALE, faults=25, rate_limit="10%")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def clean_conn(clean: SandboxServer) -> Iterator[stripe_dbapi.Connection]:
    with stripe_dbapi.connect(clean.dsn) as conn:
        yield conn


@pytest.fixture(scope="module")
def faulty_conn(faulty: SandboxServer) -> Iterator[stripe_dbapi.Connection]:
    # 35% of attempts fail: 12 retries make a final failure about a one-in-a-million event.
    with fast_connect(faulty.dsn, max_retries=12) as conn:
        yield conn


def rows(conn: stripe_dbapi.Connection, sql: str, params=None) -> list[str]:
    cur = conn.cursor()
    cur.execute(sql, params)
    return sorted(map(repr, cur.fetchall()))


QUERIES = {
    "full scan": "SELECT * FROM customers",
    "filtered scan": "SELECT id, amount FROM charges WHERE amount > 5000 AND created >= '2025-06-01'",
    "join": "SELECT c.id, count(ch.id) FROM customers c JOIN charges ch ON ch.customer = c.id "
    "GROUP BY c.id",
    "aggregate": "SELECT currency, sum(amount), count(*), min(created) FROM charges GROUP BY 1",
    "fan-out child table": "SELECT * FROM invoices_lines",
    "order by limit": "SELECT id, created FROM charges ORDER BY created DESC LIMIT 250",
}


@pytest.mark.parametrize("sql", list(QUERIES.values()), ids=list(QUERIES))
def test_queries_through_faults_return_exactly_the_fault_free_result(clean_conn, faulty_conn, sql):
    expected = rows(clean_conn, sql)
    assert expected
    assert rows(faulty_conn, sql) == expected


def test_id_in_list_and_pushed_in_list_through_faults(clean, clean_conn, faulty_conn):
    customers = clean.dataset["customers"]
    ids = [c["id"] for c in customers[:25]] + ["cus_doesnotexist"]
    sql = f"SELECT id, email FROM customers WHERE id IN ({', '.join('?' * len(ids))})"
    assert rows(faulty_conn, sql, ids) == rows(clean_conn, sql, ids)
    assert len(rows(clean_conn, sql, ids)) == 25
    owners = sorted({c["customer"] for c in clean.dataset["charges"] if c.get("customer")})[:12]
    sql = f"SELECT id, amount FROM charges WHERE customer IN ({', '.join('?' * len(owners))})"
    assert rows(faulty_conn, sql, owners) == rows(clean_conn, sql, owners)


def test_the_faulty_sandbox_really_injected_every_kind_of_fault(faulty):
    statuses = [r.status for r in faulty.requests]
    assert {0, 429, 500, 503} <= set(statuses)  # 0: a dropped connection
    assert statuses.count(200) < len(statuses) * 0.8


def test_faults_at_the_default_client_settings_still_give_exact_results(clean_conn):
    """The shipped StripeClient, real backoff and MaxRetries=3, through 10% faults."""
    srv = start_sandbox(seed=3, scale=SCALE, faults=10)
    try:
        with stripe_dbapi.connect(srv.dsn) as conn:
            sql = "SELECT id, email, created FROM customers"
            assert rows(conn, sql) == rows(clean_conn, sql)
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def broken() -> Iterator[SandboxServer]:
    srv = start_sandbox(seed=3, scale=SCALE, faults=100)
    yield srv
    srv.stop()


def test_connect_to_a_server_failing_every_request_is_connection_unavailable(broken):
    t0 = time.monotonic()
    with pytest.raises(stripe_dbapi.OperationalError) as caught:
        stripe_dbapi.connect(broken.dsn + ";MaxRetries=1;Timeout=2")
    assert time.monotonic() - t0 < 2.0
    assert str(caught.value).startswith("Connection unavailable: ")
    assert "gave up after 2 attempts" in str(caught.value)


@pytest.mark.parametrize("sql", list(QUERIES.values()), ids=list(QUERIES))
def test_queries_against_a_server_failing_every_request_raise_within_the_deadline(broken, sql):
    with fast_connect(broken.dsn, checked=False, max_retries=1000, deadline=0.3) as conn:
        cur = conn.cursor()
        t0 = time.monotonic()
        with pytest.raises(stripe_dbapi.OperationalError) as caught:
            cur.execute(sql)
            cur.fetchall()
        assert time.monotonic() - t0 < 2.0
        assert "gave up after" in str(caught.value)
        assert caught.value.__class__ is stripe_dbapi.OperationalError
