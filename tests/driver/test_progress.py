"""`Cursor.progress`: what a query has fetched so far, readable while it runs."""

from __future__ import annotations

import threading
import time

import stripe_dbapi
from stripe_dbapi.progress import Progress
from stripe_dbapi.sandbox import start_sandbox


def test_progress_counts_the_pages_and_rows_of_the_last_query(conn, sandbox):
    cur = conn.cursor()
    assert cur.progress == Progress()
    before = conn.request_count
    rows = cur.execute("SELECT id FROM customers").fetchall()
    done = cur.progress
    customers = len(sandbox.dataset["customers"])
    assert len(rows) == customers
    assert done.rows == customers
    assert done.requests == conn.request_count - before
    assert done.pages == done.requests  # every request answered once, no retries
    assert done.in_flight == 0 and done.elapsed > 0
    # The next query starts from zero.
    cur.execute("SELECT 1").fetchall()
    assert (cur.progress.pages, cur.progress.rows) == (0, 0)


def test_progress_shows_requests_in_flight_and_rate_limiter_waits():
    with start_sandbox(seed=0, scale=0.1, latency_ms="150:150") as srv:
        dsn = srv.dsn + ";RateLimit=4;MaxConcurrency=2;Concurrency=fixed"
        with stripe_dbapi.connect(dsn) as conn:
            cur = conn.cursor()
            seen: list[Progress] = []
            stop = threading.Event()

            def watch() -> None:
                while not stop.is_set():
                    seen.append(cur.progress)
                    time.sleep(0.02)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            try:
                cur.execute("SELECT count(*) FROM charges").fetchall()
            finally:
                stop.set()
                watcher.join()
            assert max(p.in_flight for p in seen) >= 1
            assert cur.progress.rate_limited > 0
            assert cur.progress.pages >= 5
