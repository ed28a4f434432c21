"""The Search API: query language parser and the search endpoints."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_dbapi.sandbox import SandboxServer
from stripe_dbapi.sandbox.search_query import SearchSyntaxError, parse


@pytest.mark.parametrize(
    ("query", "obj", "expected"),
    [
        ("email:'Ada@Example.com'", {"email": "ada@example.com"}, True),
        ("email~'example'", {"email": "ada@example.com"}, True),
        ("amount>1000", {"amount": 1500}, True),
        ("amount<=1000", {"amount": 1500}, False),
        ("-status:'active'", {"status": "canceled"}, True),
        ("email:null", {"email": None}, True),
        ("-email:null", {"email": None}, False),
        ("metadata['plan']:'pro'", {"metadata": {"plan": "pro"}}, True),
        ("metadata['plan']:'pro' AND amount>5", {"metadata": {"plan": "pro"}, "amount": 1}, False),
        ("metadata['plan']:'pro' OR amount>5", {"metadata": {"plan": "x"}, "amount": 9}, True),
        ("status:'active' currency:'usd'", {"status": "active", "currency": "eur"}, False),
        ("billing_details.email:'a@b.co'", {"billing_details": {"email": "a@b.co"}}, True),
    ],
)
def test_query_language_matches_like_stripe(query: str, obj: dict, expected: bool) -> None:
    assert parse(query).matches(obj) is expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "a:'x' AND b:'y' OR c:'z'",
            "Combining `AND` and `OR` in the same search query is not supported.",
        ),
        ("name~'ab'", "Substring search on `name` needs at least 3 characters, not 'ab'."),
        ("amount>", "Incomplete clause at the end of the search query 'amount>'."),
        (
            " OR ".join(f"a:'{i}'" for i in range(11)),
            "A search query may have at most 10 clauses, not 11.",
        ),
    ],
)
def test_invalid_queries_say_what_is_wrong(query: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError) as info:
        parse(query)
    assert str(info.value) == message


def test_search_by_metadata_pages_through_every_match(
    srv: SandboxServer, client: stripe.StripeClient
) -> None:
    expected = [c["id"] for c in srv.dataset["customers"] if c["metadata"]["plan"] == "pro"]
    result = client.v1.customers.search(params={"query": "metadata['plan']:'pro'", "limit": 100})
    got = [c.id for c in result.auto_paging_iter()]
    assert got == expected and len(got) > 100


def test_search_with_numbers_and_created(srv: SandboxServer, client: stripe.StripeClient) -> None:
    since = srv.dataset["charges"][300]["created"]
    query = f"amount>10000 AND created>={since} AND status:'succeeded'"
    got = [
        c.id
        for c in client.v1.charges.search(params={"query": query, "limit": 100}).auto_paging_iter()
    ]
    expected = [
        c["id"]
        for c in srv.dataset["charges"]
        if c["amount"] > 10000 and c["created"] >= since and c["status"] == "succeeded"
    ]
    assert got == expected and got


def test_search_response_shape_and_total_count(srv: SandboxServer, http: requests.Session) -> None:
    body = http.get(
        f"{srv.url}/v1/subscriptions/search",
        params={"query": "status:'canceled'", "limit": 5, "expand[]": "total_count"},
    ).json()
    assert body["object"] == "search_result"
    assert body["url"] == "/v1/subscriptions/search"
    assert body["total_count"] == sum(
        1 for s in srv.dataset["subscriptions"] if s["status"] == "canceled"
    )
    assert body["has_more"] is True and body["next_page"]
    nxt = http.get(
        f"{srv.url}/v1/subscriptions/search",
        params={"query": "status:'canceled'", "limit": 5, "page": body["next_page"]},
    ).json()
    assert not {s["id"] for s in nxt["data"]} & {s["id"] for s in body["data"]}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Missing required param: query."),
        (
            {"query": "nonsense:'x'"},
            "Field `nonsense` is an unsupported search field for resource `products`.",
        ),
        ({"query": "name:'x'", "page": "garbage"}, "Invalid page: garbage"),
    ],
)
def test_search_errors(
    srv: SandboxServer, http: requests.Session, params: dict, message: str
) -> None:
    r = http.get(f"{srv.url}/v1/products/search", params=params)
    assert r.status_code == 400
    assert r.json()["error"]["message"] == message
