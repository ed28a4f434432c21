"""`stripe-dbapi oauth authorize` end to end: a real process, its loopback redirect server,
the browser's redirect played with requests, and the loopback token endpoint."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.oauth.oauth_support import CLIENT_ID, CLIENT_SECRET, CONNECTED, TokenServer

AUTHORIZE_URL = "https://connect.stripe.com/oauth/authorize"
CODE = "ac_test_authcode0001"


@dataclass
class Run:
    process: subprocess.Popen[str]
    url: str
    query: dict[str, str]

    def redirect(self, **params: str) -> requests.Response:
        """What the browser does after the user authorizes at Stripe."""
        return requests.get(self.query["redirect_uri"], params=params, timeout=10)

    def finish(self) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out, err


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def authorize(token_server: TokenServer, config_dir: Path) -> Iterator:
    """Start the command; returns once it printed the authorize URL."""
    started: list[subprocess.Popen[str]] = []

    def start(*extra: str) -> Run:
        env = {**os.environ, "STRIPE_DBAPI_CONFIG_DIR": str(config_dir)}
        env.pop("STRIPE_DBAPI_CLIENT_SECRET", None)
        args = [
            sys.executable,
            "-c",
            "import sys; from stripe_dbapi.cli import main; sys.exit(main())",
            "oauth",
            "authorize",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--redirect-port",
            "0",
            "--token-url",
            token_server.url,
            "--no-browser",
            "--timeout",
            "20",
            *extra,
        ]
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        started.append(process)
        assert process.stdout is not None
        intro = process.stdout.readline()
        assert intro.startswith("Open this URL"), intro + process.stderr.read()
        url = process.stdout.readline().strip()
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        return Run(process, url, query)

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_authorize_prints_the_connect_url_with_a_random_state(authorize):
    run, other = authorize(), authorize("--scope", "read_write")
    assert run.url.startswith(AUTHORIZE_URL + "?response_type=code&")
    assert run.query["client_id"] == CLIENT_ID
    assert run.query["scope"] == "read_only"
    assert other.query["scope"] == "read_write"
    assert len(run.query["state"]) >= 24
    assert run.query["state"] != other.query["state"]
    redirect = urlsplit(run.query["redirect_uri"])
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/callback")
    assert redirect.port and redirect.port != urlsplit(other.query["redirect_uri"]).port
    assert CLIENT_SECRET not in run.url


def test_authorize_exchanges_the_code_and_prints_a_masked_connection_string(
    authorize, token_server
):
    token_server.codes.add(CODE)
    run = authorize()
    page = run.redirect(code=CODE, state=run.query["state"], scope="read_only")
    code, out, err = run.finish()
    assert page.status_code == 200
    assert code == 0, err
    assert token_server.forms() == [
        {"grant_type": "authorization_code", "code": CODE, "client_secret": CLIENT_SECRET}
    ]
    refresh = TokenServer.rotated_refresh_token(1)
    lines = out.splitlines()  # after the two lines of the authorize URL
    assert lines[:3] == [f"stripe_user_id: {CONNECTED}", "livemode: false", "scope: read_only"]
    assert lines[3] == (
        f"connection string: AuthScheme=OAuth2;ClientId={CLIENT_ID};"
        f"ClientSecret=sk_test_****4242;RefreshToken=****{refresh[-4:]};"
        f"OAuthTokenUrl={token_server.url}"
    )
    for secret in (CLIENT_SECRET, refresh, TokenServer.access_token(1), CODE):
        assert secret not in out and secret not in err


def test_show_secrets_prints_the_refresh_token_but_never_the_client_secret(authorize, token_server):
    token_server.codes.add(CODE)
    run = authorize("--show-secrets")
    run.redirect(code=CODE, state=run.query["state"])
    code, out, err = run.finish()
    assert code == 0, err
    assert f"RefreshToken={TokenServer.rotated_refresh_token(1)}" in out
    assert CLIENT_SECRET not in out and CLIENT_SECRET not in err


def test_wrong_state_fails_and_exchanges_and_saves_nothing(authorize, token_server, config_dir):
    token_server.codes.add(CODE)
    run = authorize("--save", "shop")
    page = run.redirect(code=CODE, state="forged-state")
    code, out, err = run.finish()
    assert page.status_code == 400
    assert code == 1
    assert err.splitlines()[-1] == (
        "error: The redirect's `state` does not match the one sent; nothing was exchanged or "
        "saved (a stale browser tab, or a request that did not come from Stripe)."
    )
    assert token_server.log == []
    assert "stripe_user_id" not in out
    assert not (config_dir / "connections.ini").exists()


def test_denied_authorization_is_an_error(authorize, token_server):
    run = authorize()
    run.redirect(
        error="access_denied",
        error_description="The user denied your request",
        state=run.query["state"],
    )
    code, _, err = run.finish()
    assert code == 1
    assert err.splitlines()[-1] == (
        "error: Stripe did not authorize: access_denied: The user denied your request."
    )
    assert token_server.log == []


def test_rejected_code_is_an_error_without_secrets(authorize, token_server):
    run = authorize()
    run.redirect(code="ac_test_unknowncode01", state=run.query["state"])
    code, out, err = run.finish()
    assert code == 1
    assert err.splitlines()[-1] == (
        f"error: Authorization failed: the OAuth2 token endpoint at {token_server.host} "
        "answered invalid_grant: Authorization code does not exist: ****. "
        "The authorization code is unknown, expired or used; authorize again."
    )
    assert CLIENT_SECRET not in out + err


def test_no_redirect_within_the_timeout_is_an_error(authorize, token_server):
    run = authorize("--timeout", "0.5")
    code, _, err = run.finish()
    assert code == 1
    assert err.splitlines()[-1].startswith(
        f"error: No redirect reached {run.query['redirect_uri']} within 0.5 s;"
    )


def test_save_writes_a_connection_that_connects(authorize, token_server, config_dir, monkeypatch):
    profiles = pytest.importorskip(
        "stripe_dbapi.profiles", reason="saved connections (profiles) have not landed yet"
    )
    import stripe_dbapi
    from stripe_dbapi.sandbox import start_sandbox

    token_server.codes.add(CODE)
    run = authorize("--save", "shop")
    run.redirect(code=CODE, state=run.query["state"])
    code, out, err = run.finish()
    assert code == 0, err
    assert "saved as connection `shop`: connect with ConnectionName=shop" in out
    monkeypatch.setenv("STRIPE_DBAPI_CONFIG_DIR", str(config_dir))
    saved = profiles.load("shop")
    assert saved["RefreshToken"] == TokenServer.rotated_refresh_token(1)
    assert saved["ClientSecret"] == CLIENT_SECRET
    with (
        start_sandbox(api_key=TokenServer.access_token(2), scale=0.05) as sandbox,
        stripe_dbapi.connect(ConnectionName="shop", ApiBase=sandbox.url) as conn,
    ):
        assert conn.client.credentials.account_id == CONNECTED
    assert token_server.forms()[-1]["refresh_token"] == TokenServer.rotated_refresh_token(1)


def test_save_refuses_an_existing_name_before_the_browser_step(authorize, config_dir):
    pytest.importorskip("stripe_dbapi.profiles", reason="saved connections have not landed yet")
    config_dir.mkdir(parents=True)
    (config_dir / "connections.ini").write_text(
        "[shop]\nAuthScheme = APIKey\nLiveAPIKey = sk_test_somethingelse1\n"
    )
    env = {**os.environ, "STRIPE_DBAPI_CONFIG_DIR": str(config_dir)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from stripe_dbapi.cli import main; sys.exit(main())",
            "oauth",
            "authorize",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--redirect-port",
            "0",
            "--no-browser",
            "--save",
            "shop",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "error: A connection named `shop` is already saved; add --force to replace it."
    )
    assert result.stdout == ""
