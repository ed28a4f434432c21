"""Latency, rate limiting and faults, decided per request from the seed.

Request number n (in arrival order) draws from `random.Random(f"{seed}:{n}")`, so the
same seed and the same sequence of requests meet the same latencies and faults, whatever
the threads do. Rate limiting is either a token bucket of N requests per second (Stripe
allows 25 per second in test mode) or a seeded N% of requests.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Literal

Fault = Literal["500", "503", "drop"]
_FAULTS: tuple[Fault, ...] = ("500", "503", "drop")


@dataclass(frozen=True)
class RateLimit:
    """`per_second` requests per second (token bucket), or `percent` of requests."""

    per_second: float | None = None
    percent: float | None = None


@dataclass(frozen=True)
class Decision:
    """What happens to one request before it reaches the API."""

    latency_s: float = 0.0
    fault: Fault | None = None
    rate_limited: bool = False
    request_id: str = ""


def parse_latency(text: str | tuple[float, float] | float | None) -> tuple[float, float] | None:
    """`"LO:HI"` or `"N"` milliseconds (or a number or a pair) → (lo, hi)."""
    if text is None or text == "":
        return None
    if isinstance(text, tuple):
        lo, hi = float(text[0]), float(text[1])
    elif isinstance(text, (int, float)):
        lo = hi = float(text)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?::\s*(\d+(?:\.\d+)?)\s*)?", text)
        if not m:
            raise ValueError(f"Latency {text!r} is not LO:HI milliseconds (for example 20:80).")
        lo = float(m.group(1))
        hi = float(m.group(2)) if m.group(2) else lo
    if lo < 0 or hi < lo:
        raise ValueError(f"Latency {text!r} needs 0 <= LO <= HI milliseconds.")
    return lo, hi


def parse_percent(text: str | float | None, what: str) -> float | None:
    """`"5%"`, `"5"` or 5 → 5.0; None stays None."""
    if text is None or text == "":
        return None
    value = (
        float(str(text).strip().rstrip("%")) if not isinstance(text, (int, float)) else float(text)
    )
    if not 0 <= value <= 100:
        raise ValueError(f"{what} {text!r} must be a percentage between 0 and 100.")
    return value


def parse_rate_limit(text: str | float | RateLimit | None) -> RateLimit | None:
    """`"25"` (requests per second) or `"10%"` (of requests) → RateLimit."""
    if isinstance(text, RateLimit):
        return text
    if text is None or text == "":
        return None
    if isinstance(text, str) and text.strip().endswith("%"):
        return RateLimit(percent=parse_percent(text, "Rate limit"))
    try:
        rps = float(text)
    except ValueError:
        raise ValueError(
            f"Rate limit {text!r} is not requests per second (25) or a percentage (10%)."
        ) from None
    if rps <= 0:
        raise ValueError(f"Rate limit {text!r} must be more than 0 requests per second.")
    return RateLimit(per_second=rps)


class Chaos:
    """The seeded decisions for one server."""

    def __init__(
        self,
        seed: int,
        latency_ms: tuple[float, float] | None,
        rate_limit: RateLimit | None,
        faults_percent: float | None,
    ) -> None:
        self.seed = seed
        self.latency_ms = latency_ms
        self.rate_limit = rate_limit
        self.faults_percent = faults_percent
        self._bucket = (
            _TokenBucket(rate_limit.per_second) if rate_limit and rate_limit.per_second else None
        )

    def decide(self, n: int) -> Decision:
        rng = random.Random(f"{self.seed}:{n}")
        request_id = "req_" + "".join(
            rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=14)
        )
        latency = rng.uniform(*self.latency_ms) / 1000 if self.latency_ms else 0.0
        fault: Fault | None = None
        if self.faults_percent and rng.random() * 100 < self.faults_percent:
            fault = rng.choice(_FAULTS)
        limited = False
        if self.rate_limit and self.rate_limit.percent:
            limited = rng.random() * 100 < self.rate_limit.percent
        return Decision(latency, fault, limited, request_id)

    def take_token(self) -> bool:
        """False when the requests-per-second budget is spent."""
        return self._bucket.take() if self._bucket else True


class _TokenBucket:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False
