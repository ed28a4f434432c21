"""How far a query has got: the counters the client keeps and the snapshot a cursor shows.

A terminal that shows a progress line (`stripe-dbapi query` at a TTY, the shell) needs to
know what a running query is doing without slowing it down: pages and rows received,
requests in flight, time spent waiting on the rate limiter. `Counters` is written at the
edges that already see each of those (`StripeClient._send` and `StripeClient.get`) with a
lock held for a few additions; `Progress` is the frozen snapshot anyone may read, from any
thread, while the query runs (`Cursor.progress`).

The counters belong to the connection's client, so a cursor's snapshot is the difference
since its `execute`: two cursors running at once on one connection see each other's
requests. That is the price of keeping the hot loops free of per-query plumbing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Progress:
    """What a query has fetched so far; read-only.

    `pages`: answers received (a list page, a retrieved object); `rows`: Stripe objects in
    them; `requests`: requests sent, retries included; `in_flight`: requests waiting for an
    answer now; `rate_limited`: seconds requests waited on the rate limiter, summed over
    threads; `elapsed`: seconds since the query started.
    """

    pages: int = 0
    rows: int = 0
    requests: int = 0
    in_flight: int = 0
    rate_limited: float = 0.0
    elapsed: float = 0.0


class Counters:
    """The client's running totals; written by the request path, read as `Progress`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages = 0
        self._rows = 0
        self._requests = 0
        self._in_flight = 0
        self._waited = 0.0

    @property
    def requests(self) -> int:
        return self._requests

    def sending(self, waited: float) -> None:
        """A request leaves, after `waited` seconds on the rate limiter."""
        with self._lock:
            self._requests += 1
            self._in_flight += 1
            self._waited += waited

    def answered(self) -> None:
        """A request has its answer (or its failure)."""
        with self._lock:
            self._in_flight -= 1

    def received(self, body: dict[str, Any]) -> None:
        """A decoded answer: a list page counts its `data`, any other object one row."""
        data = body.get("data")
        rows = len(data) if isinstance(data, list) else 1
        with self._lock:
            self._pages += 1
            self._rows += rows

    def snapshot(self, since: Progress | None = None, started: float | None = None) -> Progress:
        """The totals now, less `since` (a query's starting point), timed from `started`."""
        with self._lock:
            now = Progress(self._pages, self._rows, self._requests, self._in_flight, self._waited)
        if since is None:
            return now
        return Progress(
            pages=now.pages - since.pages,
            rows=now.rows - since.rows,
            requests=now.requests - since.requests,
            in_flight=now.in_flight,
            rate_limited=now.rate_limited - since.rate_limited,
            elapsed=0.0 if started is None else time.monotonic() - started,
        )
