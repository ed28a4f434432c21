"""What the planner decides, as values: Scans made of Stripe calls, and the engine's SQL.

A Plan is pure data. `fetch.py` executes its scans, `engine.py` runs its SQL, and
`explain_rows` renders it for `EXPLAIN` without calling Stripe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from stripe_dbapi.http import PAGE_SIZE, page_limit

CallKind = Literal["list", "retrieve", "search"]


@dataclass(frozen=True)
class Call:
    """One Stripe request sequence: a paged list, a retrieve, or a paged search.

    `fill` gives column values the rows of this call are known to have but Stripe does
    not return (a filter-only column's value, the parent key of a nested list). `slice`
    names the range parameter (`created`) a list call may be split on into time slices
    fetched in parallel (see `slicing.py`); None when it is read sequentially.
    """

    kind: CallKind
    path: str
    params: tuple[tuple[str, str], ...] = ()
    max_rows: int | None = None
    fill: tuple[tuple[str, str], ...] = ()
    slice: str | None = None

    def describe(self) -> str:
        """The first request this call sends, as `GET /v1/…?…` (its page size included)."""
        params = list(self.params)
        if self.kind != "retrieve":
            params.append(("limit", str(page_limit(self.max_rows))))
        # Percent-encoded as sent, but leaving the characters that read the same either way.
        query = urlencode(params, safe="[]@:,{}'<>")
        return f"GET {self.path}" + (f"?{query}" if query else "")

    def pages(self) -> str:
        if self.kind == "retrieve":
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
    """The rows of one table reference, fetched by `calls` (or a fan-out), deduplicated by id.

    `dedupe_by_id` False (a Pushdown=false reference read): rows of calls with different
    fill values (another parent, another filter-only value) are different rows; only a
    repeat of an id within the same fill is dropped.
    """

    index: int
    table: str
    alias: str
    columns: tuple[str, ...]
    calls: tuple[Call, ...] = ()
    fanout: FanOut | None = None
    pushed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    dedupe_by_id: bool = True

    @property
    def raw_name(self) -> str:
        """The name the engine registers this scan's Arrow stream under."""
        return f"__stripe_scan_{self.index}"


@dataclass(frozen=True)
class Plan:
    """A query's scans and the SQL the engine runs over them."""

    sql: str
    scans: tuple[Scan, ...]
    explain: bool = False
    engine_work: tuple[str, ...] = ()
    rescans: bool = False  # the engine reads a scan more than once (PIVOT): materialize it
    row_wise: bool = False  # filters and projections of one scan: run page by page


EXPLAIN_COLUMNS = ("step", "table", "request", "pages", "detail")


def explain_rows(plan: Plan) -> list[tuple[str, str, str, str, str]]:
    """One row per Stripe call (or fan-out), then one for what the engine still does."""
    rows: list[tuple[str, str, str, str, str]] = []

    def add_scan(scan: Scan, step: str) -> None:
        detail = "; ".join((*(f"pushed: {p}" for p in scan.pushed), *scan.notes))
        if scan.fanout is not None:
            f = scan.fanout
            add_scan(f.parent, f"{step}.parent")
            where = "path" if f.in_path else f"param {f.param}"
            how = f"fan-out: one call per {f.parent.table}.id in the {where}"
            if f.embedded:
                how = (
                    f"fan-out: rows read from each {f.parent.table} row's embedded "
                    f"`{f.embedded}` list; one call per {f.parent.table}.id in the {where} "
                    "only where that list is truncated (has_more)"
                )
            rows.append(
                (
                    step,
                    scan.table,
                    f.template.describe(),
                    "per parent" if not f.embedded else "per truncated parent",
                    how + (f"; {detail}" if detail else ""),
                )
            )
            return
        if not scan.calls:
            rows.append((step, scan.table, "(none)", "0", detail or "no Stripe call needed"))
        for call in scan.calls:
            text = detail
            if call.slice:
                sliced = (
                    f"parallel: after the first page, split into {call.slice} slices "
                    f"({call.slice}[gte]=a&{call.slice}[lt]=b) fetched concurrently"
                )
                text = f"{detail}; {sliced}" if detail else sliced
            rows.append((step, scan.table, call.describe(), call.pages(), text))

    for scan in plan.scans:
        add_scan(scan, f"scan {scan.index}")
    work = "; ".join(plan.engine_work) if plan.engine_work else "returns the rows"
    rows.append(("engine", "", "DuckDB", "", f"{work}. SQL: {plan.sql}"))
    return rows
