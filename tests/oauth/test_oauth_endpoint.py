"""The token requests on the wire, and every way the token endpoint can fail at connect."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import stripe_dbapi
from stripe_dbapi.exceptions import OperationalError
from stripe_dbapi.oauth import TokenEndpoint, TokenEndpointError
from tests.oauth.oauth_support import (
    CASSETTES,
    CLIENT_SECRET,
    CONNECTED,
    REFRESH_TOKEN,
    TokenServer,
    oauth_properties,
)

FORM = "application/x-www-form-urlencoded"


def _connect_error(token_server: TokenServer, api_base: str, **extra: object) -> OperationalError:
    with pytest.raises(OperationalError) as info:
        stripe_dbapi.connect(**oauth_properties(token_server, api_base, **extra))
    assert type(info.value) is OperationalError
    return info.value


def _no_secret_in(text: str) -> None:
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, TokenServer.access_token(1)):
        assert secret not in text


# -- the grant's exact form ----------------------------------------------------------------


def test_refresh_grant_sends_the_secret_key_as_client_secret_form_field(
    token_server, sandbox_for_first_token
):
    with stripe_dbapi.connect(**oauth_properties(token_server, sandbox_for_first_token.url)):
        pass
    [request] = token_server.log
    assert request.method == "POST"
    assert request.path == "/oauth/token"
    assert request.headers["Content-Type"].startswith(FORM)
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers
    assert request.form == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_secret": CLIENT_SECRET,
    }


def test_code_exchange_sends_grant_code_and_secret_key_only(token_server):
    token_server.codes.add("ac_test_code0001")
    grant = TokenEndpoint(token_server.url, CLIENT_SECRET).exchange_code("ac_test_code0001")
    assert token_server.forms() == [
        {
            "grant_type": "authorization_code",
            "code": "ac_test_code0001",
            "client_secret": CLIENT_SECRET,
        }
    ]
    assert "Authorization" not in token_server.log[0].headers
    assert grant.access_token == TokenServer.access_token(1)
    assert grant.refresh_token == TokenServer.rotated_refresh_token(1)
    assert (grant.stripe_user_id, grant.livemode, grant.scope) == (CONNECTED, False, "read_only")
    assert CLIENT_SECRET not in repr(grant) and grant.access_token not in repr(grant)


# -- failures at connect -------------------------------------------------------------------


def test_invalid_grant_is_connection_unavailable_with_code_and_description(token_server):
    token_server.refresh_tokens.clear()
    exc = _connect_error(token_server, "http://127.0.0.1:9")
    assert str(exc) == (
        f"Connection unavailable: the OAuth2 token endpoint at {token_server.host} answered "
        "invalid_grant: Refresh token does not exist: ****. "
        "Get a new refresh token with `stripe-dbapi oauth authorize`."
    )
    assert (exc.code, exc.http_status) == ("invalid_grant", 400)
    _no_secret_in(str(exc))


def test_invalid_client_is_connection_unavailable_naming_the_client_secret(token_server):
    token_server.client_secret = "sk_test_anotherplatform99"
    exc = _connect_error(token_server, "http://127.0.0.1:9")
    assert str(exc) == (
        f"Connection unavailable: the OAuth2 token endpoint at {token_server.host} answered "
        "invalid_client: No such API key: ****4242. "
        "Check ClientSecret: it must be the platform's secret key (`sk_…`)."
    )
    assert (exc.code, exc.http_status) == ("invalid_client", 401)
    _no_secret_in(str(exc))


def test_unreachable_token_endpoint_is_connection_unavailable(token_server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exc = _connect_error(
        token_server, "http://127.0.0.1:9", OAuthTokenUrl=f"http://127.0.0.1:{port}/oauth/token"
    )
    assert str(exc) == (
        "Connection unavailable: could not reach the OAuth2 token endpoint at "
        f"127.0.0.1:{port} (connection refused)."
    )


def test_silent_token_endpoint_is_connection_unavailable_after_the_timeout(token_server):
    token_server.delay = 2.0
    exc = _connect_error(token_server, "http://127.0.0.1:9", Timeout=0.3)
    assert str(exc) == (
        f"Connection unavailable: the OAuth2 token endpoint at {token_server.host} "
        "did not answer within 0.3 s."
    )


@pytest.mark.parametrize("status", [200, 502])
def test_non_json_answer_is_connection_unavailable(token_server, status):
    token_server.script.append((status, "<html>gateway</html>", "text/html"))
    exc = _connect_error(token_server, "http://127.0.0.1:9")
    assert str(exc) == (
        f"Connection unavailable: the OAuth2 token endpoint at {token_server.host} answered "
        f"HTTP {status} without an OAuth2 token (text/html)."
    )
    assert exc.http_status == status


def test_json_error_on_a_5xx_keeps_the_oauth_error_code(token_server):
    body = {"error": "server_error", "error_description": "Try again later."}
    token_server.script.append((503, body, "application/json"))
    exc = _connect_error(token_server, "http://127.0.0.1:9")
    assert str(exc) == (
        f"Connection unavailable: the OAuth2 token endpoint at {token_server.host} answered "
        "HTTP 503 server_error: Try again later."
    )
    assert exc.code == "server_error"


def test_answer_without_access_token_is_connection_unavailable(token_server):
    token_server.script.append((200, {"token_type": "bearer"}, "application/json"))
    exc = _connect_error(token_server, "http://127.0.0.1:9")
    assert str(exc) == (
        f"Connection unavailable: the OAuth2 token endpoint at {token_server.host} "
        "answered without an access_token."
    )


def test_description_with_characters_authlib_rejects_still_becomes_operational_error(
    token_server,
):
    # authlib's own error class refuses such descriptions with a ValueError; it must not escape.
    body = {"error": "invalid_grant", "error_description": 'bad "quoted" \\ token'}
    token_server.script.append((400, body, "application/json"))
    exc = _connect_error(token_server, "http://127.0.0.1:9")
    assert str(exc).startswith("Connection unavailable: the OAuth2 token endpoint at ")
    assert "invalid_grant" in str(exc)


def test_token_endpoint_error_is_not_an_authlib_or_requests_exception(token_server):
    token_server.refresh_tokens.clear()
    with pytest.raises(TokenEndpointError) as info:
        TokenEndpoint(token_server.url, CLIENT_SECRET).refresh(REFRESH_TOKEN)
    assert info.value.__cause__ is None and info.value.__suppress_context__


# -- cassettes -------------------------------------------------------------------------------


@pytest.fixture
def cassette_token_url(record_mode):
    """The token server while recording; a dead address on replay (the cassette answers)."""
    if record_mode == "none":
        yield "http://127.0.0.1:9/oauth/token"
        return
    server = TokenServer().start()
    yield server.url
    server.stop()


@pytest.mark.vcr
def test_refresh_grant_replays_from_its_cassette(cassette_token_url):
    grant = TokenEndpoint(cassette_token_url, CLIENT_SECRET).refresh(REFRESH_TOKEN)
    assert grant.access_token.startswith("sk_test_")
    assert grant.refresh_token and grant.refresh_token.startswith("rt_test_")
    assert (grant.stripe_user_id, grant.livemode, grant.scope, grant.token_type) == (
        CONNECTED,
        False,
        "read_only",
        "bearer",
    )


@pytest.mark.vcr
def test_invalid_grant_replays_from_its_cassette(cassette_token_url):
    with pytest.raises(TokenEndpointError) as info:
        TokenEndpoint(cassette_token_url, CLIENT_SECRET).refresh("rt_test_revokedtoken0001")
    assert info.value.code == "invalid_grant"
    assert "rt_test_revokedtoken0001" not in info.value.reason


def test_cassettes_hold_no_secret_and_no_authorization_header():
    files = sorted(Path(CASSETTES).glob("*.yaml"))
    assert len(files) >= 2, "record them with: pytest tests/oauth --record-mode=once"
    for path in files:
        text = path.read_text()
        for secret in (
            CLIENT_SECRET,
            REFRESH_TOKEN,
            "rt_test_revokedtoken0001",
            TokenServer.access_token(1),
            TokenServer.rotated_refresh_token(1),
        ):
            assert secret not in text, f"{path.name} holds a secret"
        assert "sk_test_oauth" not in text
        assert "Basic " not in text and "Bearer " not in text
