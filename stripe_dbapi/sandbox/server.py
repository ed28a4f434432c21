"""The sandbox's HTTP server: Stripe's wire behaviour around the pure API in `api.py`.

Binds 127.0.0.1 (port 0 picks a free port) and serves on a daemon thread. Each request
passes, in order: seeded latency; seeded faults (500 with `Stripe-Should-Retry: true`,
503, or a dropped connection); rate limiting (429 with `Stripe-Rate-Limited-Reason`);
authentication (`Authorization: Bearer <key>` or HTTP basic with the key as user name);
the `Stripe-Account` header; then the API. Every response carries `Request-Id` and
`Stripe-Version`. Every request is logged for tests (`requests`, `reset_log()`).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from stripe_dbapi._loopback import LoopbackServer
from stripe_dbapi.catalog import Catalog
from stripe_dbapi.sandbox.api import SandboxAPI
from stripe_dbapi.sandbox.chaos import (
    Chaos,
    RateLimit,
    parse_latency,
    parse_percent,
    parse_rate_limit,
)
from stripe_dbapi.sandbox.data import Dataset, generate
from stripe_dbapi.sandbox.encoded import dumps
from stripe_dbapi.sandbox.errors import ApiError
from stripe_dbapi.sandbox.params import Params, parse_query
from stripe_dbapi.stripe_api import is_account_id

log = logging.getLogger(__name__)

DEFAULT_API_KEY = "sk_test_sandbox_0000000000"
_TEST_KEY = re.compile(r"^(sk|rk)_test_[A-Za-z0-9_]{8,}$")
_APIS: WeakKeyDictionary[Dataset, SandboxAPI] = WeakKeyDictionary()  # one API per data set
_APIS_LOCK = threading.Lock()


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it; `status` 0 means the connection was dropped."""

    method: str
    path: str
    params: Params
    query: str
    status: int
    account: str | None = None


class SandboxServer(LoopbackServer):
    """A local Stripe-compatible server over a generated data set."""

    thread_name = "stripe-sandbox"

    def __init__(
        self,
        seed: int = 0,
        scale: float = 1.0,
        port: int = 0,
        latency_ms: str | tuple[float, float] | float | None = None,
        rate_limit: str | float | RateLimit | None = None,
        faults: str | float | None = None,
        api_key: str | None = None,
        catalog: Catalog | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.dataset = generate(seed, scale, catalog)
        self.api = _api_for(self.dataset)
        self.chaos = Chaos(
            seed,
            parse_latency(latency_ms),
            parse_rate_limit(rate_limit),
            parse_percent(faults, "Faults"),
        )
        self._fixed_key = api_key
        self.api_key = api_key or DEFAULT_API_KEY
        self._log: list[LoggedRequest] = []
        self._count = 0
        self._lock = threading.Lock()
        httpd = _HTTPServer((host, port), _Handler)
        httpd.sandbox = self
        super().__init__(httpd)

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> SandboxServer:
        """Serve on a daemon thread; returns self."""
        if self._thread is None:
            super().start()
            log.info(
                "Stripe sandbox serving at %s (seed %s, scale %s)", self.url, self.seed, self.scale
            )
        return self

    # -- addresses --------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dsn(self) -> str:
        """A connection string for `stripe_dbapi.connect` pointed at this server."""
        return f"AuthScheme=APIKey;LiveAPIKey={self.api_key};ApiBase={self.url}"

    # -- request log ------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    @property
    def request_count(self) -> int:
        """Requests received since start or the last `reset_log()`."""
        with self._lock:
            return self._count

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._count = 0

    def _next(self) -> int:
        with self._lock:
            self._count += 1
            self._serial = getattr(self, "_serial", 0) + 1
            return self._serial

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    # -- auth -------------------------------------------------------------------------

    def key_accepted(self, key: str) -> bool:
        if self._fixed_key is not None:
            return key == self._fixed_key
        return bool(_TEST_KEY.match(key))


def start_sandbox(
    seed: int = 0,
    scale: float = 1.0,
    port: int = 0,
    latency_ms: str | tuple[float, float] | float | None = None,
    rate_limit: str | float | RateLimit | None = None,
    faults: str | float | None = None,
    api_key: str | None = None,
) -> SandboxServer:
    """Start a sandbox server on 127.0.0.1 and return it, serving on a daemon thread."""
    return SandboxServer(
        seed=seed,
        scale=scale,
        port=port,
        latency_ms=latency_ms,
        rate_limit=rate_limit,
        faults=faults,
        api_key=api_key,
    ).start()


def mask_key(key: str) -> str:
    """An API key as Stripe shows it in errors: prefix, stars, last four characters."""
    m = re.match(r"^[a-z]{2,3}_(test|live)_", key)
    prefix = m.group(0) if m else ""
    rest = key[len(prefix) :]
    if len(rest) <= 8:
        return prefix + "*" * len(rest)
    return prefix + "*" * (len(rest) - 4) + rest[-4:]


def _api_for(dataset: Dataset) -> SandboxAPI:
    with _APIS_LOCK:
        api = _APIS.get(dataset)
        if api is None:
            api = _APIS[dataset] = SandboxAPI(dataset)
        return api


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    sandbox: SandboxServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stripe-sandbox"
    sys_version = ""
    timeout = 60
    # One response is written in two sends (headers, body); without this, Nagle's
    # algorithm and the client's delayed ACK add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if log.isEnabledFor(logging.DEBUG):  # every request logs: format only when shown
            log.debug("sandbox %s", format % args)

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        split = urlsplit(self.path)
        path, query = split.path, split.query
        try:
            params = parse_query(query)
        except ValueError:
            params = {}
        n = sandbox._next()
        decision = sandbox.chaos.decide(n)
        account = self.headers.get("Stripe-Account")
        version = self.headers.get("Stripe-Version") or sandbox.dataset.catalog.api_version
        headers = {"Request-Id": decision.request_id, "Stripe-Version": version}

        def record(status: int) -> None:
            sandbox._record(LoggedRequest(self.command, path, params, query, status, account))

        if decision.latency_s:
            threading.Event().wait(decision.latency_s)
        if decision.fault == "drop":
            record(0)
            self.close_connection = True
            # The client may already be gone; dropping the connection is the point.
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            if decision.fault == "500":
                raise ApiError(
                    500,
                    "An unknown error occurred (sandbox fault injection).",
                    type="api_error",
                    headers={"Stripe-Should-Retry": "true"},
                )
            if decision.fault == "503":
                raise ApiError(
                    503,
                    "Stripe is temporarily unavailable (sandbox fault injection).",
                    type="api_error",
                    headers={"Stripe-Should-Retry": "true"},
                )
            if decision.rate_limited or not sandbox.chaos.take_token():
                raise ApiError(
                    429,
                    "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
                    code="rate_limit",
                    headers={"Stripe-Rate-Limited-Reason": "global-rate"},
                )
            self._authenticate(sandbox, account)
            payload, status = sandbox.api.respond(self.command, path, params, account), 200
        except ApiError as exc:
            payload, status = dumps(exc.body()), exc.status
            headers.update(exc.headers)
        record(status)
        self._send(status, payload, headers)

    def _authenticate(self, sandbox: SandboxServer, account: str | None) -> None:
        auth = self.headers.get("Authorization") or ""
        key = ""
        if auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        elif auth.lower().startswith("basic "):
            try:
                key = base64.b64decode(auth[6:].strip()).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                key = ""
        if not key:
            raise ApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if not sandbox.key_accepted(key):
            raise ApiError(401, f"Invalid API Key provided: {mask_key(key)}")
        if account is not None and not is_account_id(account):
            raise ApiError(
                403,
                f"The provided key '{mask_key(key)}' does not have access to account '{account}' (or that account does not exist). Application access may have been revoked.",
                code="account_invalid",
            )

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
