"""The loopback end of the authorize flow: one HTTP server on 127.0.0.1 that waits for
Stripe's redirect (`/callback?code=ac_…&state=…`, or `?error=…`) and hands it over.

It binds the loopback interface only, answers the browser with a short page, and checks
nothing itself except whether `state` matches, so that the page can say so; the caller
decides what a mismatch means. The redirect is handed over only once the page is sent:
the caller stops the server as soon as it has the code, and a page still being written
then would reach the browser cut off ("connection broken").
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from stripe_dbapi._loopback import LoopbackServer

CALLBACK_PATH = "/callback"


@dataclass(frozen=True)
class Redirect:
    """The query of the first request that reached the callback path."""

    code: str | None
    state: str | None
    error: str | None
    error_description: str | None

    def __repr__(self) -> str:
        return f"Redirect(code={'****' if self.code else None}, state=****, error={self.error!r})"


class RedirectReceiver(LoopbackServer):
    """A loopback HTTP server that waits for one redirect to `CALLBACK_PATH`."""

    thread_name = "stripe-dbapi-oauth-redirect"

    def __init__(self, expected_state: str, port: int = 0) -> None:
        self.expected_state = expected_state
        self._result: Redirect | None = None
        self._claimed = threading.Lock()
        self._arrived = threading.Event()
        httpd = _Server(("127.0.0.1", port), _Handler)
        httpd.receiver = self
        super().__init__(httpd)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def wait(self, timeout: float) -> Redirect | None:
        """The redirect, or None when none arrived within `timeout` seconds."""
        self._arrived.wait(timeout)
        return self._result

    def _claim(self, redirect: Redirect) -> bool:
        """Keep the first redirect only (False for any later one); not yet handed over."""
        with self._claimed:
            if self._result is not None:
                return False
            self._result = redirect
            return True

    def _hand_over(self) -> None:
        """Let `wait` return the claimed redirect: its page has been sent (or failed)."""
        self._arrived.set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    receiver: RedirectReceiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        split = urlsplit(self.path)
        if split.path != CALLBACK_PATH:
            self._page(404, "Not found", "This server only waits for Stripe's redirect.")
            return
        query = parse_qs(split.query)

        def first(key: str) -> str | None:
            values = query.get(key)
            return values[0] if values else None

        redirect = Redirect(
            first("code"), first("state"), first("error"), first("error_description")
        )
        receiver = self.server.receiver
        if not receiver._claim(redirect):
            self._page(409, "Already done", "This authorization was already handled.")
            return
        try:
            if redirect.state != receiver.expected_state:
                self._page(400, "State mismatch", "The state does not match; nothing was saved.")
            elif redirect.error:
                self._page(400, "Not authorized", f"Stripe answered {redirect.error}.")
            else:
                self._page(
                    200, "Connected", "You can close this window and return to the terminal."
                )
        finally:
            # After the page, and even when the browser went away mid-page: the code is
            # the user's either way.
            receiver._hand_over()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silent: the request line holds the authorization code."""

    def _page(self, status: int, title: str, text: str) -> None:
        body = (
            f"<!doctype html><title>stripe-dbapi: {html.escape(title)}</title>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
