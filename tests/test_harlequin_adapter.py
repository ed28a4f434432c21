"""The Harlequin adapter, loaded as Harlequin loads it (the `harlequin.adapter` entry point)
and driven through Harlequin's own adapter API and its statement runner: connect, the
data catalog, execute, fetch, errors, cancel."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("harlequin")

from harlequin.exception import (  # noqa: E402
    HarlequinConfigError,
    HarlequinConnectionError,
    HarlequinQueryError,
)
from harlequin.plugins import load_adapter  # noqa: E402
from harlequin.query import execute, fetch  # noqa: E402
from harlequin.statements import split  # noqa: E402

from stripe_dbapi.catalog import load_catalog  # noqa: E402
from stripe_dbapi.sandbox import start_sandbox  # noqa: E402


@pytest.fixture()
def harlequin_conn(sandbox):
    adapter = load_adapter("stripe")(conn_str=(sandbox.dsn,))
    conn = adapter.connect()
    try:
        yield conn
    finally:
        conn.close()


def test_the_entry_point_names_our_adapter_and_its_options():
    adapter_class = load_adapter("stripe")
    assert adapter_class.__module__ == "stripe_dbapi.harlequin_adapter"
    assert {o.name for o in adapter_class.ADAPTER_OPTIONS} == {"sandbox", "connection"}
    assert adapter_class.IMPLEMENTS_CANCEL


def test_the_catalog_is_ours(harlequin_conn):
    (schema,) = harlequin_conn.get_catalog().items
    assert schema.label == "stripe"
    tables = {t.label: t for t in schema.children}
    assert set(tables) == {t.name for t in load_catalog()}
    charges = tables["charges"]
    assert charges.qualified_identifier == '"stripe"."charges"' and charges.query_name == "charges"
    columns = {c.label: c for c in charges.children}
    assert (columns["amount"].type_name, columns["amount"].type_label) == ("BIGINT", "##")
    assert columns["metadata"].type_label == "{}"


def test_queries_run_through_the_driver_and_harlequin_fetches_them(harlequin_conn, sandbox):
    script = "SELECT id, amount, paid FROM charges ORDER BY created DESC, id LIMIT 5; SELECT 42 AS n"
    results = [fetch(ran) for ran in execute(harlequin_conn, split(script))]
    first, second = results
    assert first.columns == [("id", "s"), ("amount", "##"), ("paid", "t/f")]
    assert first.fetched_row_count == 5
    ids = first.backend.data.column("id").to_pylist()
    assert all(i.startswith("ch_") for i in ids)
    assert second.backend.data.column("n").to_pylist() == [42]


def test_harlequins_row_limit_is_honoured(harlequin_conn):
    cursor = harlequin_conn.execute("SELECT id FROM customers").set_limit(7)
    assert len(cursor.fetchall()) == 7
    assert harlequin_conn.execute("SELECT id FROM customers WHERE id = 'cus_none'").fetchall() is None


def test_errors_carry_the_drivers_message(harlequin_conn, free_port):
    with pytest.raises(HarlequinQueryError) as caught:
        harlequin_conn.execute("SELECT * FROM custmers")
    assert str(caught.value) == "Unknown table `custmers`; did you mean `customers`?"
    bad = load_adapter("stripe")(conn_str=(f"LiveAPIKey=sk_test_x;ApiBase=http://127.0.0.1:{free_port};MaxRetries=0",))
    with pytest.raises(HarlequinConnectionError, match="Connection unavailable"):
        bad.connect()
    with pytest.raises(HarlequinConfigError):
        load_adapter("stripe")(conn_str=("a=1", "b=2"))


def test_a_bare_word_is_a_saved_connection_and_no_secret_reaches_the_cache_id(monkeypatch):
    adapter = load_adapter("stripe")(conn_str=("prod",))
    assert adapter.properties() == {"ConnectionName": "prod"}
    keyed = load_adapter("stripe")(conn_str=("LiveAPIKey=sk_test_SECRET123",))
    assert "SECRET" not in keyed.connection_id
    monkeypatch.setenv("STRIPE_DBAPI_DSN", "Sandbox=true")
    assert load_adapter("stripe")(conn_str=()).properties() == {"dsn": "Sandbox=true"}


def test_cancel_stops_a_running_query():
    with start_sandbox(seed=0, scale=1.0, latency_ms="300:300") as srv:
        conn = load_adapter("stripe")(conn_str=(srv.dsn + ";MaxConcurrency=1",)).connect()
        try:
            box: dict[str, BaseException] = {}

            def fetch_rows() -> None:  # as Harlequin does, in a worker thread
                try:
                    conn.execute("SELECT count(*) FROM charges").fetchall()  # ~15 s of pages
                except BaseException as exc:  # noqa: BLE001 - the test looks at it
                    box["error"] = exc

            worker = threading.Thread(target=fetch_rows, daemon=True)
            worker.start()
            time.sleep(1.0)
            started = time.monotonic()
            conn.cancel()
            worker.join(10)
            assert not worker.is_alive() and time.monotonic() - started < 5
            assert isinstance(box.get("error"), HarlequinQueryError)
            assert str(box["error"]) == "The query was cancelled."
            assert conn.execute("SELECT 1 AS one").fetchall() == [(1,)]
        finally:
            conn.close()
