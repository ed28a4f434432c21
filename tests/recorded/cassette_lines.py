"""Requests as one comparable line: `GET /v1/path?query`, query unquoted, in sent order."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def request_line(method: str, url: str) -> str:
    """`GET /v1/path?query` with the query unquoted, in the order it was sent."""
    parts = urlsplit(url)
    query = unquote(parts.query)
    return f"{method} {parts.path}" + (f"?{query}" if query else "")
