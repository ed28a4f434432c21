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


def requests_in_flight(maximum: int, rate: float | None, latency: float | None) -> int:
    """How many requests a scan keeps in flight: enough to spend the rate budget, no more.

    Little's law: `rate` requests a second, each answered after `latency` seconds, need
    `rate × latency` in flight; a worker also spends time on each page besides waiting
    for it (decoding, handing it over), so twice that, plus two for jitter (measured:
    at zero latency under `RateLimit=100` this is faster than 16 workers, and sends fewer
    requests, since a sliced scan cuts pieces per worker). With no budget (a server other
    than Stripe) or no measured latency yet, `maximum` (MaxConcurrency).
    """
    if rate is None or latency is None or rate <= 0:
        return maximum
    return max(2, min(maximum, math.ceil(2 * rate * latency) + 2))


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
