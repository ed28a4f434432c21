"""Search requests: the matches of a query over a table, and the pages Stripe makes of them.

The query language is `search_query.py`'s; this module holds what a request asked
(`SearchRequest`, validated in `api.py`), every match by the straightforward scan
(`scan_hits`, the reference), the matches kept per query text for the served path
(`SearchCache`: paging through one search costs one scan), the response body and the
`page` tokens (`page_…`, an offset, as opaque to clients as Stripe's).
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Table
from stripe_dbapi.sandbox.data import Collection, Dataset
from stripe_dbapi.sandbox.errors import ApiError
from stripe_dbapi.sandbox.search_query import SearchQuery

_MAX_SEARCHES = 256  # searches whose matches are kept, by query text


@dataclass(frozen=True)
class SearchRequest:
    """A validated search request."""

    table: Table
    text: str
    query: SearchQuery
    limit: int
    offset: int
    paths: list[str]
    total: bool
    url: str

    def page(self, hits: list[Row]) -> list[Row]:
        return hits[self.offset : self.offset + self.limit]

    def body(self, hits: list[Row], data: list[Any]) -> dict[str, Any]:
        """The response body, with `data` as its objects."""
        has_more = self.offset + self.limit < len(hits)
        result: dict[str, Any] = {
            "object": "search_result",
            "data": data,
            "has_more": has_more,
            "next_page": page_token(self.offset + self.limit) if has_more else None,
            "url": self.url,
        }
        if self.total:
            result["total_count"] = len(hits)
        return result


def scan_hits(search: SearchRequest, dataset: Dataset) -> list[Row]:
    """Every row the search matches, newest first."""
    rows = dataset.collection(search.table.name) or Collection([])
    relations = dataset.relations.get(search.table.name, {})
    # A search field Stripe's objects no longer carry (`invoices` `subscription`) is
    # searched on the relationship the data set records.
    return [
        r for r in rows.rows if search.query.matches({**relations.get(r.get("id", ""), {}), **r})
    ]


class SearchCache:
    """The matches of the latest searches, by table and query text."""

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self._hits: OrderedDict[tuple[str, str], list[Row]] = OrderedDict()
        self._lock = threading.Lock()

    def hits(self, search: SearchRequest) -> list[Row]:
        key = (search.table.name, search.text)
        with self._lock:
            hits = self._hits.get(key)
            if hits is not None:
                self._hits.move_to_end(key)
                return hits
        hits = scan_hits(search, self._dataset)
        with self._lock:
            self._hits[key] = hits
            while len(self._hits) > _MAX_SEARCHES:
                self._hits.popitem(last=False)
        return hits


def page_offset(token: Any) -> int:
    """The offset a `page` token stands for (400 for one the sandbox did not make)."""
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(token)[5:] + "==").decode()
        if not str(token).startswith("page_") or not text.startswith("offset:"):
            raise ValueError(token)
        return int(text[7:])
    except ValueError as exc:
        raise ApiError(400, f"Invalid page: {token}", param="page") from exc


def page_token(offset: int) -> str:
    return "page_" + base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")
