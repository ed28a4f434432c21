"""Authentication, headers and the request log."""

from __future__ import annotations

import base64

import pytest
import requests
import stripe

from stripe_dbapi.sandbox import SandboxServer, start_sandbox
from stripe_dbapi.sandbox.server import mask_key


def test_bad_key_is_a_401_that_masks_the_key(srv: SandboxServer) -> None:
    key = "sk_test_short"
    r = requests.get(f"{srv.url}/v1/customers", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 401
    assert r.json()["error"] == {
        "type": "invalid_request_error",
        "message": "Invalid API Key provided: sk_test_*****",
    }
    live = "sk_live_0123456789abcdef"
    r = requests.get(f"{srv.url}/v1/customers", headers={"Authorization": f"Bearer {live}"})
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "Invalid API Key provided: sk_live_************cdef"
    assert live not in r.text


def test_missing_key_is_a_401(srv: SandboxServer) -> None:
    r = requests.get(f"{srv.url}/v1/customers")
    assert r.status_code == 401
    assert r.json()["error"]["message"].startswith("You did not provide an API key.")


def test_sdk_raises_authentication_error(srv: SandboxServer) -> None:
    bad = stripe.StripeClient("sk_test_bad", base_addresses={"api": srv.url})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.customers.list()


def test_basic_auth_and_restricted_keys_are_accepted(srv: SandboxServer) -> None:
    token = base64.b64encode(b"rk_test_abcdefgh12:").decode()
    r = requests.get(f"{srv.url}/v1/customers?limit=1", headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 200 and len(r.json()["data"]) == 1


def test_headers_on_every_response(srv: SandboxServer, http: requests.Session) -> None:
    r = http.get(f"{srv.url}/v1/customers?limit=1", headers={"Stripe-Version": "2024-06-20"})
    assert r.headers["Stripe-Version"] == "2024-06-20"
    assert r.headers["Request-Id"].startswith("req_")
    default = http.get(f"{srv.url}/v1/customers?limit=1")
    assert default.headers["Stripe-Version"] == srv.dataset.catalog.api_version


def test_server_started_with_a_key_accepts_only_that_key() -> None:
    with start_sandbox(api_key="sk_test_only_this_one") as srv:
        assert srv.api_key == "sk_test_only_this_one"
        assert srv.dsn == f"AuthScheme=APIKey;LiveAPIKey=sk_test_only_this_one;ApiBase={srv.url}"
        ok = requests.get(
            f"{srv.url}/v1/account", headers={"Authorization": "Bearer sk_test_only_this_one"}
        )
        other = requests.get(
            f"{srv.url}/v1/account", headers={"Authorization": "Bearer sk_test_someone_else"}
        )
        assert (ok.status_code, other.status_code) == (200, 401)


def test_request_log_records_method_path_params_and_status(
    srv: SandboxServer, http: requests.Session
) -> None:
    srv.reset_log()
    http.get(
        f"{srv.url}/v1/charges", params={"limit": 3, "created[gte]": 5, "expand[]": "data.customer"}
    )
    http.get(f"{srv.url}/v1/nowhere")
    log = srv.requests
    assert srv.request_count == 2
    assert [(e.method, e.path, e.status) for e in log] == [
        ("GET", "/v1/charges", 200),
        ("GET", "/v1/nowhere", 404),
    ]
    assert log[0].params == {"limit": "3", "created": {"gte": "5"}, "expand": ["data.customer"]}
    assert "created%5Bgte%5D=5" in log[0].query
    srv.reset_log()
    assert srv.requests == [] and srv.request_count == 0


def test_writes_are_refused(srv: SandboxServer, http: requests.Session) -> None:
    r = http.post(f"{srv.url}/v1/customers", data={"email": "x@example.com"})
    assert r.status_code == 400
    assert "read-only" in r.json()["error"]["message"]


def test_mask_key_never_shows_more_than_four_characters() -> None:
    assert mask_key("sk_test_abcdefghijkl") == "sk_test_********ijkl"
    assert mask_key("secret") == "******"
