"""Bounded answers: the one way the driver reads an HTTP answer, for Stripe's API
(`http.StripeClient`) and for the OAuth2 token request (`oauth/endpoint.py`) alike.

requests' `timeout` bounds each socket read, not the answer: a server that sends a byte a
second holds a request for as long as it likes. Here one attempt has one deadline on the
monotonic clock, `timeout` seconds from its start, for connecting, the status line, the
headers and the body together. Every socket read of the answer waits at most until that
deadline (`BoundedAdapter` gives each connection a response whose reads know it); the body
is streamed in chunks, and the deadline and the decoded size are checked after each one,
so a gzip body that inflates without end is stopped at `max_bytes`. Redirects are never
followed. A failure is a requests exception (`AnswerTimeout` is a `requests.Timeout`), or
`AnswerTooLarge` / `Redirected`, whose `reason` each door puts into its own sentence.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CHUNK_BYTES = 64 * 1024
CONNECT_TIMEOUT = 10.0  # at most this long to connect, within the attempt's deadline

_attempt = threading.local()  # the deadline of the attempt this thread is sending, if any


class AnswerTimeout(requests.exceptions.ReadTimeout):
    """The whole answer did not arrive by the attempt's deadline."""


class AnswerTooLarge(requests.RequestException):
    """The decoded answer is larger than the cap."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"larger than {max_bytes / 2**20:g} MB decoded")
        self.reason = str(self)


class Redirected(requests.RequestException):
    """The server answered a redirect, which the driver never follows."""

    def __init__(self, status: int, url: str, location: str | None) -> None:
        self.status = status
        self.location_host = urlparse(urljoin(url, location)).netloc if location else None
        where = f"to {self.location_host}" if self.location_host else "without a Location"
        super().__init__(f"{status} {where}")
        self.reason = str(self)


def fetch(
    request: Callable[..., requests.Response],
    method: str,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    **kwargs: Any,
) -> requests.Response:
    """One attempt at `method url` through `request` (a Session's `request`): the response
    with its whole body read, within `timeout` seconds and `max_bytes` decoded bytes."""
    deadline = time.monotonic() + timeout
    _attempt.deadline = deadline
    try:
        response = request(
            method,
            url,
            stream=True,
            allow_redirects=False,
            timeout=(min(timeout, CONNECT_TIMEOUT), timeout),
            **kwargs,
        )
    except requests.ConnectionError:
        if time.monotonic() >= deadline:
            raise AnswerTimeout(f"no answer within {timeout:g} s") from None
        raise
    finally:
        _attempt.deadline = None
    try:
        if 300 <= response.status_code < 400:
            raise Redirected(response.status_code, url, response.headers.get("Location"))
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise AnswerTooLarge(max_bytes)
            if time.monotonic() >= deadline:
                raise AnswerTimeout(f"no whole answer within {timeout:g} s")
            chunks.append(chunk)
    except requests.RequestException as exc:
        response.close()  # not consumed: the connection is closed, never reused
        if isinstance(exc, (AnswerTooLarge, Redirected, AnswerTimeout)):
            raise
        if time.monotonic() >= deadline:
            raise AnswerTimeout(f"no whole answer within {timeout:g} s") from None
        raise
    except BaseException:
        response.close()
        raise
    response._content = b"".join(chunks)
    response._content_consumed = True
    response.close()  # the body was read to its end: the connection goes back to the pool
    return response


class BoundedAdapter(HTTPAdapter):
    """requests' adapter whose connections read each answer against the attempt's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are urllib3's own
            manager.pool_classes_by_scheme = _POOLS
        return manager


def mount(session: requests.Session, **adapter_kwargs: Any) -> None:
    """Send every request of `session` through a BoundedAdapter."""
    adapter = BoundedAdapter(**adapter_kwargs)
    session.mount("http://", adapter)
    session.mount("https://", adapter)


# -- the deadline inside each socket read -----------------------------------------------------


class _DeadlineReader(io.RawIOBase):
    """A socket's reads, none of which waits past `deadline`."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the answer did not arrive by the attempt's deadline")
        current = self._sock.gettimeout()
        if current is None or current > left:
            self._sock.settimeout(left)  # urllib3 sets it afresh for the next request
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading the status line, headers and body before the deadline
    of the attempt that was sending when it was made."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = getattr(_attempt, "deadline", None)
        if deadline is not None:
            self.fp.close()
            self.fp = io.BufferedReader(_DeadlineReader(sock, deadline))


def _bounded(conn: Any) -> Any:
    # Only a real http.client connection: a test double (vcrpy's cassettes) is left alone.
    if isinstance(conn, http.client.HTTPConnection):
        conn.response_class = _DeadlineResponse
    return conn


class _HTTPPool(HTTPConnectionPool):
    def _new_conn(self) -> Any:
        return _bounded(super()._new_conn())


class _HTTPSPool(HTTPSConnectionPool):
    def _new_conn(self) -> Any:
        return _bounded(super()._new_conn())


_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": _HTTPPool, "https": _HTTPSPool}
