"""The per-connection rate limiter that keeps parallel requests inside Stripe's budget.

Stripe allows 100 read requests per second in live mode and 25 in test mode, and the
Search API 20 per second in either mode. One `RateLimiter` per connection is shared by
every thread of every query, so a parallel scan slows down to the budget instead of
drawing 429s. When a 429 arrives anyway (another program uses the same key), the limiter
halves its rate and holds every thread back, then recovers a tenth of the budget per
second without 429s (additive increase, multiplicative decrease).

The bucket holds half a second of the budget, not a whole one as Stripe's does: a server
takes a token when a request arrives, the driver when it sends it, and while a burst is
in transit (waiting behind one another on a busy server) the server's full bucket refills
nothing while the driver's refills. The half second of headroom covers that transit;
sustained, the driver still sends at the whole budget.
"""

from __future__ import annotations

import threading
import time

from stripe_dbapi.stripe_api import ENDPOINT_RATES


class _Bucket:
    """A token bucket whose rate drops on 429 and climbs back while none arrive."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.base = rate
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate / 2)
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def refill(self, now: float) -> None:
        elapsed = now - self.updated
        self.updated = now
        if self.rate < self.base:
            self.rate = min(self.base, self.rate + elapsed * self.base / 10)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)


class RateLimiter:
    """Token buckets shared by every request of one connection.

    `rate` is the global budget in requests per second; `endpoint_rates` adds tighter
    buckets for paths containing a fragment (the Search API). A request takes a token
    from the global bucket and from each bucket its path matches.
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        endpoint_rates: tuple[tuple[str, float], ...] = ENDPOINT_RATES,
    ) -> None:
        self.rate = rate
        self._global = _Bucket(rate, burst)
        self._endpoints = [
            (fragment, _Bucket(min(r, rate), None if burst is None else min(burst, r)))
            for fragment, r in endpoint_rates
        ]
        self._lock = threading.Lock()

    @property
    def capacity(self) -> float:
        return self._global.capacity

    @property
    def current_rate(self) -> float:
        """The global rate now: below `rate` for a while after a 429."""
        return self._global.rate

    def acquire(self, path: str = "") -> None:
        """Block until one request to `path` may be sent."""
        buckets = [self._global, *(b for f, b in self._endpoints if f in path)]
        while True:
            with self._lock:
                now = time.monotonic()
                for bucket in buckets:
                    bucket.refill(now)
                if all(b.tokens >= 1 for b in buckets):
                    for bucket in buckets:
                        bucket.tokens -= 1
                    return
                wait = max((1 - b.tokens) / b.rate for b in buckets if b.tokens < 1)
            time.sleep(wait)

    def penalize(self, seconds: float) -> None:
        """After a 429: halve the rate and hold every thread back for `seconds`."""
        with self._lock:
            bucket = self._global
            bucket.refill(time.monotonic())
            bucket.rate = max(bucket.base / 16, bucket.rate / 2)
            bucket.tokens = min(bucket.tokens, 0.0) - seconds * bucket.rate
