"""OAuth2Credentials against the loopback token endpoint and the sandbox: the Bearer token,
Stripe-Account, renewal after a revoked token (once, however many threads), rotation."""

from __future__ import annotations

import logging
import threading

import pytest

import stripe_dbapi
from stripe_dbapi.client import StripeClient
from stripe_dbapi.connstr import build_config, raw_properties
from stripe_dbapi.exceptions import OperationalError
from stripe_dbapi.oauth import OAuth2Credentials
from stripe_dbapi.sandbox import start_sandbox
from tests.oauth.oauth_support import (
    CLIENT_SECRET,
    CONNECTED,
    REFRESH_TOKEN,
    TokenServer,
    oauth_properties,
)

ACCOUNT = "acct_1OtherAccount01"


def _config(token_server: TokenServer, api_base: str, **extra: object):
    return build_config(raw_properties(None, oauth_properties(token_server, api_base, **extra)))


def _client(credentials: OAuth2Credentials, api_base: str) -> StripeClient:
    return StripeClient(
        api_base, credentials, api_version="2026-10-28.endive", max_retries=0, max_concurrency=8
    )


# -- Bearer token and Stripe-Account ----------------------------------------------------------


def test_api_calls_carry_the_access_token_as_bearer(token_server, sandbox_for_first_token):
    # The sandbox accepts only the first access token, so a 200 proves it was the Bearer.
    with stripe_dbapi.connect(
        **oauth_properties(token_server, sandbox_for_first_token.url)
    ) as conn:
        credentials = conn.client.credentials
        assert credentials.authorization() == f"Bearer {TokenServer.access_token(1)}"
        conn.cursor().execute("SELECT id FROM customers LIMIT 3").fetchall()
    statuses = [(r.path, r.status) for r in sandbox_for_first_token.requests]
    assert statuses[0] == ("/v1/account", 200)
    assert all(status == 200 for _, status in statuses)
    assert len(token_server.log) == 1


def test_without_account_id_no_stripe_account_header_is_sent(token_server, sandbox_for_first_token):
    with stripe_dbapi.connect(
        **oauth_properties(token_server, sandbox_for_first_token.url)
    ) as conn:
        conn.cursor().execute("SELECT id FROM customers LIMIT 1").fetchall()
        credentials = conn.client.credentials
    assert [r.account for r in sandbox_for_first_token.requests] == [None] * len(
        sandbox_for_first_token.requests
    )
    # The token's own connected account is the one the connection acts as.
    assert (credentials.account_id, credentials.livemode, credentials.scope) == (
        CONNECTED,
        False,
        "read_only",
    )


def test_with_account_id_every_call_carries_stripe_account(token_server, sandbox_for_first_token):
    with stripe_dbapi.connect(
        **oauth_properties(token_server, sandbox_for_first_token.url, AccountId=ACCOUNT)
    ) as conn:
        conn.cursor().execute("SELECT id FROM customers LIMIT 1").fetchall()
        assert conn.auth_info.connected_account is True
    accounts = {r.account for r in sandbox_for_first_token.requests}
    assert accounts == {ACCOUNT}
    assert len(sandbox_for_first_token.requests) >= 2


def test_credentials_hide_every_secret(token_server, sandbox_for_first_token):
    with stripe_dbapi.connect(
        **oauth_properties(token_server, sandbox_for_first_token.url)
    ) as conn:
        credentials = conn.client.credentials
        text = repr(credentials) + repr(conn) + repr(conn.config) + repr(conn.auth_info)
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, TokenServer.access_token(1)):
        assert secret in credentials.secrets
        assert secret not in text


# -- a revoked token ----------------------------------------------------------------------


def test_revoked_access_token_is_refreshed_once_and_the_call_retried(token_server):
    # The sandbox only knows the second token: the first draws a 401 at connect.
    with (
        start_sandbox(api_key=TokenServer.access_token(2)) as sandbox,
        stripe_dbapi.connect(**oauth_properties(token_server, sandbox.url)) as conn,
    ):
        assert conn.client.credentials.authorization() == f"Bearer {TokenServer.access_token(2)}"
        statuses = [(r.path, r.status) for r in sandbox.requests]
    assert statuses == [("/v1/account", 401), ("/v1/account", 200)]
    assert [f["grant_type"] for f in token_server.forms()] == ["refresh_token"] * 2


def test_a_second_401_after_renewal_is_operational_error(token_server):
    with start_sandbox(api_key="sk_test_neverissuedkey0") as sandbox:
        with pytest.raises(OperationalError) as info:
            stripe_dbapi.connect(**oauth_properties(token_server, sandbox.url))
        statuses = [r.status for r in sandbox.requests]
    assert str(info.value).startswith(
        "Connection unavailable: the credentials were rejected by Stripe — "
        "Stripe answered 401 to GET /v1/account: Invalid API Key provided"
    )
    assert TokenServer.access_token(2) not in str(info.value)
    assert statuses == [401, 401]
    assert len(token_server.log) == 2  # the connect grant and exactly one renewal


def test_eight_threads_rejected_at_once_cause_exactly_one_refresh(token_server):
    credentials = OAuth2Credentials.from_config(_config(token_server, "http://127.0.0.1:9"))
    assert len(token_server.log) == 1
    token_server.delay = 0.3  # keep the renewal in flight while the other threads arrive
    with start_sandbox(api_key=TokenServer.access_token(2), scale=0.05) as sandbox:
        client = _client(credentials, sandbox.url)
        barrier = threading.Barrier(8)
        results: list[object] = []

        def work() -> None:
            barrier.wait()
            try:
                results.append(client.get("/v1/customers", {"limit": "1"})["object"])
            except Exception as exc:  # collected: the assertion below shows it
                results.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        rejected = [r for r in sandbox.requests if r.status == 401]
        client.close()
    assert results == ["list"] * 8
    assert len(token_server.log) == 2  # connect + one renewal, not eight
    assert len(rejected) >= 2  # several threads really were rejected concurrently


def test_failed_renewal_is_operational_error_without_secrets(token_server):
    credentials = OAuth2Credentials.from_config(_config(token_server, "http://127.0.0.1:9"))
    token_server.refresh_tokens.clear()  # the user revoked the platform's access
    rejected = credentials.authorization()
    with pytest.raises(OperationalError) as info:
        credentials.renew(rejected)
    assert str(info.value) == (
        "Stripe rejected the OAuth2 access token and renewing it failed: the OAuth2 token "
        f"endpoint at {token_server.host} answered invalid_grant: Refresh token does not "
        "exist: ****. Get a new refresh token with `stripe-dbapi oauth authorize`."
    )
    # Other threads rejected with the same token get the same answer without a new request.
    with pytest.raises(OperationalError):
        credentials.renew(rejected)
    assert len(token_server.log) == 2


def test_renew_after_another_thread_renewed_does_not_refresh(token_server):
    credentials = OAuth2Credentials.from_config(_config(token_server, "http://127.0.0.1:9"))
    stale = credentials.authorization()
    assert credentials.renew(stale) is True
    assert credentials.renew(stale) is True  # stale again: someone already renewed
    assert len(token_server.log) == 2


# -- rotation ---------------------------------------------------------------------------------


def test_rotated_refresh_token_is_used_for_the_next_refresh(token_server):
    token_server.rotate = True  # each refresh token works once, like a strict rotation
    credentials = OAuth2Credentials.from_config(_config(token_server, "http://127.0.0.1:9"))
    first_rotation = TokenServer.rotated_refresh_token(1)
    assert credentials.refresh_token == first_rotation
    assert credentials.renew(credentials.authorization()) is True
    assert credentials.renew(credentials.authorization()) is True
    assert [f["refresh_token"] for f in token_server.forms()] == [
        REFRESH_TOKEN,
        first_rotation,
        TokenServer.rotated_refresh_token(2),
    ]
    assert credentials.authorization() == f"Bearer {TokenServer.access_token(3)}"
    assert {REFRESH_TOKEN, first_rotation, TokenServer.access_token(1)} <= set(credentials.secrets)


def test_unrotated_refresh_token_is_kept(token_server):
    credentials = OAuth2Credentials.from_config(_config(token_server, "http://127.0.0.1:9"))
    credentials.renew(credentials.authorization())
    assert credentials.refresh_token == REFRESH_TOKEN
    assert [f["refresh_token"] for f in token_server.forms()] == [REFRESH_TOKEN] * 2


def test_rotation_is_handed_to_on_rotate(token_server):
    """Each rotated refresh token goes to the `on_rotate` callback, the first grant's too."""
    rotated: list[str] = []
    token_server.rotate = True
    config = _config(token_server, "http://127.0.0.1:9")
    credentials = OAuth2Credentials.from_config(config, on_rotate=rotated.append)
    credentials.renew(credentials.authorization())
    assert rotated == [TokenServer.rotated_refresh_token(1), TokenServer.rotated_refresh_token(2)]


def test_on_rotate_that_fails_does_not_fail_the_connection(token_server, caplog):
    def fail(token: str) -> None:
        raise OSError(f"disk full while writing {token}")

    token_server.rotate = True
    config = _config(token_server, "http://127.0.0.1:9")
    with caplog.at_level(logging.WARNING, logger="stripe_dbapi.oauth"):
        credentials = OAuth2Credentials.from_config(config, on_rotate=fail)
    assert credentials.refresh_token == TokenServer.rotated_refresh_token(1)
    assert "OSError" in caplog.text
    assert TokenServer.rotated_refresh_token(1) not in caplog.text


def test_a_saved_connection_gets_the_writer_that_calls_update_properties(token_server, monkeypatch):
    """The contract with profiles: update_properties(name, {"RefreshToken": new})."""
    from stripe_dbapi.connection import make_credentials
    from stripe_dbapi.profiles import saved

    calls: list[tuple[str, dict[str, str]]] = []
    monkeypatch.setattr(saved, "update_properties", lambda n, u: calls.append((n, dict(u))) or True)
    token_server.rotate = True
    config = _config(token_server, "http://127.0.0.1:9").with_updates(connection_name="shop")
    credentials = make_credentials(config)
    credentials.renew(credentials.authorization())
    assert calls == [
        ("shop", {"RefreshToken": TokenServer.rotated_refresh_token(1)}),
        ("shop", {"RefreshToken": TokenServer.rotated_refresh_token(2)}),
    ]


def test_rotation_that_cannot_be_saved_warns_without_the_token(token_server, monkeypatch, caplog):
    from stripe_dbapi.connection import make_credentials
    from stripe_dbapi.profiles import saved

    monkeypatch.setattr(saved, "update_properties", lambda n, u: False)
    token_server.rotate = True
    config = _config(token_server, "http://127.0.0.1:9").with_updates(connection_name="shop")
    with caplog.at_level(logging.WARNING, logger="stripe_dbapi.profiles"):
        credentials = make_credentials(config)
    assert credentials.refresh_token == TokenServer.rotated_refresh_token(1)  # type: ignore[attr-defined]
    assert "environment variable" in caplog.text
    assert TokenServer.rotated_refresh_token(1) not in caplog.text


def test_rotation_updates_the_saved_connection(token_server, tmp_path, monkeypatch):
    profiles = pytest.importorskip(
        "stripe_dbapi.profiles", reason="saved connections (profiles) have not landed yet"
    )
    monkeypatch.setenv("STRIPE_DBAPI_CONFIG_DIR", str(tmp_path / "config"))
    token_server.rotate = True
    with start_sandbox(api_key=TokenServer.access_token(1), scale=0.05) as sandbox:
        props = oauth_properties(token_server, sandbox.url)
        profiles.save("shop", {k: str(v) for k, v in props.items()}, test=False)
        with stripe_dbapi.connect(ConnectionName="shop") as conn:
            assert conn.client.credentials.refresh_token == TokenServer.rotated_refresh_token(1)
    assert profiles.load("shop")["RefreshToken"] == TokenServer.rotated_refresh_token(1)
    assert profiles.load("shop")["ClientSecret"] == CLIENT_SECRET
    # The next connection starts from the rotated token: the old one no longer works.
    assert REFRESH_TOKEN not in token_server.refresh_tokens
    with (
        start_sandbox(api_key=TokenServer.access_token(2), scale=0.05) as sandbox,
        stripe_dbapi.connect(ConnectionName="shop", ApiBase=sandbox.url),
    ):
        pass
    assert [f["refresh_token"] for f in token_server.forms()] == [
        REFRESH_TOKEN,
        TokenServer.rotated_refresh_token(1),
    ]
