"""The run-time keyed read's pure parts: the choice and the calls it makes (plan.KeyedFetch)."""

from __future__ import annotations

from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.query.plan import Call, KeyedFetch
from stripe_dbapi.query.planner import KEYED_MAX_CALLS, plan_query


def _keyed(*templates: Call, max_calls: int = 3) -> KeyedFetch:
    return KeyedFetch(0, "ch", "customer", "id", templates, max_calls, "c.id = ch.customer")


def test_the_choice_counts_calls_per_key() -> None:
    one = _keyed(Call("retrieve", "/v1/customers/{key}"))
    assert [one.chooses_keys(n) for n in (0, 3, 4)] == [True, True, False]
    two = _keyed(
        Call("list", "/v1/prices", (("product", "{key}"), ("active", "true"))),
        Call("list", "/v1/prices", (("product", "{key}"), ("active", "false"))),
    )
    assert two.chooses_keys(1) and not two.chooses_keys(2)


def test_keys_go_in_the_path_percent_encoded_once_each() -> None:
    keyed = _keyed(Call("retrieve", "/v1/customers/{key}"))
    calls = keyed.calls_for(["cus_b", "cus_a", "cus_b", "a/b"])
    assert calls is not None
    assert [c.path for c in calls] == [
        "/v1/customers/a%2Fb",
        "/v1/customers/cus_a",
        "/v1/customers/cus_b",
    ]


def test_a_key_that_names_no_object_has_no_call() -> None:
    keyed = _keyed(Call("list", "/v1/invoices/{key}/lines", (), filled=(("invoice", "{key}"),)))
    calls = keyed.calls_for(["", "..", "in_1"])
    assert calls is not None and [c.path for c in calls] == ["/v1/invoices/in_1/lines"]
    assert calls[0].filled == (("invoice", "in_1"),)


def test_an_empty_parameter_value_falls_back_to_the_scan() -> None:
    keyed = _keyed(Call("list", "/v1/charges", (("customer", "{key}"),)))
    assert keyed.calls_for(["", "cus_1"]) is None
    calls = keyed.calls_for(["cus_1"])
    assert calls is not None and calls[0].params == (("customer", "cus_1"),)


def test_no_keys_is_no_call() -> None:
    assert _keyed(Call("retrieve", "/v1/customers/{key}")).calls_for([]) == ()


def test_the_planner_offers_its_threshold() -> None:
    plan = plan_query(
        "SELECT c.email FROM charges ch JOIN customers c ON c.id = ch.customer "
        "WHERE ch.created >= '2026-06-01'",
        load_catalog(),
    )
    keyed = plan.scans[1].keyed
    assert keyed is not None and keyed.max_calls == KEYED_MAX_CALLS
    assert (keyed.source, keyed.source_column, keyed.column) == (0, "customer", "id")
    assert plan.scans[0].keyed is None
