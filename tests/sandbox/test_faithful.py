"""Stripe behaviour the catalog records as data, judged through stripe-python (issue #13).

Each case is a documented Stripe behaviour: pending invoice items, the invoices search
fields, prices' active-only default, case-insensitive promotion codes, event type
wildcards, capability names as ids, includable fields, deleted objects, lists that take no
`limit`, and values a list parameter does not accept.
"""

from __future__ import annotations

import pytest
import stripe

from stripe_dbapi.sandbox import SandboxServer


def _all(page: stripe.ListObject) -> list:  # type: ignore[type-arg]
    return list(page.auto_paging_iter())


def test_pending_invoice_items_are_those_not_on_an_invoice(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    items = srv.dataset["invoiceitems"]
    pending = _all(client.v1.invoice_items.list(params={"pending": True, "limit": 100}))
    attached = _all(client.v1.invoice_items.list(params={"pending": False, "limit": 100}))
    assert [i.id for i in pending] == [i["id"] for i in items if i["invoice"] is None]
    assert [i.id for i in attached] == [i["id"] for i in items if i["invoice"] is not None]
    assert len(pending) >= 20 and all(i.invoice is None for i in pending)


def test_invoice_search_takes_the_documented_fields_only(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    sub = next(s for s in srv.dataset["subscriptions"] if s["latest_invoice"])
    found = client.v1.invoices.search(params={"query": f"subscription:'{sub['id']}'"})
    assert sub["latest_invoice"] in {i.id for i in found.data}
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.invoices.search(params={"query": "description:'x'"})
    assert str(info.value.user_message).startswith(
        "Field `description` is an unsupported search field for resource `invoices`."
    )


def test_prices_list_active_prices_unless_active_is_given(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    prices = srv.dataset["prices"]
    plain = {p.id for p in _all(client.v1.prices.list(params={"limit": 100}))}
    inactive = {p.id for p in _all(client.v1.prices.list(params={"active": False, "limit": 100}))}
    assert plain == {p["id"] for p in prices if p["active"]}
    assert inactive == {p["id"] for p in prices if not p["active"]} != set()


def test_promotion_code_filter_ignores_case(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    code = srv.dataset["promotion_codes"][0]
    got = client.v1.promotion_codes.list(params={"code": code["code"].lower()})
    assert [c.id for c in got.data] == [code["id"]]


def test_event_type_takes_a_wildcard(srv: SandboxServer, client: stripe.StripeClient) -> None:
    got = _all(client.v1.events.list(params={"type": "charge.*", "limit": 100}))
    expected = [e["id"] for e in srv.dataset["events"] if e["type"].startswith("charge.")]
    assert [e.id for e in got] == expected and expected


def test_capability_ids_are_the_capability_names_under_every_account(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    parents = list(srv.dataset.children["accounts_capabilities"])
    assert len(parents) >= 2
    for account in parents:
        caps = client.v1.accounts.capabilities.list(account)
        assert {c.id for c in caps.data} <= {"card_payments", "transfers"} and caps.data
        assert client.v1.accounts.capabilities.retrieve(account, caps.data[0].id).id == (
            caps.data[0].id
        )


def test_a_list_that_takes_no_limit_rejects_it(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    account = next(iter(srv.dataset.children["accounts_capabilities"]))
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.accounts.capabilities.list(account, params={"limit": 10})  # type: ignore[typeddict-unknown-key]
    assert info.value.code == "parameter_unknown" and info.value.http_status == 400
    types = client.v1.reporting.report_types.list()
    assert len(types.data) == len(srv.dataset["reporting_report_types"]) and not types.has_more


def test_a_value_the_list_does_not_accept_is_a_400(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.topups.list(params={"status": "reversed"})  # type: ignore[typeddict-item]
    assert info.value.http_status == 400 and info.value.param == "status"
    assert str(info.value.user_message).startswith("Invalid status: must be one of canceled")
    assert client.v1.topups.list(params={"status": "succeeded"}).object == "list"


def test_includable_fields_only_when_expanded(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    plain = client.v1.customers.list(params={"limit": 3}).data
    assert all("subscriptions" not in c and "tax_ids" not in c for c in plain)
    expanded = client.v1.customers.list(
        params={"limit": 3, "expand": ["data.subscriptions", "data.tax_ids"]}
    ).data
    assert all(c.subscriptions.object == "list" and "tax_ids" in c for c in expanded)
    one = srv.dataset["customers"][0]["id"]
    assert "sources" not in client.v1.customers.retrieve(one)
    got = client.v1.customers.retrieve(one, params={"expand": ["sources"]})
    assert got.sources.object == "list"


def test_deleted_objects_retrieve_as_stubs_and_are_not_listed(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    deleted = list(srv.dataset.deleted["customers"])
    assert deleted
    got = client.v1.customers.retrieve(deleted[0])
    assert (got.id, got.object, got.deleted) == (deleted[0], "customer", True)
    listed = {c.id for c in _all(client.v1.customers.list(params={"limit": 100}))}
    assert listed.isdisjoint(deleted)
