"""What localstripe cannot answer, pinned so the list in README.md stays true.

Each case is a query whose pushdown is right for Stripe (the sandbox and the cassettes in
tests/recorded test it) but which localstripe 1.15.10 rejects: the request the driver
plans (from EXPLAIN), localstripe's raw answer to exactly that request, and the PEP 249
error the driver turns it into. If localstripe grows the feature, the case fails here
and the query can move to test_localstripe_driver.py.
"""

from __future__ import annotations

import pytest
import requests
from localstripe_env import API_KEY, LocalStripe, Seeded

import stripe_dbapi

pytestmark = pytest.mark.localstripe

# (query, the request the driver plans, localstripe's status, the start of its body)
GAPS = [
    pytest.param(
        "SELECT id FROM charges WHERE created >= '2026-01-01'",
        "GET /v1/charges?created[gte]=1767225600&limit=100",
        500,
        "Not implemented",
        id="charges-created-gte",
    ),
    pytest.param(
        "SELECT id FROM charges WHERE created > '2026-01-01' AND created < '2030-01-01'",
        "GET /v1/charges?created[gt]=1767225600&created[lt]=1893456000&limit=100",
        400,
        "Bad request",
        id="charges-created-two-bounds",
    ),
    pytest.param(
        "SELECT id FROM customers WHERE created >= '2026-01-01'",
        "GET /v1/customers?created[gte]=1767225600&limit=100",
        400,
        "Unexpected created",
        id="customers-created",
    ),
    pytest.param(
        "SELECT id FROM charges WHERE payment_intent = 'pi_x'",
        "GET /v1/charges?payment_intent=pi_x&limit=100",
        500,
        "500 Internal Server Error",  # an unknown keyword argument: aiohttp's plain text
        id="charges-payment_intent",
    ),
    pytest.param(
        "SELECT id FROM invoices WHERE status = 'paid'",
        "GET /v1/invoices?status=paid&limit=100",
        500,
        "500 Internal Server Error",
        id="invoices-status",
    ),
    pytest.param(
        "SELECT id FROM subscriptions WHERE plan = 'plan_x'",
        "GET /v1/subscriptions?plan=plan_x&status=all&limit=100",
        500,
        "500 Internal Server Error",
        id="subscriptions-plan",
    ),
    pytest.param(
        "SELECT id FROM payment_intents WHERE customer = 'cus_x'",
        "GET /v1/payment_intents?customer=cus_x&limit=100",
        400,
        "Unexpected customer",
        id="payment_intents-customer",
    ),
    pytest.param(
        "SELECT id FROM subscription_items WHERE subscription = 'sub_x'",
        "GET /v1/subscription_items?subscription=sub_x&limit=100",
        400,
        "Unexpected subscription",
        id="subscription_items-subscription",
    ),
    pytest.param(
        # (a plain SELECT reads prices as two calls, active=true and active=false)
        "SELECT id FROM prices WHERE active = true",
        "GET /v1/prices?active=true&limit=100",
        404,
        "404: Not Found",
        id="no-prices",
    ),
]


def _raw(localstripe: LocalStripe, request: str) -> requests.Response:
    method, path = request.split(" ", 1)
    return requests.request(
        method, localstripe.url + path, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    )


@pytest.mark.parametrize(("sql", "request_line", "status", "body"), GAPS)
def test_localstripe_rejects_a_request_the_driver_rightly_sends(
    localstripe: LocalStripe,
    seeded: Seeded,
    sql: str,
    request_line: str,
    status: int,
    body: str,
) -> None:
    with stripe_dbapi.connect(localstripe.dsn) as conn:
        cur = conn.cursor()
        cur.execute("EXPLAIN " + sql)
        assert [r[2] for r in cur.fetchall() if str(r[0]).startswith("scan")] == [request_line]
        answer = _raw(localstripe, request_line)
        assert answer.status_code == status
        assert body in answer.text
        with pytest.raises(stripe_dbapi.DatabaseError) as caught:
            cur.execute(sql)
            cur.fetchall()
        assert f"Stripe answered {status} to GET {request_line.split()[1].split('?')[0]}" in str(
            caught.value
        )


def test_localstripe_has_no_account_endpoint_and_connect_still_checks_the_key(
    localstripe: LocalStripe,
) -> None:
    """Stock localstripe answers `GET /v1/account` with aiohttp's plain-text 404; connect()
    then proves the key with a list every account can read."""
    answer = _raw(localstripe, "GET /v1/account")
    assert (answer.status_code, answer.text) == (404, "404: Not Found")
    assert answer.headers["Content-Type"].startswith("text/plain")
    with stripe_dbapi.connect(localstripe.dsn) as conn:
        assert conn.request_count == 2
