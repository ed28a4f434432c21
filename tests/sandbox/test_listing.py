"""Lists: order, cursors, filters and scan defaults, through stripe-python and raw HTTP."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_dbapi.sandbox import SandboxServer


def _page_all(http: requests.Session, url: str, **params: object) -> list[dict]:
    out: list[dict] = []
    query = {"limit": 100, **params}
    while True:
        body = http.get(url, params=query).json()
        out.extend(body["data"])
        if not body["has_more"]:
            return out
        query["starting_after"] = body["data"][-1]["id"]


def test_auto_paging_returns_every_customer_once_newest_first(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    got = [c.id for c in client.v1.customers.list(params={"limit": 100}).auto_paging_iter()]
    assert got == [c["id"] for c in srv.dataset["customers"]]
    assert len(got) == len(set(got)) >= 1000
    created = [c["created"] for c in srv.dataset["customers"]]
    assert created == sorted(created, reverse=True)


def test_paging_is_exact_across_objects_sharing_a_created_second(
    srv: SandboxServer, http: requests.Session
) -> None:
    charges = srv.dataset["charges"]
    tied = next(
        i for i in range(len(charges) - 2) if charges[i]["created"] == charges[i + 2]["created"]
    )
    second = charges[tied]["created"]
    expected = [c["id"] for c in charges if c["created"] == second]
    got = _page_all(http, f"{srv.url}/v1/charges", **{"created": second, "limit": 1})
    assert [c["id"] for c in got] == expected
    assert len(expected) >= 3


def test_all_charges_page_through_exactly_once(srv: SandboxServer, http: requests.Session) -> None:
    got = _page_all(http, f"{srv.url}/v1/charges")
    assert [c["id"] for c in got] == [c["id"] for c in srv.dataset["charges"]]
    assert len(got) >= 5000


def test_created_range_filters_keep_rows_inside_the_bounds(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    rows = srv.dataset["charges"]
    lo, hi = rows[600]["created"], rows[200]["created"]
    got = list(
        client.v1.charges.list(
            params={"created": {"gte": lo, "lt": hi}, "limit": 100}
        ).auto_paging_iter()
    )
    expected = [r["id"] for r in rows if lo <= r["created"] < hi]
    assert [c.id for c in got] == expected
    gt = [
        c.id
        for c in client.v1.charges.list(
            params={"created": {"gt": lo, "lte": hi}, "limit": 100}
        ).auto_paging_iter()
    ]
    assert gt == [r["id"] for r in rows if lo < r["created"] <= hi]


def test_ending_before_returns_the_page_just_newer_than_the_cursor(
    srv: SandboxServer, http: requests.Session
) -> None:
    ids = [c["id"] for c in srv.dataset["customers"]]
    body = http.get(
        f"{srv.url}/v1/customers", params={"ending_before": ids[25], "limit": 10}
    ).json()
    assert [c["id"] for c in body["data"]] == ids[15:25]
    assert body["has_more"] is True
    first = http.get(
        f"{srv.url}/v1/customers", params={"ending_before": ids[5], "limit": 10}
    ).json()
    assert [c["id"] for c in first["data"]] == ids[:5]
    assert first["has_more"] is False


def test_ending_before_auto_paging_walks_back_to_the_newest(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    ids = [c["id"] for c in srv.dataset["customers"]]
    got = [
        c.id
        for c in client.v1.customers.list(
            params={"ending_before": ids[250], "limit": 100}
        ).auto_paging_iter()
    ]
    assert sorted(got) == sorted(ids[:250])


def test_equality_filter_on_a_column(srv: SandboxServer, client: stripe.StripeClient) -> None:
    customer = next(c["customer"] for c in srv.dataset["charges"] if c["customer"])
    got = [
        c.customer
        for c in client.v1.charges.list(
            params={"customer": customer, "limit": 100}
        ).auto_paging_iter()
    ]
    assert got and set(got) == {customer}
    assert len(got) == sum(1 for c in srv.dataset["charges"] if c["customer"] == customer)


def test_filter_only_parameter_follows_the_generated_relationship(
    srv: SandboxServer, http: requests.Session
) -> None:
    sub = next(s for s in srv.dataset["subscriptions"] if s["latest_invoice"])
    invoices = _page_all(http, f"{srv.url}/v1/invoices", subscription=sub["id"])
    assert invoices and sub["latest_invoice"] in {i["id"] for i in invoices}
    assert all(i["parent"]["subscription_details"]["subscription"] == sub["id"] for i in invoices)
    payout = srv.dataset["payouts"][5]
    txns = _page_all(http, f"{srv.url}/v1/balance_transactions", payout=payout["id"])
    assert sum(t["net"] for t in txns) == 0  # the payout's own debit balances what it swept


def test_subscriptions_hide_canceled_unless_a_status_is_given(
    srv: SandboxServer, http: requests.Session
) -> None:
    rows = srv.dataset["subscriptions"]
    default = _page_all(http, f"{srv.url}/v1/subscriptions")
    assert {s["status"] for s in default} == {s["status"] for s in rows} - {"canceled"}
    everything = _page_all(http, f"{srv.url}/v1/subscriptions", status="all")
    assert len(everything) == len(rows)
    canceled = _page_all(http, f"{srv.url}/v1/subscriptions", status="canceled")
    assert canceled and all(s["status"] == "canceled" for s in canceled)
    ended = _page_all(http, f"{srv.url}/v1/subscriptions", status="ended")
    assert {s["status"] for s in ended} <= {"canceled", "incomplete_expired"}


def test_child_list_pages_an_invoices_lines_beyond_the_embedded_ten(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    invoice = next(i for i in srv.dataset["invoices"] if i["lines"]["has_more"])
    lines = list(
        client.v1.invoices.line_items.list(invoice["id"], params={"limit": 4}).auto_paging_iter()
    )
    assert len(lines) == invoice["lines"]["total_count"] > 10
    assert sum(line.amount for line in lines) == invoice["subtotal"]


def test_query_parameter_parent_is_required(srv: SandboxServer, http: requests.Session) -> None:
    r = http.get(f"{srv.url}/v1/subscription_items")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Missing required param: subscription."
    sub = srv.dataset["subscriptions"][0]
    items = http.get(f"{srv.url}/v1/subscription_items", params={"subscription": sub["id"]}).json()
    assert [i["id"] for i in items["data"]] == sorted(
        (i["id"] for i in sub["items"]["data"]), reverse=True
    )
    assert items["url"] == "/v1/subscription_items"


def test_every_catalog_table_answers_its_list_endpoint_with_rows(
    srv: SandboxServer, http: requests.Session
) -> None:
    empty = []
    for name in srv.dataset:
        if srv.dataset.catalog.tables[name].single is not None:
            continue  # one object, not a list: test_single_objects.py
        example = srv.dataset.example_params(name)
        assert example is not None, name
        path, params = example
        r = http.get(srv.url + path, params=params)
        if r.status_code != 200 or not r.json()["data"]:
            empty.append((name, r.status_code))
    assert empty == []
    assert len(srv.dataset) == len(srv.dataset.catalog) >= 100


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "101"}, "Invalid limit: must be between 1 and 100"),
        ({"limit": "0"}, "Invalid limit: must be between 1 and 100"),
        ({"limit": "ten"}, "Invalid integer: ten"),
        ({"foo": "1"}, "Received unknown parameter: foo"),
        ({"created[between]": "1"}, "Received unknown parameter: created[between]"),
        ({"created[gt]": "soon"}, "Invalid integer: soon"),
        ({"starting_after": "cus_missing00000"}, "No such customer: 'cus_missing00000'"),
    ],
)
def test_bad_list_parameters_are_400s_worded_like_stripe(
    srv: SandboxServer, http: requests.Session, query: dict[str, str], message: str
) -> None:
    r = http.get(f"{srv.url}/v1/customers", params=query)
    assert r.status_code in (400, 404)
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == message


def test_sdk_raises_invalid_request_error_for_limit_101(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.customers.list(params={"limit": 101})
    assert info.value.http_status == 400
    assert info.value.param == "limit"


def test_filters_on_fields_that_moved_off_the_object_use_relationships(
    srv: SandboxServer, http: requests.Session
) -> None:
    sub = next(s for s in srv.dataset["subscriptions"] if s["status"] == "active")
    price = sub["items"]["data"][0]["price"]["id"]
    subs = _page_all(http, f"{srv.url}/v1/subscriptions", price=price, status="all")
    assert sub["id"] in {s["id"] for s in subs}
    assert all(price in {i["price"]["id"] for i in s["items"]["data"]} for s in subs)
    items = srv.dataset["invoiceitems"]
    assert "created" not in items[0]  # invoice items have `date`, not `created`
    since = items[100]["date"]
    got = _page_all(http, f"{srv.url}/v1/invoiceitems", **{"created[gte]": since})
    assert [i["id"] for i in got] == [i["id"] for i in items if i["date"] >= since]
