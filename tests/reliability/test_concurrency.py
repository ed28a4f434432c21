"""threadsafety, tested: threads with their own connections, and (level 2) threads sharing
one connection, each with its own cursor, all getting exactly the single-threaded results.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer, start_sandbox

ROUNDS = 2

QUERIES = [
    "SELECT id, email, created FROM customers",
    "SELECT count(*), sum(amount) FROM charges WHERE amount > 2000",
    "SELECT c.id, count(ch.id) FROM customers c JOIN charges ch ON ch.customer = c.id GROUP BY 1",
    "SELECT id FROM charges ORDER BY created DESC LIMIT 30",
    "SELECT * FROM invoices_lines",
    "SELECT currency, count(*) FROM charges GROUP BY currency",
    "SELECT id FROM customers WHERE id IN (SELECT customer FROM charges WHERE amount > 9000)",
    "EXPLAIN SELECT id FROM charges WHERE customer = 'cus_1'",
]


@pytest.fixture(scope="module")
def srv() -> Iterator[SandboxServer]:
    server = start_sandbox(seed=5, scale=0.05)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def expected(srv: SandboxServer) -> dict[str, list[str]]:
    with stripe_dbapi.connect(srv.dsn) as conn:
        return {sql: rows(conn.cursor(), sql) for sql in QUERIES}


def rows(cur: stripe_dbapi.Cursor, sql: str) -> list[str]:
    cur.execute(sql)
    return sorted(map(repr, cur.fetchall()))


def test_threadsafety_is_declared_at_level_2():
    assert stripe_dbapi.threadsafety == 2


def test_threads_with_their_own_connections_get_exact_results(srv, expected):
    def work(offset: int) -> list[bool]:
        with stripe_dbapi.connect(srv.dsn) as conn:
            cur = conn.cursor()
            return [rows(cur, sql) == expected[sql] for sql in QUERIES[offset:] + QUERIES[:offset]]

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(work, range(4)))
    assert all(all(o) for o in outcomes)


def test_eight_threads_sharing_one_connection_each_with_its_own_cursor(srv, expected):
    barrier = threading.Barrier(8)
    with stripe_dbapi.connect(srv.dsn) as conn:

        def work(offset: int) -> list[tuple[str, bool]]:
            cur = conn.cursor()
            barrier.wait()  # start together: the most overlap
            results = []
            for round_ in range(ROUNDS):
                for i in range(len(QUERIES)):
                    sql = QUERIES[(offset + round_ + i) % len(QUERIES)]
                    results.append((sql, rows(cur, sql) == expected[sql]))
            cur.close()
            return results

        with ThreadPoolExecutor(8) as pool:
            outcomes = [r for chunk in pool.map(work, range(8)) for r in chunk]
        assert len(outcomes) == 8 * ROUNDS * len(QUERIES)
        assert [sql for sql, ok in outcomes if not ok] == []
        count = conn.request_count
    assert count > 8 * ROUNDS * 6  # every query really went to the sandbox


def test_cursors_of_one_connection_interleave_their_fetches(srv, expected):
    with stripe_dbapi.connect(srv.dsn) as conn:
        a, b = conn.cursor(), conn.cursor()
        a.execute(QUERIES[0])
        b.execute(QUERIES[4])
        got_a, got_b = [], []
        while True:
            chunk_a, chunk_b = a.fetchmany(7), b.fetchmany(11)
            got_a += chunk_a
            got_b += chunk_b
            if not chunk_a and not chunk_b:
                break
        assert sorted(map(repr, got_a)) == expected[QUERIES[0]]
        assert sorted(map(repr, got_b)) == expected[QUERIES[4]]
