"""What the planner decides, as values: Scans made of Stripe calls, and the engine's SQL.

A Plan is pure data. `scan/` executes its scans, `engine.py` runs its SQL, and
`explain.py` renders it for `EXPLAIN` without calling Stripe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import quote, urlencode

from stripe_dbapi.stripe_api import PAGE_SIZE, addressable, page_limit

CallKind = Literal["list", "retrieve", "search", "object"]


@dataclass(frozen=True)
class Call:
    """One Stripe request sequence: a paged list, a retrieve, a paged search, or the one
    GET of a single-object endpoint ("object": `/v1/balance`, no parameters, the catalog's
    `Table.single` makes its rows).

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
        if self.kind not in ("retrieve", "object") and self.paginated:
            params.append(("limit", str(page_limit(self.max_rows))))
        # Percent-encoded as sent, but leaving the characters that read the same either way.
        query = urlencode(params, safe="[]@:,{}'<>")
        return f"GET {self.path}" + (f"?{query}" if query else "")

    def pages(self) -> str:
        if self.kind in ("retrieve", "object") or not self.paginated:
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


KEY = "{key}"  # stands for one key in a FanOut's or a KeyedFetch's template call


@dataclass(frozen=True)
class KeyedFetch:
    """A scan that may be read by the keys another scan holds, decided at run time.

    `SELECT … FROM charges ch JOIN customers c ON c.id = ch.customer WHERE ch.created >= …`
    needs only the customers the selected charges name. The scan `source` is read first;
    then this scan is either its own calls (the whole table) or `templates` once per
    distinct non-null value of `source_alias.source_column`, with `{key}` standing for the
    value (a retrieve `/v1/customers/{key}`, a list `?customer={key}`, a child list
    `/v1/invoices/{key}/lines`): the keyed read when it makes at most `max_calls` calls
    (`chooses_keys`). Its rows are then exactly the rows whose `column` holds one of the
    keys, which are all the rows the join can use (see query/joins.py for when that holds).
    """

    source: int
    source_alias: str
    source_column: str
    column: str
    templates: tuple[Call, ...]
    max_calls: int
    equality: str

    def chooses_keys(self, keys: int) -> bool:
        """True when `keys` distinct keys cost at most `max_calls` calls: read by key."""
        return keys * len(self.templates) <= self.max_calls

    def calls_for(self, keys: Iterable[str]) -> tuple[Call, ...] | None:
        """The calls that read the rows of `keys`; None when a key cannot be sent exactly
        (an empty parameter value: Stripe would read it as no filter), so the scan reads
        the whole table instead. A key that cannot be a path segment (`''`, `..`) names no
        object and has no rows."""
        calls = []
        for key in sorted(set(keys)):
            for template in self.templates:
                path = template.path.replace(KEY, quote(key, safe=""))
                if KEY in template.path and not addressable(path):
                    continue
                if key == "" and any(v == KEY for _, v in template.params):
                    return None
                calls.append(
                    replace(
                        template,
                        path=path,
                        params=tuple((k, key if v == KEY else v) for k, v in template.params),
                        filled=tuple((k, key if v == KEY else v) for k, v in template.filled),
                    )
                )
        return tuple(calls)


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
    # Read by the keys of another scan when they are few (decided at run time); `calls`
    # (or `fanout`) are then the fallback, the whole table. See scan/keyed.py.
    keyed: KeyedFetch | None = None

    @property
    def stream_name(self) -> str:
        """The name the engine registers this scan's Arrow stream under."""
        return f"__stripe_scan_{self.index}"


@dataclass(frozen=True)
class DirectFilter:
    """One filter the driver re-applies itself: `column IN values` (`=` is one value),
    `column IS NULL` ("null") or `IS NOT NULL` ("not_null")."""

    column: str
    op: Literal["in", "null", "not_null"]
    values: tuple[str | int | bool, ...] = ()


@dataclass(frozen=True)
class Direct:
    """A query answered from its one scan's pages without the engine (query/direct.py).

    `shape_sql` is the query with its filter literals replaced by stand-ins of their types:
    the engine binds it once over no rows, for the names and types of its output (and so
    that every name in it resolves by the engine's rules). `sources` names the scan
    column of each output column, in order; a row is kept when every filter holds.
    """

    table: str
    shape_sql: str
    sources: tuple[str, ...]
    filters: tuple[DirectFilter, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A query's scans and the SQL the engine runs over them."""

    sql: str
    scans: tuple[Scan, ...]
    explain: bool = False
    engine_work: tuple[str, ...] = ()
    reads_twice: bool = False  # the engine reads a scan more than once (PIVOT): materialize it
    row_wise: bool = False  # filters and projections of one scan: run page by page
    direct: Direct | None = None  # answered without the engine (query/direct.py)
