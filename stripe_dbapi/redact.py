"""Redaction: the one place that removes secrets from text before anyone sees it.

Every message, log line and CLI output that could carry a secret passes through a
Redactor built from the connection's secrets, so a key can't leak through an error
Stripe echoes back, a URL, or a traceback's text. Values a server supplies that end up in
messages and logs (Stripe's request id, an error code) are kept only when they have the
shape Stripe gives them: a hostile or broken server cannot put a secret, a line break or
a page of text there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Stripe's secret-looking tokens, redacted even when the connection does not know them:
# keys with their mode (`sk_live_…`, `rk_test_…`), and Connect refresh tokens and
# authorization codes, which Stripe issues without one (`rt_…`, `ac_…`). Stripe's own
# masked form (`sk_test_****1234`) is left as it is.
_TOKEN_RE = re.compile(
    r"\b(sk|rk|rt|ac)_(?:(live|test)_[A-Za-z0-9]{4,}|(?!live_|test_)[A-Za-z0-9]{8,})"
)
_REQUEST_ID_RE = re.compile(r"req_[A-Za-z0-9]{1,64}")
_CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")


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
    """`text` with anything shaped like a Stripe secret (`sk_live_…`, `rt_…`) masked."""
    return _TOKEN_RE.sub(
        lambda m: f"{m.group(1)}_{m.group(2)}_****" if m.group(2) else f"{m.group(1)}_****", text
    )


def safe_request_id(value: object) -> str | None:
    """A server-supplied request id when it is shaped like Stripe's (`req_…`), else None."""
    return value if isinstance(value, str) and _REQUEST_ID_RE.fullmatch(value) else None


def safe_code(value: object) -> str | None:
    """A server-supplied error code when it is shaped like Stripe's (`resource_missing`,
    `invalid_grant` …), else None."""
    if not isinstance(value, str) or not _CODE_RE.fullmatch(value):
        return None
    return value if redact_tokens(value) == value else None
