"""Stripe's API contract as constants and pure functions. No I/O.

What Stripe documents about its v1 API and the driver relies on, said once: page sizes,
how many calls or search clauses one query may make, the rate budgets, the shapes of keys
and account ids, and which paths name an object. The client, the planner, the rate
limiter and the sandbox read these; none of them restates a number.
"""

from __future__ import annotations

import math
import re

PAGE_SIZE = 100  # Stripe's largest `limit` for a list or search page
MAX_CALLS = 100  # IN lists and id look-ups beyond this fall back to one wider scan
MAX_SEARCH_CLAUSES = 10  # Stripe's limit on clauses in one search query

LIVE_RATE, TEST_RATE = 100.0, 25.0  # Stripe's documented read requests per second
SEARCH_RATE = 20.0  # the Search API's own budget, live and test
# Per-endpoint budgets below the global one: (path fragment, requests per second).
ENDPOINT_RATES: tuple[tuple[str, float], ...] = (("/search", SEARCH_RATE),)

SECRET_KEY_PREFIXES = ("sk_", "rk_")  # secret and restricted keys
# `acct_` and letters/digits, nothing after: `\Z`, since `$` also matches before a final
# newline and `acct_1\n` would pass as an account id.
_ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]+\Z")


def is_live_key(api_key: str | None) -> bool:
    """True for a live-mode key (`sk_live_…`, `rk_live_…`); test keys and None are not."""
    return bool(api_key) and "_live_" in str(api_key)


def is_account_id(text: str) -> bool:
    """True when `text` is exactly a Stripe account id (`acct_…`)."""
    return _ACCOUNT_ID.match(text) is not None


def rate_budget(api_key: str | None) -> float:
    """Stripe's global budget for a key: live keys 100/s, everything else 25/s."""
    return LIVE_RATE if is_live_key(api_key) else TEST_RATE


CPU_PER_REQUEST = 0.01  # the client's CPU for one page of 100 charges, until measured


def requests_in_flight(
    maximum: int,
    rate: float | None,
    latency: float | None,
    cpu: float | None = None,
    *,
    adaptive: bool = True,
) -> int:
    """How many requests a scan keeps in flight: as many as it can use, at most `maximum`.

    Two limits, both from measurements: `latency`, the seconds a request waits for its
    answer, and `cpu`, the client's CPU seconds per answer (reading, decoding, handing it
    to DuckDB; CPU_PER_REQUEST until measured).

    - **The interpreter lock** (`adaptive`): the client's threads share one lock, so its
      answers are processed one at a time, `cpu` seconds each. While one request waits,
      `latency ÷ cpu` other answers can be processed. A second request in flight saves
      at most `latency` per answer, and when that is less than `cpu` it saves less than
      the threads lose contending for the lock (measured at zero latency: two workers
      took twice as long as one, each socket read of one waiting for the lock the other
      holds while decoding): one request. Otherwise `1 + 2 × latency ÷ cpu`, twice what
      Little's law needs because pieces of a scan end unevenly and latency varies (at
      80–120 ms: about 16; at 20 ms: about 5).
    - **The rate budget** (`rate` requests a second): Little's law, `rate × (latency +
      cpu)` in flight spend it, plus one for jitter; more only queue at the limiter.

    With nothing measured yet (`latency` None), `maximum` (MaxConcurrency).
    """
    if latency is None:
        return maximum
    per_answer = cpu if cpu is not None and cpu > 0 else CPU_PER_REQUEST
    n = maximum
    if adaptive:
        n = min(n, 1 if latency < per_answer else 1 + int(2 * latency / per_answer))
    if rate is not None and rate > 0:
        n = min(n, math.ceil(rate * (latency + per_answer)) + 1)
    return max(1, n)


def page_limit(remaining: int | None, page_size: int = PAGE_SIZE) -> int:
    """The `limit` of the next page when `remaining` rows are still wanted (None: all)."""
    return page_size if remaining is None else max(1, min(page_size, remaining))


def addressable(path: str) -> bool:
    """False when a segment of `path` is empty, `.` or `..`.

    Keys and ids are percent-encoded into paths, but `.` and `..` survive encoding and
    every HTTP stack resolves them: `/v1/customers/../balance_transactions` would read
    another endpoint's rows as if they were the customer's. Such a path is never sent.
    """
    return not any(s in ("", ".", "..") for s in path.split("/")[1:])
