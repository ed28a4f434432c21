"""The driver against localstripe, with stripe-python's own listing as the oracle.

Every test compares what SQL returns with what the SDK lists from the same emulator, and
checks the requests the driver spent (EXPLAIN and `conn.request_count`). Nothing here
relies on localstripe's gaps (order, `created` filters, unknown parameters): see
test_localstripe_gaps.py for those, and tests/recorded for the pushdowns they block.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

import pytest
import stripe
from localstripe_env import SHARED_EMAIL, Seeded

import stripe_dbapi

pytestmark = pytest.mark.localstripe

Rows = list[tuple[Any, ...]]


def run(conn: stripe_dbapi.Connection, sql: str, params: Sequence[Any] = ()) -> tuple[Rows, int]:
    """The rows of `sql` and the number of HTTP requests it cost."""
    before = conn.request_count
    cur = conn.cursor()
    cur.execute(sql, params)
    rows = cur.fetchall()
    cur.close()
    return rows, conn.request_count - before


def planned(conn: stripe_dbapi.Connection, sql: str, params: Sequence[Any] = ()) -> list[str]:
    """The Stripe requests EXPLAIN lists for `sql` (it sends none itself)."""
    before = conn.request_count
    cur = conn.cursor()
    cur.execute("EXPLAIN " + sql, params)
    requests = [row[2] for row in cur.fetchall() if str(row[0]).startswith("scan")]
    assert conn.request_count == before, "EXPLAIN must not call Stripe"
    return requests


def every(listing: Any) -> list[Any]:
    """All objects of an SDK list, auto-paged as stripe-python does it."""
    return list(listing.auto_paging_iter())


def meta(obj: Any) -> dict[str, str]:
    """An SDK object's metadata as a plain dict (StripeObject is not a dict)."""
    return obj.metadata.to_dict() if obj.metadata else {}


def ts(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, timezone.utc)


# -- the connection -------------------------------------------------------------------


def test_connect_falls_back_to_a_list_where_the_server_has_no_account_endpoint(
    conn: stripe_dbapi.Connection,
) -> None:
    # localstripe answers 404 to GET /v1/account; GET /v1/customers?limit=1 proves the key.
    assert conn.request_count == 2
    assert conn.auth_info.account_id is None and conn.auth_info.livemode is False


# -- whole tables -------------------------------------------------------------------------

LISTINGS: dict[str, Callable[[stripe.StripeClient], Any]] = {
    "customers": lambda s: s.v1.customers.list(params={"limit": 100}),
    "charges": lambda s: s.v1.charges.list(params={"limit": 100}),
    "payment_intents": lambda s: s.v1.payment_intents.list(params={"limit": 100}),
    "refunds": lambda s: s.v1.refunds.list(params={"limit": 100}),
    "invoices": lambda s: s.v1.invoices.list(params={"limit": 100}),
    "invoiceitems": lambda s: s.v1.invoice_items.list(params={"limit": 100}),
    "products": lambda s: s.v1.products.list(params={"limit": 100}),
    "plans": lambda s: s.v1.plans.list(params={"limit": 100}),
    "coupons": lambda s: s.v1.coupons.list(params={"limit": 100}),
    "subscriptions": lambda s: s.v1.subscriptions.list(params={"status": "all", "limit": 100}),
}


@pytest.mark.parametrize("table", sorted(LISTINGS))
def test_full_scan_returns_exactly_the_objects_the_sdk_lists(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient, table: str
) -> None:
    expected = [o.id for o in every(LISTINGS[table](sdk))]
    rows, spent = run(conn, f"SELECT id FROM {table}")
    assert sorted(r[0] for r in rows) == sorted(expected)
    assert len(rows) == len(set(expected)) > 0
    assert spent == len(expected) // 100 + 1  # pages of 100, walked with starting_after
    ((count,),) = run(conn, f"SELECT count(*) FROM {table}")[0]
    assert count == len(expected)


def test_a_server_without_created_ranges_is_read_in_sequence_instead_of_sliced(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient, caplog: pytest.LogCaptureFixture
) -> None:
    # localstripe lists balance transactions newest first, so the driver splits the scan
    # into created slices after a full first page that spans more than one second;
    # localstripe answers the first slice `400 Unexpected created`. Slices are the driver's
    # own parameter: it reads on without (tests/reliability/test_optimisation_fallback.py
    # pins the same against a scripted server, whatever the seed's timestamps).
    expected = [t.id for t in every(sdk.v1.balance_transactions.list(params={"limit": 100}))]
    assert len(expected) > 100, "the seed must give balance transactions a second page"
    with caplog.at_level("WARNING", logger="stripe_dbapi.scan.slicing"):
        rows, spent = run(conn, "SELECT id FROM balance_transactions")
    assert sorted(r[0] for r in rows) == sorted(expected)
    refused = "rejects created ranges" in caplog.text  # the seed spread over seconds
    assert spent == len(expected) // 100 + 1 + refused  # the pages, and a rejected slice


def test_a_table_over_one_page_is_walked_with_starting_after(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    expected = every(LISTINGS["charges"](sdk))
    assert len(expected) > 100, "the seed must give charges a second page"
    rows, spent = run(conn, "SELECT id, amount, currency, customer FROM charges")
    assert spent == 2
    assert sorted(rows) == sorted((c.id, c.amount, c.currency, c.customer) for c in expected)


def test_values_are_typed_as_the_catalog_says(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient, seeded: Seeded
) -> None:
    charge = sdk.v1.charges.retrieve(seeded.refunded_charge)
    rows, _ = run(
        conn,
        "SELECT created, amount, amount_refunded, refunded, metadata FROM charges WHERE id = ?",
        [charge.id],
    )
    created, amount, amount_refunded, refunded, metadata = rows[0]
    assert created == ts(charge.created) and created.utcoffset().total_seconds() == 0
    assert (amount, amount_refunded, refunded) == (charge.amount, charge.amount_refunded, True)
    assert type(amount) is int
    assert json.loads(metadata) == charge.metadata.to_dict()


def test_an_expanded_reference_becomes_its_id(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    # localstripe sends payment_intent.latest_charge as a whole charge object for the
    # payment intents created directly (and as an id for some made by invoices).
    intents = every(LISTINGS["payment_intents"](sdk))
    assert any(not isinstance(pi.latest_charge, (str, type(None))) for pi in intents)
    expected = [(pi.id, getattr(pi.latest_charge, "id", pi.latest_charge)) for pi in intents]
    rows, _ = run(conn, "SELECT id, latest_charge FROM payment_intents")
    assert sorted(rows) == sorted(expected)


# -- equality pushdown ----------------------------------------------------------------------


def test_email_equality_is_sent_as_email_and_matches_the_sdk(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    sql = "SELECT id, email FROM customers WHERE email = ?"
    assert planned(conn, sql, [SHARED_EMAIL]) == [
        f"GET /v1/customers?email={SHARED_EMAIL}&limit=100"
    ]
    expected = every(sdk.v1.customers.list(params={"email": SHARED_EMAIL}))
    rows, spent = run(conn, sql, [SHARED_EMAIL])
    assert sorted(rows) == sorted((c.id, c.email) for c in expected)
    assert len(rows) == 3
    assert spent == 1


def test_email_matching_nobody_is_no_rows_for_one_request(conn: stripe_dbapi.Connection) -> None:
    rows, spent = run(conn, "SELECT id FROM customers WHERE email = ?", ["nobody@example.com"])
    assert rows == []
    assert spent == 1


def test_customer_in_list_is_one_filtered_call_per_value(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient, seeded: Seeded
) -> None:
    wanted = seeded.customers[5], seeded.customers[6]
    sql = "SELECT id FROM charges WHERE customer IN (?, ?)"
    assert sorted(planned(conn, sql, wanted)) == sorted(
        f"GET /v1/charges?customer={c}&limit=100" for c in wanted
    )
    expected = [ch.id for c in wanted for ch in every(sdk.v1.charges.list(params={"customer": c}))]
    rows, spent = run(conn, sql, wanted)
    assert sorted(r[0] for r in rows) == sorted(expected)
    assert spent == 2


def test_refunds_of_a_charge_are_read_with_charge(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient, seeded: Seeded
) -> None:
    sql = "SELECT id, amount FROM refunds WHERE charge = ?"
    assert planned(conn, sql, [seeded.refunded_charge]) == [
        f"GET /v1/refunds?charge={seeded.refunded_charge}&limit=100"
    ]
    expected = every(sdk.v1.refunds.list(params={"charge": seeded.refunded_charge}))
    rows, spent = run(conn, sql, [seeded.refunded_charge])
    assert rows == [(r.id, r.amount) for r in expected] and len(rows) == 1
    assert spent == 1


# -- id look-ups --------------------------------------------------------------------------


def test_id_equality_is_one_retrieve(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient, seeded: Seeded
) -> None:
    cid = seeded.customers[7]
    includable = "&".join(
        f"expand[]={c}"
        for c in ("cash_balance", "invoice_credit_balance", "sources", "subscriptions", "tax")
    )
    # SELECT * reads the includable columns, which Stripe returns only when expanded.
    assert planned(conn, "SELECT * FROM customers WHERE id = ?", [cid]) == [
        f"GET /v1/customers/{cid}?{includable}&expand[]=tax_ids"
    ]
    assert planned(conn, "SELECT id, email FROM customers WHERE id = ?", [cid]) == [
        f"GET /v1/customers/{cid}"
    ]
    customer = sdk.v1.customers.retrieve(cid)
    rows, spent = run(conn, "SELECT id, email, name, created FROM customers WHERE id = ?", [cid])
    assert rows == [(customer.id, customer.email, customer.name, ts(customer.created))]
    assert spent == 1


def test_id_in_list_retrieves_each_id_and_a_missing_id_is_no_row(
    conn: stripe_dbapi.Connection, seeded: Seeded
) -> None:
    ids = [seeded.customers[1], "cus_doesnotexist0000", seeded.customers[9]]
    rows, spent = run(conn, "SELECT id FROM customers WHERE id IN (?, ?, ?)", ids)
    assert sorted(r[0] for r in rows) == sorted([seeded.customers[1], seeded.customers[9]])
    assert spent == 3


def test_a_missing_id_alone_is_an_empty_result(conn: stripe_dbapi.Connection) -> None:
    rows, spent = run(conn, "SELECT id FROM charges WHERE id = 'ch_doesnotexist0000'")
    assert rows == []
    assert spent == 1


# -- joins, aggregates, JSON ---------------------------------------------------------------


def test_join_of_charges_and_customers_matches_a_python_join(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    customers = {c.id: c for c in every(LISTINGS["customers"](sdk))}
    expected = [
        (ch.id, ch.amount, customers[ch.customer].email)
        for ch in every(LISTINGS["charges"](sdk))
        if meta(customers[ch.customer]).get("plan") == "gold"
    ]
    rows, spent = run(
        conn,
        "SELECT ch.id, ch.amount, cu.email FROM charges ch JOIN customers cu ON ch.customer = cu.id "
        "WHERE cu.metadata->>'plan' = 'gold'",
    )
    assert sorted(rows) == sorted(expected) and expected
    assert spent == 3  # two pages of charges, one of customers


def test_count_and_sum_by_group_match_the_sdk(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    counts: Counter[str] = Counter()
    sums: defaultdict[str, int] = defaultdict(int)
    for ch in every(LISTINGS["charges"](sdk)):
        counts[ch.currency] += 1
        sums[ch.currency] += ch.amount
    rows, _ = run(
        conn,
        "SELECT currency, count(*), sum(amount) FROM charges GROUP BY currency ORDER BY currency",
    )
    assert rows == [(cur, counts[cur], sums[cur]) for cur in sorted(counts)]


def test_sum_of_an_amount_comes_back_as_int(conn: stripe_dbapi.Connection) -> None:
    rows, _ = run(conn, "SELECT sum(amount) FROM charges")
    assert type(rows[0][0]) is int


def test_having_keeps_customers_with_many_charges(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    per_customer = Counter(ch.customer for ch in every(LISTINGS["charges"](sdk)))
    rows, _ = run(
        conn, "SELECT customer, count(*) AS n FROM charges GROUP BY customer HAVING count(*) >= 7"
    )
    assert sorted(rows) == sorted((c, n) for c, n in per_customer.items() if n >= 7)


def test_json_arrow_operator_reads_metadata(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    customers = every(LISTINGS["customers"](sdk))
    by_plan = Counter(meta(c).get("plan") for c in customers)
    rows, spent = run(
        conn,
        "SELECT metadata->>'plan' AS plan, count(*) FROM customers GROUP BY 1 ORDER BY 1 NULLS LAST",
    )
    assert rows == sorted(by_plan.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    assert by_plan[None] == 2
    assert spent == 1
    silver, _ = run(conn, "SELECT id FROM customers WHERE metadata->>'plan' = ?", ["silver"])
    assert sorted(r[0] for r in silver) == sorted(
        c.id for c in customers if meta(c).get("plan") == "silver"
    )


# -- subscriptions: canceled ones count ----------------------------------------------------


def test_canceled_subscriptions_are_included_as_with_status_all(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient, seeded: Seeded
) -> None:
    assert planned(conn, "SELECT id FROM subscriptions") == [
        "GET /v1/subscriptions?status=all&limit=100"
    ]
    everything = every(LISTINGS["subscriptions"](sdk))
    default_view = {s.id for s in every(sdk.v1.subscriptions.list())}
    rows, spent = run(conn, "SELECT id, status, customer FROM subscriptions")
    assert sorted(rows) == sorted((s.id, s.status, s.customer) for s in everything)
    canceled = {r[0] for r in rows if r[1] == "canceled"}
    assert canceled == set(seeded.canceled_subscriptions)
    assert not canceled & default_view, "without status=all the SDK would not see them"
    assert spent == 1


def test_status_equality_is_pushed_instead_of_the_default(
    conn: stripe_dbapi.Connection, seeded: Seeded
) -> None:
    sql = "SELECT id FROM subscriptions WHERE status = 'canceled'"
    assert planned(conn, sql) == ["GET /v1/subscriptions?status=canceled&limit=100"]
    rows, spent = run(conn, sql)
    assert sorted(r[0] for r in rows) == sorted(seeded.canceled_subscriptions)
    assert spent == 1


# -- LIMIT ----------------------------------------------------------------------------------


def test_limit_5_costs_exactly_one_request(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    assert planned(conn, "SELECT id FROM charges LIMIT 5") == ["GET /v1/charges?limit=5"]
    rows, spent = run(conn, "SELECT id, amount FROM charges LIMIT 5")
    known = {(c.id, c.amount) for c in every(LISTINGS["charges"](sdk))}
    assert len(rows) == 5 and set(rows) <= known
    assert spent == 1


# -- a child table by its parent key --------------------------------------------------------


def test_invoice_lines_by_invoice_use_the_nested_path(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient, seeded: Seeded
) -> None:
    inv = seeded.manual_invoice
    sql = "SELECT id, invoice, amount FROM invoices_lines WHERE invoice = ?"
    assert planned(conn, sql, [inv]) == [f"GET /v1/invoices/{inv}/lines?limit=100"]
    expected = every(sdk.v1.invoices.line_items.list(inv))
    rows, spent = run(conn, sql, [inv])
    assert sorted(rows) == sorted((line.id, inv, line.amount) for line in expected)
    assert len(rows) == 3
    assert spent == 1


def test_invoice_lines_without_a_parent_fan_out_over_invoices(
    conn: stripe_dbapi.Connection, sdk: stripe.StripeClient
) -> None:
    invoices = every(LISTINGS["invoices"](sdk))
    expected = [
        (line.id, inv.id)
        for inv in invoices
        for line in every(sdk.v1.invoices.line_items.list(inv.id))
    ]
    rows, spent = run(conn, "SELECT id, invoice FROM invoices_lines")
    assert sorted(rows) == sorted(expected)
    # Complete embedded `lines` lists save the per-invoice call; truncated ones make it.
    truncated = sum(1 for inv in invoices if inv.lines.has_more)
    assert 1 + truncated <= spent <= 1 + len(invoices)
