"""The one retry loop: what is retried, how long it waits, when it gives up, what it raises.

Each test scripts a real HTTP server on 127.0.0.1 and drives StripeClient.get through a
FastClient (millisecond backoff, jitter pinned), so the whole module runs in about a second.
"""

from __future__ import annotations

import time

import pytest
from reliability_helpers import ACCOUNT, Reply, fast_client, stripe_error

from stripe_dbapi.client import StripeClient
from stripe_dbapi.exceptions import OperationalError, ProgrammingError

OK = Reply(200, {"object": "list", "data": [], "has_more": False})


def then_ok(*first: Reply):
    """A script answering `first` in order, then 200 for every later request."""

    def script(path, params, n):
        return first[n - 1] if n <= len(first) else OK

    return script


@pytest.mark.parametrize(
    "reply",
    [
        stripe_error(409, "Conflict: another request is in progress.", "lock_timeout"),
        stripe_error(429, "Too many requests.", "rate_limit"),
        stripe_error(500, "An unknown error occurred."),
        stripe_error(502, "Bad gateway."),
        stripe_error(503, "Service unavailable."),
        Reply(mode="drop"),
        Reply(502, "<html>Bad gateway</html>", content_type="text/html"),
        Reply(200, {"object": "list", "data": [], "has_more": False}, mode="truncate"),
    ],
    ids=["409", "429", "500", "502", "503", "reset", "html-502", "truncated"],
)
def test_transient_failures_are_retried_until_success(scripted, reply):
    server = scripted(then_ok(reply, reply))
    client = fast_client(server.url)
    assert client.get("/v1/customers") == OK.body
    assert len(server.seen) == 3
    assert client.request_count == 3


def test_a_read_timeout_is_retried(scripted):
    server = scripted(then_ok(Reply(mode="blackhole")))
    client = fast_client(server.url, timeout=0.3)
    assert client.get("/v1/customers") == OK.body
    assert len(server.seen) == 2


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [
        (400, ProgrammingError, "parameter_invalid_empty"),
        (401, OperationalError, None),
        (403, OperationalError, "account_invalid"),
        (404, ProgrammingError, "resource_missing"),
    ],
)
def test_client_errors_are_not_retried_and_keep_stripe_s_details(scripted, status, cls, code):
    server = scripted(then_ok(stripe_error(status, f"Stripe says {status}.", code)))
    client = fast_client(server.url)
    with pytest.raises(cls) as caught:
        client.get("/v1/customers", [("email", "a@b.c")])
    assert len(server.seen) == 1
    err = caught.value
    assert (err.http_status, err.code, err.request_id) == (
        status,
        code or "invalid_request_error",
        f"req_scripted{status}",
    )
    assert str(err) == (
        f"Stripe answered {status} to GET /v1/customers: Stripe says {status}. "
        f"(code {code or 'invalid_request_error'}; request id req_scripted{status})"
    )


def test_stripe_should_retry_false_wins_over_a_5xx(scripted):
    server = scripted(
        then_ok(stripe_error(500, "Do not retry.", **{"Stripe-Should-Retry": "false"}))
    )
    with pytest.raises(OperationalError, match="Do not retry"):
        fast_client(server.url).get("/v1/customers")
    assert len(server.seen) == 1


def test_stripe_should_retry_true_wins_over_a_4xx(scripted):
    reply = stripe_error(400, "Try again.", "idempotency_error", **{"Stripe-Should-Retry": "true"})
    server = scripted(then_ok(reply))
    assert fast_client(server.url).get("/v1/customers") == OK.body
    assert len(server.seen) == 2


def test_max_retries_bounds_the_attempts_and_the_error_says_so(scripted):
    server = scripted(lambda path, params, n: stripe_error(500, "Still broken."))
    client = fast_client(server.url, max_retries=2)
    with pytest.raises(OperationalError) as caught:
        client.get("/v1/charges")
    assert len(server.seen) == 3
    assert str(caught.value) == (
        "Stripe answered 500 to GET /v1/charges: Still broken. "
        "(code invalid_request_error; request id req_scripted500); gave up after 3 attempts"
    )
    assert caught.value.request_id == "req_scripted500"


def test_max_retries_zero_means_one_attempt(scripted):
    server = scripted(lambda path, params, n: Reply(mode="drop"))
    with pytest.raises(OperationalError, match="connection closed by the server"):
        fast_client(server.url, max_retries=0).get("/v1/charges")
    assert len(server.seen) == 1


def test_backoff_is_exponential_and_capped(scripted):
    server = scripted(lambda path, params, n: stripe_error(503, "Down."))
    client = fast_client(server.url, max_retries=6)
    with pytest.raises(OperationalError):
        client.get("/v1/charges")
    assert client.sleeps == [0.001, 0.002, 0.004, 0.008, 0.01, 0.01]


def test_concurrency_rate_limits_back_off_harder_than_rate_limits(scripted):
    def script(path, params, n):
        reason = "concurrency" if path.endswith("concurrent") else "global-rate"
        if n % 2:
            return stripe_error(
                429, "Slow down.", "rate_limit", **{"Stripe-Rate-Limited-Reason": reason}
            )
        return OK

    server = scripted(script)
    client = fast_client(server.url)
    client.get("/v1/rate")
    client.get("/v1/concurrent")
    assert client.sleeps == [0.002, 0.004]


def test_default_backoff_constants_follow_stripe_python():
    class Pinned(StripeClient):
        def _jitter(self, delay: float) -> float:
            return delay

    client = Pinned("http://127.0.0.1:9", ApiKey(), api_version="x")
    assert [client._sleep_time(a, None) for a in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_keeps_between_half_and_all_of_the_delay():
    client = StripeClient("http://127.0.0.1:9", ApiKey(), api_version="x")
    waits = [client._jitter(2.0) for _ in range(200)]
    assert all(1.0 <= w <= 2.0 for w in waits)
    assert len(set(waits)) > 100


def test_retry_after_is_honoured_up_to_max_delay(scripted):
    def script(path, params, n):
        if n == 1:
            return stripe_error(429, "Wait.", "rate_limit", **{"Retry-After": "0.008"})
        if n == 2:
            return stripe_error(429, "Wait.", "rate_limit", **{"Retry-After": "3600"})
        return OK

    client = fast_client(scripted(script).url)
    client.get("/v1/charges")
    assert client.sleeps == [0.008, 0.01]


def test_the_deadline_stops_retrying_whatever_max_retries_says(scripted):
    server = scripted(lambda path, params, n: stripe_error(503, "Down."))
    client = fast_client(server.url, max_retries=10_000, deadline=0.3)
    t0 = time.monotonic()
    with pytest.raises(OperationalError, match="gave up after"):
        client.get("/v1/charges")
    assert 0.25 <= time.monotonic() - t0 < 1.0
    assert 3 < len(server.seen) < 10_000


def test_the_deadline_caps_a_single_slow_attempt(scripted):
    server = scripted(lambda path, params, n: Reply(mode="blackhole"))
    client = fast_client(server.url, timeout=30, deadline=0.4)
    t0 = time.monotonic()
    with pytest.raises(OperationalError, match="did not answer GET /v1/charges"):
        client.get("/v1/charges")
    assert time.monotonic() - t0 < 1.5


def test_the_default_deadline_covers_every_attempt_plus_backoff():
    client = StripeClient(
        "http://127.0.0.1:9", ApiKey(), api_version="x", timeout=10, max_retries=2
    )
    assert client.deadline == 10 * 3 + 30


class ApiKey:
    """Credentials that never renew."""

    secrets: tuple[str, ...] = ()
    account_id: str | None = None
    livemode: bool | None = None

    def authorization(self) -> str:
        return "Bearer sk_test_x"

    def renew(self, rejected: str) -> bool:
        return False


def test_a_401_with_renewable_credentials_is_retried_once_with_the_new_token(scripted):
    class Renewing(ApiKey):
        token = "Bearer old"

        def authorization(self) -> str:
            return self.token

        def renew(self, rejected: str) -> bool:
            self.token = "Bearer new"
            return True

    def script(path, params, n):
        return stripe_error(401, "Expired.") if n == 1 else OK

    server = scripted(script)
    client = StripeClient(server.url, Renewing(), api_version="x")
    assert client.get("/v1/charges") == OK.body
    assert [s.authorization for s in server.seen] == ["Bearer old", "Bearer new"]


def test_the_account_check_maps_a_rejected_key_to_connection_unavailable(scripted):
    from reliability_helpers import fast_connect

    server = scripted(
        lambda path, params, n: stripe_error(401, "Invalid API Key provided: sk_test_****0000")
    )
    with pytest.raises(OperationalError) as caught:
        fast_connect(server.dsn())
    assert str(caught.value).startswith(
        "Connection unavailable: the credentials were rejected by Stripe — Stripe answered 401"
    )
    assert caught.value.request_id == "req_scripted401"
    assert len(server.seen) == 1


def test_account_reply_is_used(scripted):
    from reliability_helpers import fast_connect

    server = scripted(lambda path, params, n: ACCOUNT)
    with fast_connect(server.dsn()) as conn:
        assert conn.auth_info.account_id == "acct_scripted"
