"""Reliability helpers: a StripeClient with tiny backoff, and a scripted misbehaving server.

`FastClient` is configuration, not a mock: the same retry loop with millisecond delays and
jitter pinned, so retry tests are fast and deterministic. `ScriptedServer` is a real HTTP
server on 127.0.0.1 whose answers a test scripts per request: Stripe-shaped errors,
malformed JSON, HTML, truncated bodies, dropped connections, or a black hole.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from stripe_dbapi.auth import ApiKeyCredentials
from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.client import StripeClient
from stripe_dbapi.connection import AuthInfo, Connection, check, make_credentials, resolve_config

KEY = "sk_test_reliability0000"


class FastClient(StripeClient):
    """StripeClient with millisecond backoff and no jitter: the retry loop, only faster."""

    INITIAL_DELAY = 0.001
    MAX_DELAY = 0.01
    RATE_LIMIT_DELAY = 0.002

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sleeps: list[float] = []

    def _jitter(self, delay: float) -> float:
        self.sleeps.append(delay)
        return delay


def fast_client(api_base: str, *, key: str = KEY, **kwargs: Any) -> FastClient:
    """A FastClient for `api_base` with the catalog's API version."""
    return FastClient(
        api_base, ApiKeyCredentials(key), api_version=load_catalog().api_version, **kwargs
    )


def fast_connect(dsn: str, *, checked: bool = True, **client_kwargs: Any) -> Connection:
    """A Connection like `connect(dsn)` but over a FastClient (`client_kwargs` override)."""
    config = resolve_config(dsn)
    catalog = load_catalog()
    options: dict[str, Any] = {
        "account_id": config.account_id,
        "timeout": config.timeout,
        "max_retries": config.max_retries,
        "max_concurrency": config.max_concurrency,
        "extra_secrets": config.secrets,
        "max_rows": config.max_rows,
        **client_kwargs,
    }
    client = FastClient(
        config.api_base, make_credentials(config), api_version=catalog.api_version, **options
    )
    info = check(client, config) if checked else AuthInfo("APIKey", None, False, False)
    return Connection(config, client, catalog=catalog, auth_info=info)


# -- the scripted server -----------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer. `mode`: normal, truncate, drop (close at once), blackhole,
    trickle (the whole answer, status line and headers included, one byte every `interval`
    seconds) or trickle-body (the headers at once, then the body that slowly)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "normal"
    content_type: str = "application/json"
    interval: float = 0.1


def stripe_error(status: int, message: str, code: str | None = None, **headers: str) -> Reply:
    error: dict[str, Any] = {"message": message, "type": "invalid_request_error"}
    if code:
        error["code"] = code
    return Reply(status, {"error": error}, {"Request-Id": f"req_scripted{status}", **headers})


ACCOUNT = Reply(200, {"id": "acct_scripted", "object": "account", "livemode": False})


@dataclass
class Seen:
    path: str
    params: list[tuple[str, str]]
    authorization: str


class ScriptedServer:
    """An HTTP server on 127.0.0.1 answering each request with `script(path, params, n)`."""

    def __init__(self, script: Callable[[str, list[tuple[str, str]], int], Reply]) -> None:
        self.script = script
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (the OAuth2 token request)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                split = urlsplit(self.path)
                params = parse_qsl(split.query, keep_blank_values=True)
                with server._lock:
                    server.seen.append(
                        Seen(split.path, params, self.headers.get("Authorization", ""))
                    )
                    n = len(server.seen)
                reply = server.script(split.path, params, n)
                if reply.mode == "blackhole":
                    server._release.wait(30)
                    self.close_connection = True
                    return
                if reply.mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(reply.body, (bytes, str)):
                    payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                else:
                    payload = json.dumps(reply.body).encode()
                if reply.mode.startswith("trickle"):
                    self._trickle(reply, payload)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.mode == "truncate":
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(payload)

            def _trickle(self, reply: Reply, payload: bytes) -> None:
                head = [f"HTTP/1.1 {reply.status} Scripted", f"Content-Type: {reply.content_type}"]
                head.append(f"Content-Length: {len(payload)}")
                head += [f"{name}: {value}" for name, value in reply.headers.items()]
                raw = ("\r\n".join(head) + "\r\n\r\n").encode()
                self.close_connection = True
                try:
                    if reply.mode == "trickle-body":
                        self.wfile.write(raw)
                        raw = b""
                    for byte in raw + payload:
                        if server._release.wait(reply.interval):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:
                    pass  # the client gave up, as it should

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def dsn(self, **extra: object) -> str:
        parts = [f"LiveAPIKey={KEY}", f"ApiBase={self.url}"]
        parts += [f"{k}={v}" for k, v in extra.items()]
        return ";".join(parts)

    def paths(self) -> list[str]:
        with self._lock:
            return [s.path for s in self.seen]

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


# -- a customers list served by a script -----------------------------------------------

CUSTOMERS = [
    {"id": f"cus_{i:04d}", "object": "customer", "created": 1_750_000_000 - i, "email": f"c{i}@x"}
    for i in range(250)
]


def page(params, rows=CUSTOMERS) -> Reply:
    """A correct list page of `rows` for `limit`, `starting_after` and `created` ranges."""
    query = dict(params)
    limit = int(query.get("limit", 10))
    bounds = {
        "created[gte]": lambda c, v: c >= v,
        "created[gt]": lambda c, v: c > v,
        "created[lte]": lambda c, v: c <= v,
        "created[lt]": lambda c, v: c < v,
    }
    for name, keep in bounds.items():
        if name in query:
            value = int(query[name])
            rows = [r for r in rows if keep(r["created"], value)]
    start = 0
    if "starting_after" in query:
        start = next(i for i, r in enumerate(rows) if r["id"] == query["starting_after"]) + 1
    data = rows[start : start + limit]
    return Reply(200, {"object": "list", "data": data, "has_more": start + limit < len(rows)})


def serve(scripted, customers):
    """A server that answers the account check, and `customers(params)` on /v1/customers."""

    def script(path, params, n):
        if path == "/v1/account":
            return ACCOUNT
        if path.startswith("/v1/customers"):
            return customers(params)
        return stripe_error(404, f"Unrecognized request URL (GET: {path}).")

    return scripted(script)
