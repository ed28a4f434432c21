"""A list under a parent or filter object that does not exist is no rows, as in a full scan.

Only the first request of a call may say so (404 `resource_missing`): a later page's 404
means the object a cursor names was deleted mid-scan, and the client raises that as a
scan that could not be completed.
"""

from __future__ import annotations

from collections.abc import Iterator

from stripe_dbapi._typing import Rows
from stripe_dbapi.exceptions import Error


def unless_missing(pages: Iterator[Rows]) -> Iterator[Rows]:
    """The pages of a list call; none when its first request answers 404 resource_missing."""
    try:
        first = next(pages, None)
    except Error as exc:
        if exc.http_status != 404 or exc.code != "resource_missing":
            raise
        return
    if first is not None:
        yield first
        yield from pages
