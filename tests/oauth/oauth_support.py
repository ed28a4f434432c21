"""A real Stripe-Connect-like OAuth2 token endpoint on loopback, for the OAuth2 tests.

`TokenServer` answers `POST /oauth/token` the way Stripe's Connect endpoint does: the
platform secret key in the `client_secret` form field, `refresh_token` and
`authorization_code` grants, Stripe's OAuth error bodies. It logs every request (headers
and form) so that tests can assert exactly what the driver sent.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "oauth"
CLIENT_ID = "ca_test_platform0001"
CLIENT_SECRET = "sk_test_platformsecret4242"
REFRESH_TOKEN = "rt_test_firstrefresh0001"
CONNECTED = "acct_1Connected0001"
FILTERED = "FILTERED"
_TOKEN = re.compile(r"\b(sk|rk|rt|ac|pk)_(test|live)_[A-Za-z0-9]+")


@dataclass
class TokenRequest:
    """One request as the token server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class TokenServer:
    """A loopback OAuth2 token endpoint shaped like Stripe Connect's."""

    client_secret: str = CLIENT_SECRET
    refresh_tokens: set[str] = field(default_factory=lambda: {REFRESH_TOKEN})
    codes: set[str] = field(default_factory=set)
    rotate: bool = False
    delay: float = 0.0
    stripe_user_id: str = CONNECTED
    livemode: bool = False
    scope: str = "read_only"
    # (status, body, content type) answers to send before the normal behaviour resumes.
    script: list[tuple[int, Any, str]] = field(default_factory=list)
    log: list[TokenRequest] = field(default_factory=list)
    issued: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.token_server = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/oauth/token"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> TokenServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @staticmethod
    def access_token(n: int) -> str:
        """The n-th access token this server issues (1-based), a Stripe-shaped test key."""
        return f"sk_test_oauthaccess{n:04d}"

    @staticmethod
    def rotated_refresh_token(n: int) -> str:
        return f"rt_test_rotated{n:04d}"

    def answer(self, form: dict[str, str]) -> tuple[int, Any, str]:
        """Stripe's answer to one token request (called under the lock)."""
        if self.script:
            return self.script.pop(0)
        if form.get("client_secret") != self.client_secret:
            shown = form.get("client_secret", "")[-4:]
            return (
                401,
                {"error": "invalid_client", "error_description": f"No such API key: ****{shown}"},
                "application/json",
            )
        grant = form.get("grant_type")
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if token not in self.refresh_tokens:
                return (
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": f"Refresh token does not exist: {token}",
                    },
                    "application/json",
                )
        elif grant == "authorization_code":
            code = form.get("code", "")
            if code not in self.codes:
                return (
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": f"Authorization code does not exist: {code}",
                    },
                    "application/json",
                )
            self.codes.discard(code)
        else:
            return 400, {"error": "unsupported_grant_type"}, "application/json"
        self.issued += 1
        refresh = form.get("refresh_token", REFRESH_TOKEN)
        if self.rotate or grant == "authorization_code":
            new = self.rotated_refresh_token(self.issued)
            if self.rotate:
                self.refresh_tokens.discard(refresh)
            self.refresh_tokens.add(new)
            refresh = new
        body = {
            "access_token": self.access_token(self.issued),
            "livemode": self.livemode,
            "refresh_token": refresh,
            "token_type": "bearer",
            "stripe_publishable_key": f"pk_test_publishable{self.issued:04d}",
            "stripe_user_id": self.stripe_user_id,
            "scope": self.scope,
        }
        return 200, body, "application/json"

    def forms(self) -> list[dict[str, str]]:
        return [r.form for r in self.log]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    token_server: TokenServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        server = self.server.token_server
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode()))
        if server.delay:
            time.sleep(server.delay)
        with server._lock:
            server.log.append(
                TokenRequest(self.command, self.path, {k: v for k, v in self.headers.items()}, form)
            )
            status, body, kind = server.answer(form)
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_oauth{len(server.log):04d}")
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (the timeout test): nothing to answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def oauth_properties(token_server: TokenServer, api_base: str, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for `stripe_dbapi.connect` with AuthScheme=OAuth2."""
    return {
        "AuthScheme": "OAuth2",
        "ClientId": CLIENT_ID,
        "ClientSecret": CLIENT_SECRET,
        "RefreshToken": REFRESH_TOKEN,
        "OAuthTokenUrl": token_server.url,
        "ApiBase": api_base,
        "MaxRetries": 0,
        **extra,
    }


def scrub_tokens(response: dict[str, Any]) -> dict[str, Any]:
    """Replace every Stripe-shaped key or token in a recorded body by a placeholder."""
    body = response.get("body", {}).get("string")
    if not body:
        return response
    text = body.decode() if isinstance(body, bytes) else body
    scrubbed = _TOKEN.sub(lambda m: f"{m.group(1)}_{m.group(2)}_{FILTERED}", text)
    response["body"]["string"] = scrubbed.encode() if isinstance(body, bytes) else scrubbed
    for name in list(response.get("headers", {})):
        if name.lower() == "content-length":
            response["headers"][name] = [str(len(scrubbed.encode()))]
    return response
