"""Issue #14: shapes validated whole (no `$` before a final newline), http only to loopback,
secrets without a mode in their prefix redacted, server-supplied ids and codes checked.
"""

from __future__ import annotations

import logging

import pytest

import stripe_dbapi
from stripe_dbapi import connstr, profiles, redact
from stripe_dbapi.redact import Redactor, redact_tokens

KEY = "LiveAPIKey=sk_test_abcdefgh12345678"

# -- 18: fullmatch ---------------------------------------------------------------------------


@pytest.mark.parametrize("account", ["acct_1\n", "acct_1\nx", " acct_1", "acct_"])
def test_an_account_id_with_a_trailing_newline_is_refused(account):
    with pytest.raises(stripe_dbapi.InterfaceError, match="AccountId must look like"):
        connstr.parse(KEY, AccountId=account)


def test_an_account_id_of_the_right_shape_is_accepted():
    assert connstr.parse(KEY, AccountId="acct_1Ab").account_id == "acct_1Ab"


@pytest.mark.parametrize("name", ["prod\n", "prod\nx", "-prod", "a" * 65])
def test_a_connection_name_with_a_trailing_newline_is_refused(name):
    with pytest.raises(stripe_dbapi.InterfaceError, match="not a valid connection name"):
        profiles.store.check_name(name)


# -- 16: http only to loopback ------------------------------------------------------------------


@pytest.mark.parametrize("prop", ["ApiBase", "OAuthTokenUrl"])
@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com",
        "http://10.0.0.1:8080",
        "http://localhost.example.com",
        "http://[2001:db8::1]:80",
        "http://0.0.0.0:12111",
    ],
)
def test_plain_http_to_a_host_that_is_not_loopback_is_refused(prop, url):
    with pytest.raises(stripe_dbapi.InterfaceError) as caught:
        connstr.parse(KEY, **{prop: url})
    assert str(caught.value) == (
        f"{prop} may use http:// only for a loopback host (127.0.0.0/8, ::1, localhost); "
        "use https://."
    )


@pytest.mark.parametrize("prop", ["ApiBase", "OAuthTokenUrl"])
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:12111",
        "http://127.8.9.10",
        "http://localhost:1",
        "http://LOCALHOST",
        "http://[::1]:12111",
        "https://api.example.com",
        "https://10.0.0.1",
    ],
)
def test_https_anywhere_and_http_to_loopback_are_accepted(prop, url):
    config = connstr.parse(KEY, **{prop: url})
    assert getattr(config, connstr.BY_KEY[prop.lower()].attr) == url


def test_the_token_endpoint_refuses_plain_http_to_another_host_too():
    from stripe_dbapi.oauth import TokenEndpoint

    with pytest.raises(stripe_dbapi.InterfaceError, match="--token-url may use http:// only"):
        TokenEndpoint("http://connect.example.com/oauth/token", "sk_test_x", name="--token-url")


# -- 15: redaction and server-supplied values -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("token rt_1AbCdEfGhIjKlMnOp here", "token rt_**** here"),
        ("code ac_AbCdEfGhIjKl.", "code ac_****."),
        ("sk_live_abcd1234 and rt_test_abcdefgh", "sk_live_**** and rt_test_****"),
        ("Stripe shows sk_test_****1234 masked", "Stripe shows sk_test_****1234 masked"),
        (
            "ids cus_AbCdEfGhIjKl acct_1AbCdEfGhIj ch_1abc",
            "ids cus_AbCdEfGhIjKl acct_1AbCdEfGhIj ch_1abc",
        ),
    ],
)
def test_secret_shaped_tokens_are_masked_with_or_without_a_mode(text, shown):
    assert redact_tokens(text) == shown
    assert Redactor().redact(text) == shown


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("req_8PqAbC12", "req_8PqAbC12"),
        ("req_scripted404", "req_scripted404"),
        (None, None),
        ("req_1\n", None),
        ("rt_1AbCdEfGhIjKlMnOp", None),
        ("req_" + "a" * 200, None),
        ("", None),
    ],
)
def test_request_ids_are_kept_only_in_stripes_shape(value, kept):
    assert redact.safe_request_id(value) == kept


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("resource_missing", "resource_missing"),
        ("invalid_grant", "invalid_grant"),
        ("rt_1AbCdEfGhIjKlMnOp", None),
        ("bad code", None),
        ("x\n", None),
        (7, None),
    ],
)
def test_error_codes_are_kept_only_in_stripes_shape(value, kept):
    assert redact.safe_code(value) == kept


def test_a_malformed_part_is_named_by_position_never_quoted():
    bare = "rt_1AbCdEfGhIjKlMnOp"
    with pytest.raises(stripe_dbapi.InterfaceError) as caught:
        connstr.parse(f"{KEY};{bare};Timeout=5")
    assert str(caught.value) == (
        "Connection string part 2 is not of the form Key=Value (it has no `=`)."
    )
    assert "1AbCdEfGh" not in repr(caught.value.args)


def test_a_refresh_token_typed_into_the_wrong_property_is_not_echoed(caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(stripe_dbapi.InterfaceError) as caught:
        connstr.parse(KEY, Timeout="rt_1AbCdEfGhIjKlMnOp")
    assert "1AbCdEfGh" not in str(caught.value)
