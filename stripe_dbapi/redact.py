"""Redaction: the one place that removes secrets from text before anyone sees it.

Every message, log line and CLI output that could carry a secret passes through a
Redactor built from the connection's secrets, so a key can't leak through an error
Stripe echoes back, a URL, or a traceback's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Stripe's secret-looking tokens, redacted even when the connection does not know them.
_TOKEN_RE = re.compile(r"\b(sk|rk|rt|ac)_(live|test)_[A-Za-z0-9]{4,}")


class Redactor:
    """Replaces known secrets, and anything shaped like a Stripe secret, by `****`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "****")
        return redact_tokens(text)


def redact_tokens(text: str) -> str:
    """`text` with anything shaped like a Stripe secret (`sk_live_…`, `rt_test_…`) masked."""
    return _TOKEN_RE.sub(lambda m: f"{m.group(1)}_{m.group(2)}_****", text)
