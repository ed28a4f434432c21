"""What the planner decides, as values: Scans made of Stripe calls, and the engine's SQL.

A Plan is pure data. `scan/` executes its scans, `engine.py` runs its SQL, and
`explain.py` renders it for `EXPLAIN` without calling Stripe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from stripe_dbapi.stripe_api import PAGE_SIZE, page_limit

CallKind = Literal["list", "retrieve", "search"]


@dataclass(frozen=True)
class Call:
    """One Stripe request sequence: a paged list, a retrieve, or a paged search.

    `filled` gives column values the rows of this call are known to have but Stripe does
    not return (a filter-only column's value, the parent key of a nested list). `slice`
    names the range parameter (`created`) a list call may be split on into time slices
    fetched in parallel (see `slicing.py`); None when it is read sequentially. A list call
    that is not `paginated` (the catalog's `Table.paginated`: Stripe takes no `limit` or
    cursor there) is one request that returns every row.
    """

    kind: CallKind
    path: str
    params: tuple[tuple[str, str], ...] = ()
    max_rows: int | None = None
    filled: tuple[tuple[str, str], ...] = ()
    slice: str | None = None
    paginated: bool = True

    def describe(self) -> str:
        """The first request this call sends, as `GET /v1/…?…` (its page size included)."""
        params = list(self.params)
        if self.kind != "retrieve" and self.paginated:
            params.append(("limit", str(page_limit(self.max_rows))))
        # Percent-encoded as sent, but leaving the characters that read the same either way.
        query = urlencode(params, safe="[]@:,{}'<>")
        return f"GET {self.path}" + (f"?{query}" if query else "")

    def pages(self) -> str:
        if self.kind == "retrieve" or not self.paginated:
            return "1"
        if self.max_rows is not None and self.max_rows <= PAGE_SIZE:
            return "1"
        if self.max_rows is not None:
            return f"≤{-(-self.max_rows // PAGE_SIZE)}"
        return "all"


@dataclass(frozen=True)
class FanOut:
    """A child-table scan with no parent key given: one call per row of the parent scan.

    `template` is the child call with `{key}` standing for the parent id, in the path
    (`/v1/invoices/{key}/lines`) or as the value of `param` in the query. `embedded` names
    the parent's field that embeds the first items of the child list (`lines`): a parent
    whose embedded list is complete gives its child rows without a call of its own.
    """

    parent: Scan
    template: Call
    param: str
    in_path: bool
    column: str
    embedded: str | None = None


@dataclass(frozen=True)
class Scan:
    """The rows of one table reference, fetched by `calls` (or a fan-out); rows of several
    calls are de-duplicated by id and the values their call fills (see scan/calls.py)."""

    index: int
    table: str
    alias: str
    columns: tuple[str, ...]
    calls: tuple[Call, ...] = ()
    fanout: FanOut | None = None
    pushed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # Each predicate of the scan and how its calls express it: "exact", "widened" (a
    # superset is fetched) or "dropped" (left to the engine). See query/calls.py.
    predicates: tuple[tuple[str, str], ...] = ()

    @property
    def stream_name(self) -> str:
        """The name the engine registers this scan's Arrow stream under."""
        return f"__stripe_scan_{self.index}"


@dataclass(frozen=True)
class Plan:
    """A query's scans and the SQL the engine runs over them."""

    sql: str
    scans: tuple[Scan, ...]
    explain: bool = False
    engine_work: tuple[str, ...] = ()
    reads_twice: bool = False  # the engine reads a scan more than once (PIVOT): materialize it
    row_wise: bool = False  # filters and projections of one scan: run page by page
