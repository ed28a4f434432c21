"""A missing object is no row, as a full scan would show it; anything else still fails."""

from __future__ import annotations

import pytest
from reliability_helpers import ACCOUNT, Reply, stripe_error

import stripe_dbapi


def _script(path: str, params: list[tuple[str, str]], n: int) -> Reply:
    if path == "/v1/account":
        return ACCOUNT
    if path == "/v1/customers/cus_deleted":
        return Reply(200, {"id": "cus_deleted", "object": "customer", "deleted": True})
    if path == "/v1/customers/cus_live":
        return Reply(200, {"id": "cus_live", "object": "customer", "email": "a@example.com"})
    if path == "/v1/invoices/in_gone/lines":
        return stripe_error(404, "No such invoice: 'in_gone'", code="resource_missing")
    if path == "/v1/invoices/in_here/lines":
        return Reply(
            200,
            {"object": "list", "data": [{"id": "il_1", "object": "line_item"}], "has_more": False},
        )
    return stripe_error(404, f"Unrecognized request URL (GET: {path})")


@pytest.fixture()
def conn(scripted):
    server = scripted(_script)
    with stripe_dbapi.connect(
        f"LiveAPIKey=sk_test_scripted1234;ApiBase={server.url};MaxRetries=0"
    ) as c:
        yield c


def test_a_deleted_object_is_no_row(conn):
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers WHERE id IN ('cus_deleted', 'cus_live')")
    assert cur.fetchall() == [("cus_live",)]


def test_a_missing_parent_is_no_rows(conn):
    cur = conn.cursor()
    cur.execute("SELECT id, invoice FROM invoices_lines WHERE invoice IN ('in_gone', 'in_here')")
    assert cur.fetchall() == [("il_1", "in_here")]


def test_other_404s_still_fail(conn):
    cur = conn.cursor()
    with pytest.raises(stripe_dbapi.ProgrammingError, match="Unrecognized request URL"):
        cur.execute("SELECT id FROM coupons")
        cur.fetchall()
