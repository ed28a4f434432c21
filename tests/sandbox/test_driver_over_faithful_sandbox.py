"""The driver over the faithful sandbox: whole tables read whole, as Stripe documents them.

The sandbox hides inactive prices and includable fields and rejects `limit` where Stripe
does (test_faithful.py); these queries show the planner's catalog-driven requests still
return every row and every column.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer


@pytest.fixture(scope="module")
def conn(srv: SandboxServer) -> Iterator[stripe_dbapi.Connection]:
    connection = stripe_dbapi.connect(srv.dsn)
    yield connection
    connection.close()


def _one(conn: stripe_dbapi.Connection, sql: str) -> tuple:  # type: ignore[type-arg]
    cur = conn.cursor()
    cur.execute(sql)
    row = cur.fetchone()
    assert row is not None
    return tuple(row)


def test_prices_are_read_active_and_inactive(
    srv: SandboxServer, conn: stripe_dbapi.Connection
) -> None:
    prices = srv.dataset["prices"]
    assert _one(conn, "SELECT count(*), count(*) FILTER (WHERE NOT active) FROM prices") == (
        len(prices),
        sum(not p["active"] for p in prices),
    )


def test_unpaginated_lists_are_read_in_one_call(
    srv: SandboxServer, conn: stripe_dbapi.Connection
) -> None:
    assert _one(conn, "SELECT count(*) FROM reporting_report_types") == (
        len(srv.dataset["reporting_report_types"]),
    )
    caps = srv.dataset["accounts_capabilities"]
    assert _one(conn, "SELECT count(*) FROM accounts_capabilities") == (len(caps),)


def test_includable_columns_are_expanded(
    srv: SandboxServer, conn: stripe_dbapi.Connection
) -> None:
    customer = srv.dataset["customers"][0]
    got = _one(
        conn,
        f"SELECT subscriptions IS NOT NULL FROM customers WHERE id = '{customer['id']}'",
    )
    assert got == (customer.get("subscriptions") is not None,)
    listed = _one(conn, "SELECT count(*) FILTER (WHERE subscriptions IS NOT NULL) FROM customers")
    assert listed[0] == sum(c.get("subscriptions") is not None for c in srv.dataset["customers"])


def test_pending_invoice_items_and_an_unaccepted_value(
    srv: SandboxServer, conn: stripe_dbapi.Connection
) -> None:
    items = srv.dataset["invoiceitems"]
    assert _one(conn, "SELECT count(*) FROM invoiceitems WHERE invoice IS NULL") == (
        sum(i["invoice"] is None for i in items),
    )
    reversed_ = sum(t["status"] == "reversed" for t in srv.dataset["topups"])
    assert _one(conn, "SELECT count(*) FROM topups WHERE status = 'reversed'") == (reversed_,)
