"""Issue #14: `Timeout` bounds each attempt's whole answer (headers and body, a byte a second
or not), the overall deadline bounds all attempts, redirects are refused and a decoded page
has a size cap; for the API client and the OAuth2 token request alike.
"""

from __future__ import annotations

import gzip
import json
import time

import pytest
from reliability_helpers import ACCOUNT, Reply, fast_client, fast_connect, stripe_error

import stripe_dbapi
from stripe_dbapi.client import StripeClient
from stripe_dbapi.oauth import TokenEndpoint, TokenEndpointError

ROWS = [
    {"id": f"cus_{i:04d}", "object": "customer", "created": 1_750_000_000 - i} for i in range(2)
]
LIST = {"object": "list", "data": ROWS, "has_more": False}
TOKEN = {"access_token": "sk_test_accesstoken0001", "token_type": "bearer", "livemode": False}
SECRET = "sk_test_platformsecret4242"


def _host(server) -> str:
    return server.url.removeprefix("http://")


# -- 5: the whole answer within Timeout ------------------------------------------------------


@pytest.mark.parametrize("mode", ["trickle", "trickle-body"])
def test_connect_to_a_server_sending_a_byte_at_a_time_ends_at_the_timeout(scripted, mode):
    server = scripted(lambda path, params, n: Reply(200, ACCOUNT.body, mode=mode, interval=0.05))
    t0 = time.monotonic()
    with pytest.raises(stripe_dbapi.OperationalError) as caught:
        stripe_dbapi.connect(server.dsn(Timeout=1, MaxRetries=0))
    assert time.monotonic() - t0 < 2.0
    assert str(caught.value) == (
        f"Connection unavailable: Stripe at {_host(server)} did not answer GET /v1/account "
        "within 1 s"
    )


def test_a_scan_against_a_slow_body_ends_at_timeout_per_attempt(scripted):
    def script(path, params, n):
        if path == "/v1/account":
            return ACCOUNT
        return Reply(200, LIST, mode="trickle-body", interval=0.05)

    server = scripted(script)
    with fast_connect(server.dsn(Timeout=1, MaxRetries=1)) as conn:
        t0 = time.monotonic()
        with pytest.raises(stripe_dbapi.OperationalError) as caught:
            conn.cursor().execute("SELECT id FROM customers").fetchall()
        assert time.monotonic() - t0 < 3.5  # two attempts of 1 s each, and a short backoff
    assert "did not answer GET /v1/customers within 1 s; gave up after 2 attempts" in str(
        caught.value
    )


def test_the_overall_deadline_bounds_all_attempts_together(scripted):
    server = scripted(lambda path, params, n: Reply(200, LIST, mode="trickle", interval=0.05))
    client = fast_client(server.url, timeout=1, max_retries=20, deadline=2.5)
    t0 = time.monotonic()
    with pytest.raises(stripe_dbapi.OperationalError, match="did not answer"):
        client.get("/v1/customers")
    assert time.monotonic() - t0 < 3.5
    assert len(server.seen) <= 4


def test_a_fast_answer_is_unaffected_and_the_connection_is_reused(scripted):
    server = scripted(lambda path, params, n: Reply(200, LIST))
    client = fast_client(server.url, timeout=1)
    for _ in range(3):
        assert client.get("/v1/customers")["data"] == ROWS
    assert client.request_count == 3


def test_the_token_request_ends_at_the_timeout(scripted):
    server = scripted(lambda path, params, n: Reply(200, TOKEN, mode="trickle", interval=0.05))
    endpoint = TokenEndpoint(server.url + "/oauth/token", SECRET, timeout=1)
    t0 = time.monotonic()
    with pytest.raises(TokenEndpointError) as caught:
        endpoint.refresh("rt_test_refresh00001")
    assert time.monotonic() - t0 < 2.0
    assert caught.value.reason == (
        f"the OAuth2 token endpoint at {_host(server)} did not answer within 1 s."
    )


def test_connect_with_oauth2_against_a_slow_token_endpoint_ends_at_the_timeout(scripted):
    server = scripted(lambda path, params, n: Reply(200, TOKEN, mode="trickle-body", interval=0.05))
    t0 = time.monotonic()
    with pytest.raises(stripe_dbapi.OperationalError, match="did not answer within 1 s"):
        stripe_dbapi.connect(
            AuthScheme="OAuth2",
            ClientSecret=SECRET,
            RefreshToken="rt_test_refresh00001",
            OAuthTokenUrl=server.url + "/oauth/token",
            ApiBase=server.url,
            Timeout=1,
            MaxRetries=0,
        )
    assert time.monotonic() - t0 < 2.0


# -- 11: redirects -----------------------------------------------------------------------


def test_a_redirect_from_the_api_base_is_an_error_not_another_endpoints_rows(scripted):
    where: dict[str, str] = {}

    def script(path, params, n):
        if path == "/v1/account":
            return ACCOUNT
        if path == "/v1/customers":
            return Reply(302, b"", {"Location": where["url"] + "/v1/elsewhere"})
        return Reply(200, LIST)

    server = scripted(script)
    where["url"] = server.url
    with fast_connect(server.dsn()) as conn:
        with pytest.raises(stripe_dbapi.OperationalError) as caught:
            conn.cursor().execute("SELECT id FROM customers").fetchall()
    assert str(caught.value) == (
        f"Stripe at {_host(server)} answered GET /v1/customers with a redirect (302 to "
        f"{_host(server)}); Stripe never redirects API calls, so check ApiBase."
    )
    assert "/v1/elsewhere" not in server.paths()


def test_a_redirect_of_the_token_request_is_refused_and_the_secret_not_resent(scripted):
    where: dict[str, str] = {}

    def script(path, params, n):
        if path == "/oauth/token":
            return Reply(307, b"", {"Location": where["url"] + "/collect"})
        return Reply(200, TOKEN)

    server = scripted(script)
    where["url"] = server.url
    with pytest.raises(TokenEndpointError) as caught:
        TokenEndpoint(server.url + "/oauth/token", SECRET, timeout=2).refresh("rt_test_r0000001")
    assert caught.value.reason == (
        f"the OAuth2 token endpoint at {_host(server)} answered with a redirect "
        f"(307 to {_host(server)}), which is never followed."
    )
    assert server.paths() == ["/oauth/token"]


# -- 12: a decoded page has a size cap ---------------------------------------------------------


def _bomb(size: int) -> bytes:
    """A valid JSON list page of about `size` bytes, gzipped to a few kilobytes."""
    pad = "a" * size
    return gzip.compress(
        json.dumps({"object": "list", "data": [], "has_more": False, "pad": pad}).encode()
    )


def test_a_page_that_inflates_past_the_cap_fails_cleanly(scripted, monkeypatch):
    monkeypatch.setattr(StripeClient, "MAX_PAGE_BYTES", 1 << 20, raising=False)
    body = _bomb(10 << 20)
    server = scripted(lambda path, params, n: Reply(200, body, {"Content-Encoding": "gzip"}))
    client = fast_client(server.url)
    with pytest.raises(stripe_dbapi.OperationalError) as caught:
        client.get("/v1/customers")
    assert str(caught.value) == (
        "Stripe's answer to GET /v1/customers is larger than 1 MB decoded; stopping rather "
        "than reading it."
    )
    assert len(server.seen) == 1  # not retried: the same answer would come again


def test_the_page_cap_is_64_mb_and_holds_against_a_gzip_bomb(scripted):
    assert StripeClient.MAX_PAGE_BYTES == 64 * 1024 * 1024
    body = _bomb(70 << 20)
    server = scripted(lambda path, params, n: Reply(200, body, {"Content-Encoding": "gzip"}))
    with pytest.raises(stripe_dbapi.OperationalError, match="larger than 64 MB decoded"):
        fast_client(server.url).get("/v1/customers")


def test_a_huge_token_answer_fails_cleanly(scripted):
    body = gzip.compress(json.dumps({**TOKEN, "pad": "a" * (4 << 20)}).encode())
    server = scripted(lambda path, params, n: Reply(200, body, {"Content-Encoding": "gzip"}))
    with pytest.raises(TokenEndpointError, match="larger than 1 MB decoded"):
        TokenEndpoint(server.url + "/oauth/token", SECRET, timeout=2).refresh("rt_test_r0000001")


def test_an_error_answer_is_still_read_and_reported(scripted):
    server = scripted(
        lambda path, params, n: stripe_error(400, "Invalid limit.", "parameter_invalid")
    )
    with pytest.raises(stripe_dbapi.ProgrammingError, match="Invalid limit"):
        fast_client(server.url).get("/v1/customers")
