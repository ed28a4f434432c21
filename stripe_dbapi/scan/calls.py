"""Runs a Plan's scans through StripeClient: the pages of each call, as record batches.

A scan is a generator of batches, page by page, so the engine can stop pulling (and the
driver stop paging) as soon as the query has what it needs. Its calls (IN lists, id
look-ups, fan-out over parents, time slices) run on the worker pool of `pool.py`. Any call
that finally fails fails the whole scan: no partial result is ever returned as complete.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from stripe_dbapi._typing import Rows
from stripe_dbapi.catalog.model import Table
from stripe_dbapi.client import StripeClient
from stripe_dbapi.query.plan import Call, FanOut, Scan
from stripe_dbapi.scan import pool, slicing
from stripe_dbapi.scan.arrow import to_batch
from stripe_dbapi.scan.missing import unless_missing
from stripe_dbapi.scan.pool import Item, Spawn, Task

logger = logging.getLogger(__name__)


def call_pages(client: StripeClient, call: Call) -> Iterator[Rows]:
    """The pages of one call, sequentially; a retrieve is one page of zero or one row.

    A missing object is no row, as it would be in a full scan: a retrieve that answers 404
    or returns a deleted object (Stripe still retrieves deleted customers, products …),
    and a list whose parent or filter object does not exist (404 `resource_missing` to
    its first page; a later page's 404 means the scan could not be completed).
    """
    if call.kind == "retrieve":
        obj = client.retrieve(call.path, call.params)
        yield [obj] if obj is not None and obj.get("deleted") is not True else []
    elif call.kind == "object":
        yield [client.get(call.path, call.params)]  # made rows by the table's `single`
    elif call.kind == "search":
        query = dict(call.params).get("query", "")
        extra = [(k, v) for k, v in call.params if k != "query"]
        yield from client.search_pages(call.path, query, max_rows=call.max_rows, params=extra)
    else:
        pages = (
            client.list_pages(call.path, call.params, max_rows=call.max_rows)
            if call.paginated
            else client.list_pages(  # Stripe takes no `limit` or cursor there: one request
                call.path, call.params, max_rows=call.max_rows, paginated=False
            )
        )
        yield from unless_missing(pages)


def scan_batches(
    client: StripeClient, scan: Scan, table: Table, *, concurrency: int = 4
) -> Iterator[pa.RecordBatch]:
    """The rows of a scan as record batches, de-duplicated across its calls.

    Calls run concurrently (at most `concurrency` requests in flight); a list call marked
    with `slice` is split into parallel time slices after its first page (slicing.py); a
    fan-out reads child rows from the parents' embedded lists where they are complete.
    A single-object table's rows are made from its one object (`Table.single.rows`).
    A row is one object *with the values its call fills*: the same subscription under
    `price=a` and `price=b` is two rows, and a child id that is unique only within its
    parent (an account's `card_payments` capability) is one row per parent.
    """
    capacity = pool.Capacity(concurrency)
    if scan.fanout is not None:
        tasks = _fanout_tasks(client, scan.fanout, capacity)
    else:
        tasks = [_call_task(client, call, capacity, _as_rows(call)) for call in scan.calls]
    dedupe = len(scan.calls) > 1 or scan.fanout is not None
    parent = scan.fanout.column if scan.fanout is not None else None
    seen: set[tuple[Any, ...]] = set()
    cpu, asked = time.process_time(), client.request_count
    try:
        for call, rows in pool.run(tasks, concurrency, capacity):
            if table.single is not None:
                rows = [row for obj in rows for row in table.single.rows(obj)]
            if dedupe:
                fresh = []
                for row in rows:
                    key = _row_key(row, call, parent)
                    if key[0] is None or key not in seen:
                        seen.add(key)
                        fresh.append(row)
                rows = fresh
            if rows:
                yield to_batch(rows, table, scan.columns, call.filled)
    finally:
        # The whole process's CPU while the scan ran, per answer: what sizes the next
        # scan's requests in flight (stripe_api.requests_in_flight).
        client.observe_cpu(time.process_time() - cpu, client.request_count - asked)


def _row_key(row: dict[str, Any], call: Call, parent: str | None) -> tuple[Any, ...]:
    """What makes a row of the scan one row: its id and the values its call fills."""
    values: dict[str, Any] = dict(call.filled)
    if parent is not None:
        values[parent] = row.get(parent) or values.get(parent)
    return (row.get("id"), *sorted(values.items()))


def _as_rows(call: Call) -> Callable[[Rows], Iterator[Item]]:
    def sink(page: Rows) -> Iterator[Item]:
        yield call, page

    return sink


def _call_task(
    client: StripeClient,
    call: Call,
    capacity: pool.Capacity,
    sink: Callable[[Rows], Iterator[Item]],
) -> Task:
    """The task that reads one call, sliced in parallel when the plan allows it."""
    if call.kind == "list" and call.slice and call.max_rows is None and capacity.workers > 1:
        return slicing.sliced_pages(client, call, call.slice, capacity, sink)

    def task() -> Iterator[Item]:
        for page in call_pages(client, call):
            yield from sink(page)

    return task


def _fanout_tasks(client: StripeClient, fan: FanOut, capacity: pool.Capacity) -> list[Task]:
    """Tasks over the parent's pages; each page yields child rows or spawns child calls.

    A parent whose embedded list (`fan.embedded`) is present and complete (`has_more`
    false) gives its child rows directly, with the parent key filled in as the child
    call would; any other parent gets one child call, run concurrently.
    """

    def child_task(key: str) -> Task:
        call = _child_call(fan.template, key, fan.in_path, fan.column)
        return _call_task(client, call, capacity, _as_rows(call))

    def sink(page: Rows) -> Iterator[Item]:
        embedded_rows: Rows = []
        spawn: list[Task] = []
        for parent in page:
            key = parent.get("id")
            if not isinstance(key, str):
                continue
            items = _complete_embedded(parent, fan.embedded)
            if items is None:
                spawn.append(child_task(key))
                continue
            for item in items:
                if item.get(fan.column) is None:
                    item = {**item, fan.column: key}
                embedded_rows.append(item)
        if embedded_rows:
            yield fan.template, embedded_rows
        if spawn:
            yield Spawn(tuple(spawn))

    return [_call_task(client, call, capacity, sink) for call in fan.parent.calls]


def _complete_embedded(parent: dict[str, Any], field: str | None) -> Rows | None:
    """The parent's embedded child list when it is certainly complete, else None."""
    if field is None:
        return None
    embedded = parent.get(field)
    if not isinstance(embedded, dict) or embedded.get("object") != "list":
        return None  # not returned (an includable field) or expanded differently
    data = embedded.get("data")
    if embedded.get("has_more") is not False or not isinstance(data, list):
        return None
    if not all(isinstance(item, dict) for item in data):
        return None
    return data


def _child_call(template: Call, key: str, in_path: bool, column: str) -> Call:
    path = template.path.replace("{key}", quote(key, safe="")) if in_path else template.path
    params = tuple((k, key if v == "{key}" else v) for k, v in template.params)
    return Call(
        template.kind,
        path,
        params,
        template.max_rows,
        (*template.filled, (column, key)),
        template.slice,
        template.paginated,
    )
