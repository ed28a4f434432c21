"""Issue #14: a scan that cannot be completed is an error, never a shorter or a doubled
answer: a cursor object deleted mid-scan, pages that repeat ids, a list longer than MaxRows.
"""

from __future__ import annotations

import pytest
from reliability_helpers import ACCOUNT, Reply, fast_client, fast_connect, stripe_error
from test_misbehaving_server import CUSTOMERS, page, query, serve

import stripe_dbapi

# -- 8: the cursor object vanished ----------------------------------------------------------


def test_a_cursor_object_deleted_mid_scan_fails_the_scan(scripted):
    def vanishing(params):
        if dict(params).get("starting_after") == "cus_0099":
            return stripe_error(404, "No such customer: 'cus_0099'", "resource_missing")
        return page(params)

    server = serve(scripted, vanishing)
    with pytest.raises(stripe_dbapi.OperationalError) as caught:
        query(server, sequential=True)
    assert str(caught.value) == (
        "The list GET /v1/customers could not be completed: `cus_0099`, the object its next "
        "page starts after, no longer exists (deleted mid-scan); run the query again."
    )
    assert caught.value.http_status == 404


def test_a_parent_keyed_list_whose_cursor_vanishes_fails_but_a_missing_parent_is_no_rows(
    scripted,
):
    lines = [{"id": f"il_{i:04d}", "object": "line_item"} for i in range(150)]

    def script(path, params, n):
        if path == "/v1/account":
            return ACCOUNT
        if path == "/v1/invoices/in_gone/lines":
            return stripe_error(404, "No such invoice: 'in_gone'", "resource_missing")
        if path == "/v1/invoices/in_1/lines":
            if dict(params).get("starting_after"):
                return stripe_error(404, "No such line item: 'il_0099'", "resource_missing")
            return page(params, lines)
        return stripe_error(404, f"Unrecognized request URL (GET: {path})")

    server = scripted(script)
    assert query(server, "SELECT id FROM invoices_lines WHERE invoice = 'in_gone'") == []
    with pytest.raises(stripe_dbapi.OperationalError, match="could not be completed: `il_0099`"):
        query(server, "SELECT id FROM invoices_lines WHERE invoice IN ('in_gone', 'in_1')")


# -- 9: pages that overlap ---------------------------------------------------------------------


def test_pages_that_repeat_ids_are_an_error_not_duplicates(scripted):
    def overlapping(params):
        if dict(params).get("starting_after") == "cus_0099":  # starts ten rows too early
            return Reply(200, {"object": "list", "data": CUSTOMERS[90:190], "has_more": True})
        return page(params)

    with pytest.raises(stripe_dbapi.OperationalError) as caught:
        query(serve(scripted, overlapping), sequential=True)
    assert str(caught.value) == (
        "Stripe's pagination of GET /v1/customers returned `cus_0090` twice; stopping "
        "rather than returning duplicate rows."
    )


def test_search_pages_that_repeat_ids_are_an_error(scripted):
    def script(path, params, n):
        token = dict(params).get("page")
        rows = CUSTOMERS[:100] if token is None else CUSTOMERS[50:150]
        body = {"object": "search_result", "data": rows, "has_more": token is None}
        return Reply(200, {**body, "next_page": "p2" if token is None else None})

    client = fast_client(scripted(script).url)
    with pytest.raises(stripe_dbapi.OperationalError, match="returned `cus_0050` twice"):
        list(client.search_pages("/v1/customers/search", "email:'x'"))


# -- 10: MaxRows ---------------------------------------------------------------------------------


def _endless(params):
    """A list that says has_more forever, with a fresh cursor on every page."""
    after = dict(params).get("starting_after")
    start = int(after[4:]) + 1 if after else 0
    limit = int(dict(params).get("limit", 10))
    rows = [
        {"id": f"cus_{i:07d}", "object": "customer", "created": 1}
        for i in range(start, start + limit)
    ]
    return Reply(200, {"object": "list", "data": rows, "has_more": True})


def test_a_list_longer_than_max_rows_fails_naming_max_rows(scripted):
    server = serve(scripted, _endless)
    with fast_connect(server.dsn(MaxRows=250, MaxConcurrency=1)) as conn:
        with pytest.raises(stripe_dbapi.OperationalError) as caught:
            conn.cursor().execute("SELECT id FROM customers").fetchall()
        assert conn.client.max_rows == 250
    assert str(caught.value) == (
        "GET /v1/customers has more than MaxRows=250 rows; narrow the query or raise MaxRows "
        "(a partial list is never returned)."
    )
    assert server.paths().count("/v1/customers") == 3


def test_max_rows_lets_a_limit_and_a_list_that_fits_through(scripted):
    endless = serve(scripted, _endless)
    with fast_connect(endless.dsn(MaxRows=250)) as conn:
        assert len(conn.cursor().execute("SELECT id FROM customers LIMIT 5").fetchall()) == 5
    server = serve(scripted, page)
    assert len(query(server)) == 250
    with fast_connect(server.dsn(MaxRows=250, MaxConcurrency=1)) as conn:
        assert len(conn.cursor().execute("SELECT id FROM customers").fetchall()) == 250
    with fast_connect(server.dsn(MaxRows=249, MaxConcurrency=1)) as conn:
        with pytest.raises(stripe_dbapi.OperationalError, match="MaxRows=249"):
            conn.cursor().execute("SELECT id FROM customers").fetchall()


def test_max_rows_is_a_connection_property_with_no_default():
    assert stripe_dbapi.connection.resolve_config("Sandbox=true").max_rows is None
    assert stripe_dbapi.connection.resolve_config("Sandbox=true;MaxRows=10").max_rows == 10
    with pytest.raises(stripe_dbapi.InterfaceError, match="MaxRows must be at least 1"):
        stripe_dbapi.connection.resolve_config("Sandbox=true;MaxRows=0")
