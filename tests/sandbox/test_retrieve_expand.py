"""Retrieve by id, 404s, and expand[] on lists and single objects."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_dbapi.sandbox import SandboxServer


def test_retrieve_returns_the_object(srv: SandboxServer, client: stripe.StripeClient) -> None:
    customer = srv.dataset["customers"][42]
    got = client.v1.customers.retrieve(customer["id"])
    assert got.id == customer["id"] and got.email == customer["email"]
    assert got.metadata.to_dict() == customer["metadata"]


def test_retrieve_of_a_missing_id_is_stripes_404(
    srv: SandboxServer, http: requests.Session
) -> None:
    r = http.get(f"{srv.url}/v1/customers/cus_x")
    assert r.status_code == 404
    assert r.json() == {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": "No such customer: 'cus_x'",
            "param": "id",
        }
    }
    assert r.headers["Request-Id"].startswith("req_")


def test_sdk_raises_invalid_request_error_with_request_id_for_404(
    client: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.charges.retrieve("ch_missing")
    assert info.value.http_status == 404
    assert info.value.code == "resource_missing"
    assert (info.value.request_id or "").startswith("req_")


def test_retrieve_of_a_child_object_checks_its_parent(
    srv: SandboxServer, http: requests.Session
) -> None:
    name = "customers_payment_methods"
    parent, coll = next(iter(srv.dataset.children[name].items()))
    pm = coll.rows[0]
    ok = http.get(f"{srv.url}/v1/customers/{parent}/payment_methods/{pm['id']}")
    assert ok.status_code == 200 and ok.json()["id"] == pm["id"]
    other = (
        srv.dataset["customers"][0]["id"]
        if srv.dataset["customers"][0]["id"] != parent
        else srv.dataset["customers"][1]["id"]
    )
    assert http.get(f"{srv.url}/v1/customers/{other}/payment_methods/{pm['id']}").status_code == 404


def test_expand_on_a_list_replaces_ids_by_objects(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    page = client.v1.charges.list(
        params={"limit": 20, "expand": ["data.customer", "data.balance_transaction"]}
    )
    with_customer = [c for c in page.data if c.customer is not None]
    assert with_customer
    for charge in with_customer:
        assert isinstance(charge.customer, stripe.Customer)
        assert charge.customer.email
    assert any(isinstance(c.balance_transaction, stripe.BalanceTransaction) for c in page.data)


def test_expand_on_retrieve_and_nested_paths(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    refund = srv.dataset["refunds"][0]
    got = client.v1.refunds.retrieve(
        refund["id"], params={"expand": ["charge.customer", "payment_intent"]}
    )
    assert got.charge.id == refund["charge"]
    assert got.payment_intent.id == refund["payment_intent"]
    if got.charge.customer is not None:
        assert isinstance(got.charge.customer, stripe.Customer)
    # The data set itself is never modified by expansion.
    assert srv.dataset["refunds"][0]["charge"] == refund["charge"]
    assert isinstance(srv.dataset["refunds"][0]["charge"], str)


def test_expand_of_a_plain_field_is_a_400(srv: SandboxServer, http: requests.Session) -> None:
    r = http.get(f"{srv.url}/v1/customers", params={"expand[]": "data.email"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "This property cannot be expanded (email)."
    r = http.get(f"{srv.url}/v1/customers", params={"expand[]": "customer"})
    assert r.status_code == 400


def test_account_endpoint_and_stripe_account_header(
    srv: SandboxServer, http: requests.Session
) -> None:
    body = http.get(f"{srv.url}/v1/account").json()
    assert body["object"] == "account" and body["id"].startswith("acct_sandbox")
    other = http.get(f"{srv.url}/v1/account", headers={"Stripe-Account": "acct_1Other"}).json()
    assert other["id"] == "acct_1Other"
    bad = http.get(f"{srv.url}/v1/customers", headers={"Stripe-Account": "not-an-account"})
    assert bad.status_code == 403
    assert "does not have access to account 'not-an-account'" in bad.json()["error"]["message"]
    assert srv.api_key not in bad.text
