"""A server that misbehaves in every way a proxy, a bug or a network can: each way ends in
an OperationalError (never a raw requests or json exception, never a partial result), and
a black hole ends at the Timeout.
"""

from __future__ import annotations

import time

import pytest
from reliability_helpers import ACCOUNT, CUSTOMERS, Reply, fast_connect, page, serve, stripe_error

import stripe_dbapi


def query(server, sql="SELECT id FROM customers", params=None, *, sequential=False, **client):
    # sequential: one request at a time, no parallel created slices (see tests/speed);
    # otherwise in parallel, as at Stripe's latency (a local server is read sequentially)
    dsn = server.dsn() + (";MaxConcurrency=1" if sequential else ";Concurrency=fixed")
    with fast_connect(dsn, **client) as conn:
        cur = conn.cursor()
        cur.execute(sql, params)
        return cur.fetchall()


def test_the_well_behaved_script_serves_every_row(scripted):
    server = serve(scripted, page)
    assert len(query(server)) == 250


def test_a_server_that_ignores_starting_after_is_caught_not_looped(scripted):
    server = serve(scripted, lambda params: page([p for p in params if p[0] == "limit"]))
    with pytest.raises(stripe_dbapi.OperationalError) as caught:
        query(server, sequential=True)
    assert str(caught.value) == (
        "Stripe's pagination of GET /v1/customers did not advance past `cus_0099`; "
        "stopping rather than returning a partial or repeated list."
    )
    assert server.paths().count("/v1/customers") == 2


def test_pages_that_cycle_are_caught(scripted):
    def cycling(params):
        after = dict(params).get("starting_after")
        if after == "cus_0199":  # the third page starts over
            return page([("limit", "100")])
        return page(params)

    with pytest.raises(stripe_dbapi.OperationalError, match="did not advance past `cus_0099`"):
        query(serve(scripted, cycling), sequential=True)


def test_an_empty_page_that_promises_more_is_an_error_not_the_end(scripted):
    def empty(params):
        if "starting_after" in dict(params):
            return Reply(200, {"object": "list", "data": [], "has_more": True})
        return page(params)

    with pytest.raises(stripe_dbapi.OperationalError, match="empty page that says more follow"):
        query(serve(scripted, empty))


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            Reply(
                200,
                b'{"object": "list", "data": [',
            ),
            "is not a JSON object (application/json",
        ),
        (Reply(200, "<html><body>Login</body></html>", content_type="text/html"), "(text/html"),
        (Reply(200, b"\xff\xfe\x00garbage"), "is not a JSON object"),
        (Reply(200, [1, 2, 3]), "is not a JSON object"),
        (Reply(200, {"object": "list", "has_more": False}), "has no `data` list of objects"),
        (Reply(200, {"data": [1, "x"], "has_more": True}), "has no `data` list of objects"),
        (Reply(200, {"data": "nope", "has_more": False}), "has no `data` list of objects"),
        (Reply(200, CUSTOMERS[0], mode="truncate"), "was cut short"),
        (Reply(mode="drop"), "connection closed by the server"),
        (Reply(500, "<html>Internal error</html>", content_type="text/html"), "answered 500"),
        (Reply(418, b"", content_type="text/plain"), "answered 418"),
    ],
    ids=[
        "malformed-json",
        "html",
        "binary",
        "json-array",
        "no-data",
        "data-not-objects",
        "data-not-list",
        "truncated",
        "dropped",
        "html-500",
        "empty-418",
    ],
)
def test_broken_answers_are_operational_errors(scripted, reply, message):
    server = serve(scripted, lambda params: reply)
    with pytest.raises(stripe_dbapi.DatabaseError) as caught:
        query(server, max_retries=1)
    assert message in str(caught.value)
    assert isinstance(caught.value, stripe_dbapi.OperationalError) or reply.status == 418
    assert caught.value.__cause__ is None or isinstance(caught.value.__cause__, stripe_dbapi.Error)


@pytest.mark.parametrize("bad", ["json", "html", "truncated"])
def test_broken_answers_to_a_retrieve_are_operational_errors(scripted, bad):
    replies = {
        "json": Reply(200, b"{not json"),
        "html": Reply(200, "<html></html>", content_type="text/html"),
        "truncated": Reply(200, CUSTOMERS[0], mode="truncate"),
    }
    server = serve(scripted, lambda params: replies[bad])
    with pytest.raises(stripe_dbapi.OperationalError):
        query(server, "SELECT * FROM customers WHERE id = 'cus_0001'", max_retries=1)


def test_a_page_that_finally_fails_fails_the_query_instead_of_shortening_it(scripted):
    def third_page_broken(params):
        if dict(params).get("starting_after") == "cus_0199":
            return stripe_error(500, "Page three is gone.")
        return page(params)

    server = serve(scripted, third_page_broken)
    with pytest.raises(stripe_dbapi.OperationalError, match="Page three is gone"):
        query(server, "SELECT count(*) FROM customers")
    with pytest.raises(stripe_dbapi.OperationalError, match="Page three is gone"):
        query(server, "SELECT id FROM customers")
    with fast_connect(server.dsn()) as conn:
        cur = conn.cursor().execute("SELECT id FROM customers")
        read = []
        with pytest.raises(stripe_dbapi.OperationalError):
            while (row := cur.fetchone()) is not None:  # rows stream out page by page…
                read.append(row)
        assert len(read) <= 200  # …but the end of the result is never reached silently


def test_one_failing_call_of_a_concurrent_in_list_fails_the_query(scripted):
    def script(path, params, n):
        if path == "/v1/account":
            return ACCOUNT
        if dict(params).get("customer") == "cus_0003":
            return stripe_error(403, "This key may not read cus_0003's charges.", "forbidden")
        return Reply(200, {"object": "list", "data": [], "has_more": False})

    server = scripted(script)
    sql = (
        "SELECT id FROM charges WHERE customer IN ('cus_0001', 'cus_0002', 'cus_0003', 'cus_0004')"
    )
    with pytest.raises(stripe_dbapi.OperationalError, match="may not read cus_0003") as caught:
        query(server, sql)
    assert caught.value.http_status == 403
    assert caught.value.request_id == "req_scripted403"


# -- black holes: accepted, never answered ------------------------------------------------


def test_connect_to_a_black_hole_ends_at_the_timeout(scripted):
    server = scripted(lambda path, params, n: Reply(mode="blackhole"))
    t0 = time.monotonic()
    with pytest.raises(stripe_dbapi.OperationalError) as caught:
        stripe_dbapi.connect(server.dsn(Timeout=0.3, MaxRetries=0))
    assert time.monotonic() - t0 < 1.5
    assert str(caught.value) == (
        f"Connection unavailable: Stripe at {server.url[7:]} did not answer GET /v1/account "
        "within 0.3 s"
    )


def test_connect_to_a_listener_that_never_accepts_ends_at_the_timeout():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # the kernel completes the handshake; nobody ever reads
        port = listener.getsockname()[1]
        t0 = time.monotonic()
        with pytest.raises(stripe_dbapi.OperationalError, match="did not answer"):
            stripe_dbapi.connect(
                f"LiveAPIKey=sk_test_blackhole00;ApiBase=http://127.0.0.1:{port};"
                "Timeout=0.3;MaxRetries=1"
            )
        assert time.monotonic() - t0 < 2.5


def test_a_query_against_a_black_hole_ends_at_the_timeout(scripted):
    server = serve(scripted, lambda params: Reply(mode="blackhole"))
    with stripe_dbapi.connect(server.dsn(Timeout=0.3, MaxRetries=1)) as conn:
        cur = conn.cursor()
        t0 = time.monotonic()
        with pytest.raises(stripe_dbapi.OperationalError) as caught:
            cur.execute("SELECT count(*) FROM customers").fetchall()
        assert time.monotonic() - t0 < 2.5
    assert str(caught.value) == (
        f"Stripe at {server.url[7:]} did not answer GET /v1/customers within 0.3 s; "
        "gave up after 2 attempts"
    )
