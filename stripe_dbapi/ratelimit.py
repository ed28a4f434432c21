"""The per-connection rate limiter that keeps parallel requests inside Stripe's budget."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """A token bucket shared by every request of one connection.

    Stripe allows 100 requests per second in live mode and 25 in test mode; staying under
    the budget keeps parallel scans from drawing 429s in the first place.
    """

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one request may be sent."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            time.sleep(wait)

    def penalize(self, seconds: float) -> None:
        """After a 429, hold every thread back for `seconds`."""
        with self._lock:
            self._tokens = min(self._tokens, 0.0) - seconds * self.rate
