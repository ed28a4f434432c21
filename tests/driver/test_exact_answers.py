"""Issue #12's wrong answers, end to end on the sandbox, with its data set as the oracle.

Each test ran a query that used to answer differently from the data (silently, or with
an error on valid SQL). The planner's side of each is pinned in
tests/planner/golden/exactness.sql; here the rows themselves are checked.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

from test_queries import api_requests

import stripe_dbapi


def _items_by_subscription(sandbox) -> dict[str, list[dict]]:
    return {s["id"]: s["items"]["data"] for s in sandbox.dataset["subscriptions"]}


def _price_id(item: dict) -> str:
    price = item["price"]
    return price["id"] if isinstance(price, dict) else price


def test_an_aggregate_sqlglot_does_not_know_answers_once(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT mean(amount), fsum(amount) FROM charges")
    rows = cur.fetchall()
    amounts = [c["amount"] for c in sandbox.dataset["charges"]]
    assert len(rows) == 1
    assert rows[0][0] == statistics.fmean(amounts) and rows[0][1] == sum(amounts)


def test_a_limit_over_an_unknown_aggregate_reads_every_row(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT list_sum(map_values(histogram(status))) FROM charges LIMIT 5")
    assert cur.fetchall() == [(len(sandbox.dataset["charges"]),)]


def test_two_in_lists_with_a_limit_return_the_newest_matching_rows(conn, sandbox):
    invoices = sorted(sandbox.dataset["invoices"], key=lambda i: i["created"], reverse=True)
    # Customers of the oldest invoices: their rows are not among any list's newest three.
    customers = list(dict.fromkeys(i["customer"] for i in reversed(invoices)))[:3]
    methods = ["charge_automatically", "send_invoice"]
    expected = [
        i["id"] for i in invoices if i["customer"] in customers and i["collection_method"] in methods
    ][:3]
    assert len(expected) == 3
    marks = ", ".join("?" for _ in customers)
    cur = conn.cursor()
    cur.execute(
        f"SELECT id FROM invoices WHERE collection_method IN (?, ?) AND customer IN ({marks}) "
        "ORDER BY created DESC LIMIT 3",
        [*methods, *customers],
    )
    got = [r[0] for r in cur.fetchall()]
    # Ties on `created` may order differently; the set of the newest three may not differ.
    newest = {i["created"] for i in invoices if i["id"] in expected}
    assert len(got) == 3
    assert {i["created"] for i in invoices if i["id"] in got} == newest


def test_a_select_alias_named_created_orders_by_its_own_values(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT amount AS created FROM charges ORDER BY created DESC LIMIT 5")
    expected = sorted((c["amount"] for c in sandbox.dataset["charges"]), reverse=True)[:5]
    assert [r[0] for r in cur.fetchall()] == expected


def test_a_filter_outside_distinct_on_filters_the_rows_it_picked(conn, sandbox):
    latest: dict[str, dict] = {}
    for inv in sandbox.dataset["invoices"]:
        best = latest.get(inv["customer"])
        if best is None or (inv["created"], inv["id"]) > (best["created"], best["id"]):
            latest[inv["customer"]] = inv
    expected = sorted(i["id"] for i in latest.values() if i["status"] == "open")
    cur = conn.cursor()
    cur.execute(
        "SELECT id FROM (SELECT DISTINCT ON (customer) id, status FROM invoices "
        "ORDER BY customer, created DESC, id DESC) WHERE status = 'open' ORDER BY id"
    )
    assert [r[0] for r in cur.fetchall()] == expected


def test_between_symmetric_with_bounds_high_to_low(conn, sandbox):
    created = sorted(c["created"] for c in sandbox.dataset["charges"])
    lo, hi = created[len(created) // 4], created[len(created) // 2]
    expected = sum(1 for c in created if lo <= c <= hi)
    cur = conn.cursor()
    cur.execute(
        "SELECT count(*) FROM charges WHERE created BETWEEN SYMMETRIC ? AND ?", [hi, lo]
    )
    assert cur.fetchone() == (expected,)


def test_date_trunc_against_an_offset_literal_keeps_every_row(conn, sandbox):
    created = sorted(c["created"] for c in sandbox.dataset["charges"])
    middle = dt.datetime.fromtimestamp(created[len(created) // 2], tz=dt.timezone.utc)
    # Midnight at +02:00 of that UTC day: 22:00 UTC the day before.
    bound = middle.replace(hour=0, minute=0, second=0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    utc_bound = bound.astimezone(dt.timezone.utc)

    def day(seconds: int) -> dt.datetime:
        t = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        return t.replace(hour=0, minute=0, second=0)

    expected = sum(1 for c in created if day(c) > utc_bound)
    cur = conn.cursor()
    cur.execute(
        f"SELECT count(*) FROM charges WHERE date_trunc('day', created) > "
        f"TIMESTAMPTZ '{bound.isoformat(sep=' ')}'"
    )
    assert cur.fetchone() == (expected,)


def test_two_in_lists_one_on_a_filter_only_column(conn, sandbox):
    related = sandbox.dataset.relations["invoices"]  # subscription is a filter-only column
    invoices = [
        {**i, "subscription": related[i["id"]]["subscription"]}
        for i in sandbox.dataset["invoices"]
        if related.get(i["id"], {}).get("subscription")
    ]
    pairs = list(dict.fromkeys((i["customer"], i["subscription"]) for i in invoices))[:2]
    customers = [c for c, _ in pairs]
    subscriptions = [s for _, s in pairs]
    expected = sorted(
        i["id"] for i in invoices if i["customer"] in customers and i["subscription"] in subscriptions
    )
    cur = conn.cursor()
    cur.execute(
        "SELECT id, subscription FROM invoices WHERE customer IN (?, ?) AND subscription IN (?, ?) "
        "ORDER BY id",
        [*customers, *subscriptions],
    )
    rows = cur.fetchall()
    assert [r[0] for r in rows] == expected and expected
    assert all(r[1] in subscriptions for r in rows)


def test_a_subscription_with_two_of_the_prices_counts_under_each(conn, sandbox):
    items = _items_by_subscription(sandbox)
    counts = Counter(_price_id(i) for sub in items.values() for i in {_price_id(x): x for x in sub}.values())
    both = next(
        (sub for sub in items.values() if len({_price_id(i) for i in sub}) >= 2), None
    )
    prices = (
        sorted({_price_id(i) for i in both})[:2] if both else [p for p, _ in counts.most_common(2)]
    )
    cur = conn.cursor()
    cur.execute(
        "SELECT price, count(*) FROM subscriptions WHERE price IN (?, ?) GROUP BY price ORDER BY price",
        prices,
    )
    assert cur.fetchall() == [(p, counts[p]) for p in sorted(prices)]


def test_a_tautological_or_keeps_its_column(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM customers WHERE email IS NULL OR email IS NOT NULL")
    assert cur.fetchone() == (len(sandbox.dataset["customers"]),)


def test_select_star_exclude_reads_the_excluded_column_it_needs(conn):
    cur = conn.cursor()
    cur.execute("SELECT * EXCLUDE (metadata) FROM charges LIMIT 3")
    names = [d[0] for d in cur.description]
    assert "metadata" not in names and "amount" in names
    assert len(cur.fetchall()) == 3


def test_integers_against_a_users_own_created_column_stay_integers(conn, sandbox):
    created = sorted(c["created"] for c in sandbox.dataset["charges"])
    middle = created[len(created) // 2]
    cur = conn.cursor()
    cur.execute(
        "WITH x AS (SELECT CAST(epoch(created) AS BIGINT) AS created FROM charges) "
        f"SELECT count(*) FROM x WHERE created > {middle}"
    )
    assert cur.fetchone() == (sum(1 for c in created if c > middle),)


def test_group_by_the_filter_only_parent_key_a_fan_out_fills(conn, sandbox):
    # products_features.product is not a field of a feature: the fan-out fills it.
    cur = conn.cursor()
    cur.execute("SELECT product, count(*) FROM products_features GROUP BY 1 ORDER BY 1")
    rows = cur.fetchall()
    cur.execute("SELECT count(*) FROM products_features")
    assert rows and all(product for product, _ in rows)
    assert sum(n for _, n in rows) == cur.fetchone()[0]


def test_a_comparison_with_null_sends_nothing(conn, sandbox):
    before = len(api_requests(sandbox))
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers WHERE email = NULL")
    assert cur.fetchall() == []
    assert len(api_requests(sandbox)) == before


def test_child_ids_unique_only_within_their_parent_are_one_row_per_parent(conn, sandbox):
    # Stripe's capability ids are names (`card_payments`, `transfers`) shared by every
    # account: a fan-out over accounts must keep each account's own.
    capabilities = sandbox.dataset["accounts_capabilities"]
    assert len({c["id"] for c in capabilities}) < len(capabilities)
    cur = conn.cursor()
    cur.execute("SELECT account, id FROM accounts_capabilities ORDER BY 1, 2")
    assert cur.fetchall() == sorted((c["account"], c["id"]) for c in capabilities)


def test_an_includable_column_read_through_search_is_expanded(sandbox):
    # Since API 2020-08-27 `customers.subscriptions` is returned only when expanded: the
    # search call must ask for it as the list call does, or every row would read NULL.
    tagged = [c for c in sandbox.dataset["customers"] if (c.get("metadata") or {}).get("plan")]
    plan = tagged[0]["metadata"]["plan"]
    with stripe_dbapi.connect(sandbox.dsn + ";UseSearch=true") as conn:
        cur = conn.cursor()
        cur.execute("SELECT id, subscriptions FROM customers WHERE metadata->>'plan' = ?", [plan])
        rows = cur.fetchall()
        assert cur.plan.scans[0].calls[0].kind == "search"
    expected = {c["id"] for c in tagged if c["metadata"]["plan"] == plan}
    assert {r[0] for r in rows} == expected
    assert all(r[1] is not None for r in rows)


def test_a_sliceable_list_under_a_missing_parent_is_no_rows(conn):
    # The call is read in created slices after its first page; its first request's 404
    # `resource_missing` still means "no such customer": no rows (the fuzzer found it).
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM customers_balance_transactions WHERE customer = 'cus_nobody'")
    assert cur.fetchone() == (0,)
    assert cur.plan.scans[0].calls[0].slice == "created"
