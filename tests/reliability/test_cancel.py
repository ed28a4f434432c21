"""Time limits and cancellation (docs/errors.md): QueryTimeout bounds a whole query, local
work and Stripe paging alike; close() from any thread stops what runs and releases
everything; Ctrl-C interrupts at once and stays a KeyboardInterrupt.
"""

from __future__ import annotations

import _thread
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from reliability_helpers import ACCOUNT, Reply, fast_connect, stripe_error
from scripts import ROOT, run_script

import stripe_dbapi

ENDLESS = "SELECT count(*) FROM range(1000000000000)"  # minutes of CPU without a limit
SANDBOX = "Sandbox=true;SandboxScale=0.02"


@pytest.fixture(scope="module")
def small_conn():
    """A connection to a small in-process sandbox."""
    with stripe_dbapi.connect("Sandbox=true;SandboxScale=0.02") as conn:
        yield conn


def slow_pages(scripted, *, delay: float, pages: int = 10_000):
    """A server whose customer list has `pages` pages of 10, each taking `delay` seconds."""

    def script(path, params, n):
        if path == "/v1/account":
            return ACCOUNT
        if path != "/v1/customers":
            return stripe_error(404, f"Unrecognized request URL (GET: {path}).")
        time.sleep(delay)
        after = dict(params).get("starting_after", "cus_0")
        start = int(after.split("_")[1]) + 1
        data = [
            {"id": f"cus_{i}", "object": "customer", "created": 1_700_000_000}
            for i in range(start, start + 10)
        ]
        return Reply(200, {"object": "list", "data": data, "has_more": start < pages * 10})

    return scripted(script)


# -- QueryTimeout ------------------------------------------------------------------------


def test_query_timeout_stops_a_cpu_bound_local_query(tmp_path):
    result = run_script(
        f"""
        import time, stripe_dbapi
        conn = stripe_dbapi.connect("{SANDBOX};QueryTimeout=1")
        started = time.monotonic()
        try:
            conn.cursor().execute("{ENDLESS}").fetchall()
        except stripe_dbapi.Error as exc:
            print(type(exc).__name__, exc)
        print("elapsed", round(time.monotonic() - started, 1))
        print("next", conn.cursor().execute("SELECT 42").fetchall())
        conn.close()
        """,
        tmp_path,
        timeout=40,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "OperationalError The query ran longer than QueryTimeout=1 s" in result.stdout
    elapsed = float(result.stdout.split("elapsed ")[1].split()[0])
    assert elapsed < 5
    assert "next [(42,)]" in result.stdout


def test_query_timeout_stops_stripe_paging(scripted):
    server = slow_pages(scripted, delay=0.1)
    with fast_connect(server.dsn(QueryTimeout=1, MaxConcurrency=1)) as conn:
        cur = conn.cursor()
        started = time.monotonic()
        with pytest.raises(stripe_dbapi.OperationalError, match="QueryTimeout=1 s"):
            cur.execute("SELECT count(*) FROM customers").fetchall()
        assert time.monotonic() - started < 4
        # The same cursor runs the next query with a fresh time limit.
        assert cur.execute("SELECT 1").fetchall() == [(1,)]


def test_query_timeout_stops_the_source_of_a_keyed_join(scripted):
    # The narrowed side of a keyed join is read whole before the other side: the time
    # limit holds between its pages too (scan/keyed.py).
    server = slow_pages(scripted, delay=0.1)
    sql = (
        "SELECT c.id, ch.id FROM customers c JOIN charges ch ON ch.customer = c.id "
        "WHERE c.created >= '2000-01-01'"
    )
    with fast_connect(server.dsn(QueryTimeout=1, MaxConcurrency=1)) as conn:
        cur = conn.cursor()
        assert "scan 1.keyed" in [row[0] for row in cur.execute("EXPLAIN " + sql).fetchall()]
        started = time.monotonic()
        with pytest.raises(stripe_dbapi.OperationalError, match="QueryTimeout=1 s"):
            cur.execute(sql).fetchall()
        assert time.monotonic() - started < 4


# Page by page through the engine, and answered by the driver itself (query/direct.py).
PAGE_BY_PAGE = pytest.mark.parametrize(
    "sql, direct", [("SELECT upper(id) FROM customers", False), ("SELECT id FROM customers", True)]
)


@PAGE_BY_PAGE
def test_query_timeout_also_bounds_streaming_fetches(scripted, sql, direct):
    server = slow_pages(scripted, delay=0.05)
    with fast_connect(server.dsn(QueryTimeout=1, MaxConcurrency=1)) as conn:
        cur = conn.cursor().execute(sql)
        assert cur.plan is not None and (cur.plan.direct is not None) == direct
        started = time.monotonic()
        with pytest.raises(stripe_dbapi.OperationalError, match="QueryTimeout"):
            while cur.fetchmany(50):
                pass
        assert time.monotonic() - started < 4
        with pytest.raises(stripe_dbapi.OperationalError, match="QueryTimeout"):
            cur.fetchone()  # no silent end of the result after the error


@PAGE_BY_PAGE
def test_query_timeout_holds_while_execute_awaits_the_first_page(scripted, sql, direct):
    # A page-by-page query runs on its first page inside execute() (engine.Result).
    server = slow_pages(scripted, delay=1.5)
    with fast_connect(server.dsn(QueryTimeout=1, MaxConcurrency=1)) as conn:
        cur = conn.cursor()
        started = time.monotonic()
        with pytest.raises(stripe_dbapi.OperationalError, match="QueryTimeout=1 s"):
            cur.execute(sql)
        assert cur.plan is not None and cur.plan.row_wise
        assert (cur.plan.direct is not None) == direct
        assert time.monotonic() - started < 4
        assert cur.execute("SELECT 1").fetchall() == [(1,)]


def test_query_timeout_is_a_positive_number():
    for bad in ("0", "-1", "soon"):
        with pytest.raises(stripe_dbapi.InterfaceError, match="QueryTimeout"):
            stripe_dbapi.connect(f"LiveAPIKey=sk_test_x;QueryTimeout={bad}")


# -- close() from another thread ---------------------------------------------------------


def run_in_thread(fn):
    """Start `fn` in a thread; the returned dict gets its result or exception."""
    box: dict[str, object] = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever it was
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    box["thread"] = thread
    return box


def test_cursor_close_from_another_thread_stops_the_query(small_conn):
    cur = small_conn.cursor()
    box = run_in_thread(lambda: cur.execute("SELECT count(*) FROM range(30000000000)").fetchall())
    time.sleep(0.5)
    started = time.monotonic()
    cur.close()
    cur.close()  # a second close is a no-op
    box["thread"].join(5)
    assert time.monotonic() - started < 3
    assert isinstance(box.get("error"), stripe_dbapi.InterfaceError), box
    assert "closed" in str(box["error"])
    assert small_conn.cursor().execute("SELECT 7").fetchall() == [(7,)]


def test_connection_close_from_another_thread_releases_everything():
    conn = stripe_dbapi.connect(SANDBOX)
    sandbox_port = int(conn.config.api_base.rsplit(":", 1)[1])
    temp = Path(conn._engine.temp_directory)
    cur = conn.cursor()
    box = run_in_thread(lambda: cur.execute("SELECT count(*) FROM range(30000000000)").fetchall())
    time.sleep(0.5)
    started = time.monotonic()
    closer = run_in_thread(conn.close)
    closer["thread"].join(5)
    box["thread"].join(5)
    assert time.monotonic() - started < 3
    assert "error" not in closer, closer
    assert isinstance(box.get("error"), stripe_dbapi.Error), box
    conn.close()  # a second close is a no-op
    with pytest.raises(stripe_dbapi.InterfaceError):
        conn.cursor()
    assert not temp.exists()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", sandbox_port), 1):
        pass  # the in-process sandbox was stopped


# -- Ctrl-C ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [ENDLESS, "SELECT count(*) FROM customers c, range(1000000000000) r"],
    ids=["local", "join over a Stripe table"],
)
def test_ctrl_c_ends_the_cli_at_once_with_exit_code_130(tmp_path, sql):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STRIPE_DBAPI_DSN": SANDBOX}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stripe_dbapi.cli", "query", sql],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # connected, sandbox started, the query running
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("Ctrl-C did not stop the query")
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err


def test_ctrl_c_while_a_direct_answer_streams_is_a_keyboard_interrupt(scripted):
    server = slow_pages(scripted, delay=0.05, pages=60)
    with fast_connect(server.dsn(MaxConcurrency=1)) as conn:
        cur = conn.cursor().execute("SELECT id FROM customers")
        assert cur.plan is not None and cur.plan.direct is not None
        threading.Timer(0.8, _thread.interrupt_main).start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            while cur.fetchmany(10):
                pass
        assert time.monotonic() - started < 2
        assert cur.execute("SELECT 1").fetchall() == [(1,)]


def test_ctrl_c_while_pages_stream_is_a_keyboard_interrupt(scripted):
    server = slow_pages(scripted, delay=0.05, pages=60)
    with fast_connect(server.dsn(MaxConcurrency=1)) as conn:
        cur = conn.cursor()
        threading.Timer(0.8, _thread.interrupt_main).start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            cur.execute("SELECT count(*) FROM customers ORDER BY 1").fetchall()
        assert time.monotonic() - started < 2
        assert cur.execute("SELECT 1").fetchall() == [(1,)]


@PAGE_BY_PAGE
def test_ctrl_c_while_execute_awaits_the_first_page_is_a_keyboard_interrupt(
    scripted, sql, direct
):
    server = slow_pages(scripted, delay=1.0)
    with fast_connect(server.dsn(MaxConcurrency=1)) as conn:
        cur = conn.cursor()
        threading.Timer(0.3, _thread.interrupt_main).start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            cur.execute(sql)
        assert cur.plan is not None and cur.plan.row_wise
        assert (cur.plan.direct is not None) == direct
        assert time.monotonic() - started < 3
        assert cur.execute("SELECT 1").fetchall() == [(1,)]


def test_ctrl_c_during_a_local_query_is_a_keyboard_interrupt(tmp_path):
    result = run_script(
        f"""
        import os, signal, threading, time, stripe_dbapi
        conn = stripe_dbapi.connect("{SANDBOX}")
        threading.Timer(1, os.kill, (os.getpid(), signal.SIGINT)).start()
        started = time.monotonic()
        try:
            conn.cursor().execute("SELECT count(*) FROM customers c, range(1000000000000) r").fetchall()
        except stripe_dbapi.Error as exc:
            print("pep249", type(exc).__name__, exc)
        except KeyboardInterrupt:
            print("KeyboardInterrupt")
        print("elapsed", round(time.monotonic() - started, 1))
        conn.close()
        """,
        tmp_path,
        timeout=40,
    )
    assert "KeyboardInterrupt" in result.stdout, result.stdout + result.stderr[-2000:]
    assert float(result.stdout.split("elapsed ")[1].split()[0]) < 4
