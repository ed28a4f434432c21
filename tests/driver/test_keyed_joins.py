"""Joins whose selective side is known only at run time (issue #15), on the sandbox.

The narrowed side is read first; the other side is read by the keys it holds when they are
few (plan.KeyedFetch), else whole. Either way the rows must be the reference answer's
(Pushdown=false on the same sandbox), and the request log shows which read ran.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from test_queries import api_requests

import stripe_dbapi
from stripe_dbapi.query.planner import KEYED_MAX_CALLS
from stripe_dbapi.sandbox import SandboxServer


@pytest.fixture()
def reference(sandbox: SandboxServer) -> Iterator[stripe_dbapi.Connection]:
    connection = stripe_dbapi.connect(sandbox.dsn + ";Pushdown=false")
    try:
        yield connection
    finally:
        connection.close()


def _rows(conn: stripe_dbapi.Connection, sql: str, params: list | None = None) -> Counter:
    return Counter(conn.cursor().execute(sql, params or []).fetchall())


def _since(rows: list[dict], keys: int, key: str) -> dt.datetime:
    """The newest `created` bound whose rows hold more than `keys` distinct non-null `key`s,
    plus one second: the rows from then on hold at most `keys` of them."""
    seen: set[str] = set()
    for row in sorted(rows, key=lambda r: r["created"], reverse=True):
        if row.get(key) is not None:
            seen.add(row[key])
        if len(seen) > keys:
            return dt.datetime.fromtimestamp(row["created"] + 1, tz=dt.timezone.utc)
    raise AssertionError("not enough keys in the data set")


CHARGES_CUSTOMERS = (
    "SELECT ch.id, c.id, c.email FROM charges ch {kind} customers c ON c.id = ch.customer "
    "WHERE ch.created >= ?"
)


@pytest.mark.parametrize("kind", ["JOIN", "LEFT JOIN"])
def test_few_keys_are_retrieved_and_the_answer_is_the_reference(conn, reference, sandbox, kind):
    since = _since(sandbox.dataset["charges"], KEYED_MAX_CALLS, "customer")
    selected = [c for c in sandbox.dataset["charges"] if c["created"] >= since.timestamp()]
    keys = {c["customer"] for c in selected if c["customer"] is not None}
    assert any(c["customer"] is None for c in selected) or kind == "JOIN"
    sql = CHARGES_CUSTOMERS.format(kind=kind)
    sandbox.reset_log()
    got = _rows(conn, sql, [since])
    customers = [r for r in api_requests(sandbox) if r.path.startswith("/v1/customers")]
    assert sorted(r.path for r in customers) == sorted(f"/v1/customers/{k}" for k in keys)
    assert got == _rows(reference, sql, [since])
    if kind == "LEFT JOIN":  # charges without a customer keep their row, with NULLs
        assert sum(n for row, n in got.items() if row[1] is None) == sum(
            1 for c in selected if c["customer"] is None
        )


def test_many_keys_read_the_whole_table(conn, reference, sandbox):
    since = _since(sandbox.dataset["charges"], 3 * KEYED_MAX_CALLS, "customer")
    sql = CHARGES_CUSTOMERS.format(kind="JOIN")
    sandbox.reset_log()
    got = _rows(conn, sql, [since])
    customers = [r for r in api_requests(sandbox) if r.path.startswith("/v1/customers")]
    assert customers and all(r.path == "/v1/customers" for r in customers)
    assert got == _rows(reference, sql, [since])


def test_keys_of_missing_objects_have_no_rows(conn, reference, sandbox):
    # Emails are no customer ids: every retrieve answers 404, so nothing joins (as in a scan).
    email = sandbox.dataset["customers"][0]["email"]
    sql = "SELECT a.id, c.id FROM customers a JOIN customers c ON c.id = a.email WHERE a.email = ?"
    sandbox.reset_log()
    assert _rows(conn, sql, [email]) == Counter() == _rows(reference, sql, [email])
    assert [r.status for r in api_requests(sandbox) if r.path != "/v1/customers"] == [404]


def test_a_child_table_is_listed_per_parent_key(conn, reference, sandbox):
    since = _since(sandbox.dataset["invoices"], 5, "id")
    sql = (
        "SELECT i.id, l.id, l.amount FROM invoices i JOIN invoices_lines l ON l.invoice = i.id "
        "WHERE i.created >= ?"
    )
    sandbox.reset_log()
    got = _rows(conn, sql, [since])
    requests = api_requests(sandbox)
    assert len([r for r in requests if r.path.endswith("/lines")]) == 5
    assert all("created" in r.query for r in requests if r.path == "/v1/invoices")
    assert got and got == _rows(reference, sql, [since])


def test_a_list_filter_is_called_once_per_key(conn, reference, sandbox):
    customer = next(c for c in sandbox.dataset["customers"] if c.get("email"))
    sql = (
        "SELECT c.id, ch.id, ch.amount FROM customers c JOIN charges ch ON ch.customer = c.id "
        "WHERE c.email = ?"
    )
    sandbox.reset_log()
    got = _rows(conn, sql, [customer["email"]])
    charges = [r for r in api_requests(sandbox) if r.path == "/v1/charges"]
    assert charges and all("customer=" in r.query for r in charges)
    assert got == _rows(reference, sql, [customer["email"]])


def test_a_constant_carried_to_the_child_side_makes_two_requests(conn, sandbox):
    invoice = sandbox.dataset["invoices"][0]["id"]
    sql = (
        "SELECT i.id, l.id FROM invoices i JOIN invoices_lines l ON l.invoice = i.id WHERE i.id = ?"
    )
    sandbox.reset_log()
    got = _rows(conn, sql, [invoice])
    assert sorted(r.path for r in api_requests(sandbox)) == [
        f"/v1/invoices/{invoice}",
        f"/v1/invoices/{invoice}/lines",
    ]
    # The same join with the constant written on the child side (no carrying needed).
    assert got and got == _rows(conn, sql.replace("WHERE i.id", "WHERE l.invoice"), [invoice])


# -- review: defects found (failing until fixed) ----------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT ch.id, a.email, b.email FROM charges ch JOIN customers a ON a.id = ch.customer "
        "JOIN customers b ON b.id = ch.customer WHERE ch.created >= ?",
        "SELECT ch.id, a.id, b.email FROM customers a, customers b, charges ch "
        "WHERE ch.customer = a.id AND b.id = ch.customer AND ch.created >= ?",
    ],
)
def test_two_keyed_reads_by_one_source_both_see_every_key(conn, reference, sandbox, sql):
    # Both customers scans are keyed by ch.customer and share one _Held source. Once the
    # first decision is made, the source's own stream deletes each page it replays, so
    # the second decision (if it comes after the replay) sees no pages: no keys, no
    # calls, an empty customers side, and the join loses every row.
    since = _since(sandbox.dataset["charges"], KEYED_MAX_CALLS // 2, "customer")
    want = _rows(reference, sql, [since])
    assert want
    assert _rows(conn, sql, [since]) == want


def test_held_source_gives_every_page_to_each_decision():
    # The same defect without DuckDB's scheduling: decision, replay, second decision.
    import pyarrow as pa

    from stripe_dbapi.scan.keyed import _Held

    pages = [pa.record_batch({"customer": [f"cus_{i}"]}) for i in range(3)]
    held = _Held(iter(pages), lambda: None, decisions=2)
    assert held.keys("customer", 10, decision=0) == ["cus_0", "cus_1", "cus_2"]
    assert [b.column(0).to_pylist() for b in held.replay()] == [["cus_0"], ["cus_1"], ["cus_2"]]
    assert held.keys("customer", 10, decision=1) == ["cus_0", "cus_1", "cus_2"]
    assert not held._kept  # every reader has had every page: nothing is kept


def test_a_constant_is_not_carried_across_a_positional_join(conn, reference):
    # POSITIONAL JOIN pairs the i-th rows of each side: narrowing the charges side to the
    # one charge the carried `b.id = X` names moves it to position 0. joins._equalities
    # treats POSITIONAL (kind '', method 'POSITIONAL') as an inner join.
    pairs = reference.cursor().execute(
        "SELECT a.latest_charge, b.id FROM payment_intents a POSITIONAL JOIN charges b"
    ).fetchall()
    charge = next(x for i, (x, y) in enumerate(pairs) if i > 0 and x is not None and x == y)
    sql = (
        "SELECT a.id, b.id FROM payment_intents a POSITIONAL JOIN charges b "
        "WHERE b.id = a.latest_charge AND a.latest_charge = ?"
    )
    want = _rows(reference, sql, [charge])
    assert want
    assert _rows(conn, sql, [charge]) == want
