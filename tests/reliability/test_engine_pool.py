"""The engine's pool of DuckDB connections under the garbage collector."""

from __future__ import annotations

import gc
import threading

import pytest

import stripe_dbapi


def test_a_dropped_cursors_finalizer_may_run_while_the_pool_lock_is_held():
    # A cursor dropped without close() gives its DuckDB connection back from a finalizer.
    # The collector runs finalizers at any allocation, so also inside Engine.session()
    # while it holds the pool's lock (the hypothesis suite over literals hung there).
    conn = stripe_dbapi.connect("Sandbox=true;SandboxScale=0.01")
    dropped = conn.cursor()
    dropped.cycle = dropped  # type: ignore[attr-defined]  # only the collector frees it
    del dropped
    outcome: list[str] = []

    def collect_under_the_lock() -> None:
        with conn.engine._lock:  # as session() holds it when an allocation collects
            gc.collect()
            outcome.append("collected")

    worker = threading.Thread(target=collect_under_the_lock, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "a finalizer deadlocked on the engine's pool lock"
    assert outcome == ["collected"]
    assert conn.cursor().execute("SELECT 1").fetchall() == [(1,)]
    conn.close()


def test_an_engine_call_that_does_not_return_keeps_its_thread():
    # Engine calls from the main thread run on kept worker threads (session._Worker); a
    # call still running (one that ignored an interrupt) is never handed the next one.
    from stripe_dbapi import session

    release = threading.Event()
    started = threading.Event()
    session._hand_over(lambda: (started.set(), release.wait(20)), threading.Event())
    assert started.wait(5)
    ran = threading.Event()
    session._hand_over(ran.set, threading.Event())
    try:
        assert ran.wait(5), "the second call waited for the first one's thread"
    finally:
        release.set()
    with stripe_dbapi.connect("Sandbox=true;SandboxScale=0.01") as conn:
        assert conn.cursor().execute("SELECT 1").fetchall() == [(1,)]


def test_a_forked_child_starts_its_own_engine_threads(tmp_path):
    # The parent's waiting threads do not exist in a forked child (os.register_at_fork).
    import os

    from stripe_dbapi import session

    with stripe_dbapi.connect("Sandbox=true;SandboxScale=0.01") as conn:
        conn.cursor().execute("SELECT 1").fetchall()  # leaves a worker waiting
        assert session._idle
        pid = os.fork()
        if pid == 0:  # the child: exit code 0 when its own engine call runs
            code = 1
            try:
                code = 0 if not session._idle else 2
                done = threading.Event()
                session._hand_over(lambda: None, done)
                code = code or (0 if done.wait(5) else 3)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0


def _temporary_views(con) -> set[str]:
    return {n for (n,) in con.sql("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}


def _views_in_the_pool(conn) -> list[str]:
    """Temporary views of the pooled connections beyond those of a new one (DuckDB's own)."""
    own = _temporary_views(conn.engine._db.cursor())
    return sorted(v for con in list(conn.engine._idle) for v in _temporary_views(con) - own)


def test_every_way_a_result_ends_leaves_no_scan_in_the_pooled_connection():
    """A scan registered in a pooled connection would hold its pages, and the next
    cursor's query could read them. Engine.release only asks DuckDB when a result did
    not unregister its scans itself (issue #15); every ending must leave none."""
    with stripe_dbapi.connect("Sandbox=true;SandboxScale=0.05") as conn:
        cur = conn.cursor()  # read to the end, then closed
        cur.execute("SELECT id FROM customers").fetchall()
        cur.close()
        cur = conn.cursor()  # closed after the first batch of a streamed join
        cur.execute("SELECT c.id FROM customers c JOIN charges ch ON ch.customer = c.id")
        cur.fetchone()
        cur.close()
        cur = conn.cursor()  # executed again before the first result was read
        cur.execute("SELECT id FROM charges")
        cur.execute("SELECT id FROM customers WHERE email = 'x'").fetchall()
        cur.close()
        cur = conn.cursor()  # failed while its scan ran
        with pytest.raises(stripe_dbapi.DataError):
            cur.execute("SELECT CAST(email AS INTEGER) FROM customers").fetchall()
        cur.close()
        dropped = conn.cursor()  # dropped unread, without close(): its finalizer
        dropped.execute("SELECT id FROM charges ORDER BY created")
        dropped.fetchone()
        del dropped
        gc.collect()
        assert conn.engine._idle
        assert _views_in_the_pool(conn) == []
