"""The generated data set: size, determinism, referential consistency, realism."""

from __future__ import annotations

import json
import re

import pytest

from stripe_dbapi.sandbox.data import NOW, generate
from stripe_dbapi.sandbox.templates import fixture

CORE = {
    "customers": "customer",
    "charges": "charge",
    "invoices": "invoice",
    "subscriptions": "subscription",
    "prices": "price",
    "products": "product",
    "payment_intents": "payment_intent",
    "refunds": "refund",
}


@pytest.fixture(scope="module")
def ds():
    return generate(0, 1.0)


def test_scale_one_has_the_promised_volumes(ds) -> None:
    assert len(ds["customers"]) >= 1000
    assert len(ds["charges"]) >= 5000
    for name in (
        "payment_intents",
        "refunds",
        "balance_transactions",
        "products",
        "prices",
        "subscriptions",
        "subscription_items",
        "invoices",
        "invoices_lines",
        "invoiceitems",
        "coupons",
        "promotion_codes",
        "disputes",
        "payouts",
        "events",
    ):
        assert ds[name], name
    assert {s["status"] for s in ds["subscriptions"]} >= {"active", "canceled"}
    assert any(i["lines"]["total_count"] > 10 for i in ds["invoices"])
    lists = [t.name for t in ds.catalog if t.single is None]
    assert all(ds[name] for name in lists), [name for name in lists if not ds[name]]
    singles = {t.object for t in ds.catalog if t.single is not None}
    assert set(ds.singles) == singles == {"account", "balance"}
    assert ds.singles["balance"]["available"] and ds.singles["balance"]["pending"]


def test_generation_is_cached_per_seed_and_scale(ds) -> None:
    assert generate(0, 1.0) is ds
    assert generate(0, 0.1) is not ds


def test_same_seed_gives_the_same_data_and_another_seed_other_data() -> None:
    from stripe_dbapi.sandbox import data

    cached = generate(0, 0.2)
    fresh = data._build(cached.catalog, 0, 0.2)
    assert list(fresh) == list(cached)
    for name in fresh:
        assert json.dumps(fresh[name], sort_keys=True) == json.dumps(
            cached[name], sort_keys=True
        ), name
    assert json.dumps(fresh.relations, sort_keys=True) == json.dumps(
        cached.relations, sort_keys=True
    )
    other = generate(1, 0.2)
    assert [c["id"] for c in other["customers"][:5]] != [c["id"] for c in cached["customers"][:5]]


def test_times_are_anchored_and_spread_over_two_years(ds) -> None:
    created = [c["created"] for c in ds["charges"]]
    assert max(created) < NOW
    assert min(created) >= NOW - 2 * 366 * 86400
    recent = sum(1 for t in created if t > NOW - 180 * 86400)
    assert recent > len(created) * 0.4  # denser recently
    assert len(set(created)) < len(created)  # many share a second


def test_references_point_at_objects_that_exist(ds) -> None:
    customers = {c["id"] for c in ds["customers"]}
    charges = {c["id"]: c for c in ds["charges"]}
    subs = {s["id"] for s in ds["subscriptions"]}
    assert all(c["customer"] in customers for c in ds["charges"] if c["customer"])
    assert all(r["charge"] in charges for r in ds["refunds"])
    assert all(r["amount"] <= charges[r["charge"]]["amount"] for r in ds["refunds"])
    assert all(d["charge"] in charges for d in ds["disputes"])
    assert all(i["subscription"] in subs for i in ds["subscription_items"])
    assert all(i["customer"] in customers for i in ds["invoices"])
    pis = {p["id"] for p in ds["payment_intents"]}
    assert all(c["payment_intent"] in pis for c in ds["charges"])
    txns = {t["id"] for t in ds["balance_transactions"]}
    assert all(
        c["balance_transaction"] in txns for c in ds["charges"] if c["status"] == "succeeded"
    )
    prices = {p["id"] for p in ds["prices"]}
    products = {p["id"] for p in ds["products"]}
    assert all(p["product"] in products for p in ds["prices"])
    assert all(p["default_price"] in prices for p in ds["products"])


def test_invoice_lines_add_up_to_the_invoice(ds) -> None:
    for invoice in ds["invoices"]:
        lines = ds.collection("invoices_lines", invoice["id"])
        assert lines is not None
        assert sum(line["amount"] for line in lines.rows) == invoice["subtotal"] == invoice["total"]
        assert invoice["amount_remaining"] == (
            0 if invoice["status"] == "void" else invoice["amount_due"] - invoice["amount_paid"]
        )
        assert len(lines.rows) == invoice["lines"]["total_count"]


@pytest.mark.parametrize(("table", "object_type"), sorted(CORE.items()))
def test_core_objects_carry_the_fixture_fields(ds, table: str, object_type: str) -> None:
    expected = set(fixture(object_type))
    for row in ds[table][:50]:
        assert len(expected & set(row)) >= 0.9 * len(expected), set(expected) - set(row)
        assert row["object"] == object_type


def test_ids_look_like_stripes(ds) -> None:
    assert all(re.fullmatch(r"cus_[A-Za-z0-9]{14}", c["id"]) for c in ds["customers"])
    assert all(re.fullmatch(r"ch_3[A-Za-z0-9]{23}", c["id"]) for c in ds["charges"])
    assert all(re.fullmatch(r"sub_1[A-Za-z0-9]{23}", s["id"]) for s in ds["subscriptions"])


def test_metadata_is_worth_filtering_on(ds) -> None:
    plans = {c["metadata"]["plan"] for c in ds["customers"]}
    regions = {c["metadata"]["region"] for c in ds["customers"]}
    assert len(plans) >= 3 and len(regions) >= 3


def test_lists_are_sorted_newest_first_with_id_tie_break(ds) -> None:
    for name in ds:
        keys = [(r.get("created") or 0, r["id"]) for r in ds[name] if "created" in r]
        assert keys == sorted(keys, reverse=True), name
