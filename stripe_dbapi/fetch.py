"""Runs a Plan's scans through StripeClient and turns pages into Arrow record batches.

A scan is a generator of batches, page by page, so the engine can stop pulling (and the
driver stop paging) as soon as the query has what it needs. Several calls of one scan (IN
lists, id look-ups, fan-out over parents) run concurrently on a bounded pool; their pages
meet in a small bounded queue, so memory stays bounded by pages in flight. Any call that
finally fails fails the whole scan: no partial result is ever returned as complete.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from stripe_dbapi import typemap
from stripe_dbapi.catalog.model import Column, Table
from stripe_dbapi.exceptions import Error, InternalError
from stripe_dbapi.http import StripeClient
from stripe_dbapi.plan import Call, Scan

logger = logging.getLogger(__name__)

Rows = list[dict[str, Any]]


def raw_schema(table: Table, columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema of a scan's raw stream (see typemap)."""
    return pa.schema(
        [pa.field(name, typemap.rule(_column(table, name).type).arrow) for name in columns]
    )


def _column(table: Table, name: str) -> Column:
    column = table.column(name)
    if column is None:
        raise InternalError(f"The plan asks for `{table.name}.{name}`, which the catalog lacks.")
    return column


def to_batch(
    rows: Rows, table: Table, columns: Sequence[str], fill: Sequence[tuple[str, str]] = ()
) -> pa.RecordBatch:
    """Stripe objects → one record batch of the scan's raw schema.

    Each column is built with one `pa.array` call over a list comprehension; only values
    that do not fit the column's type (an expanded object where an id is expected, a
    nested value) take the slower per-value path.
    """
    fills = dict(fill)
    arrays = []
    for name in columns:
        column = _column(table, name)
        rule = typemap.rule(column.type)
        values = [row.get(name) for row in rows]
        if name in fills:
            default = fills[name]
            values = [default if v is None else v for v in values]
        if rule.nested:
            values = [None if v is None else json.dumps(v, separators=(",", ":")) for v in values]
            arrays.append(pa.array(values, type=rule.arrow))
            continue
        try:
            arrays.append(pa.array(values, type=rule.arrow))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays.append(pa.array([_coerce(v, rule.arrow) for v in values], type=rule.arrow))
    return pa.RecordBatch.from_arrays(arrays, schema=raw_schema(table, columns))


def _coerce(value: Any, arrow_type: pa.DataType) -> Any:
    """One value made to fit its raw Arrow type, or None when it cannot be."""
    if value is None:
        return None
    if pa.types.is_string(arrow_type):
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            return value["id"]  # an expanded reference still reads as its id
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"))
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    if pa.types.is_integer(arrow_type):
        if isinstance(value, bool):
            return int(value)
        try:
            number = int(value)
        except (TypeError, ValueError):
            return None
        return number if -(2**63) <= number < 2**63 else None
    if pa.types.is_floating(arrow_type):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if pa.types.is_boolean(arrow_type):
        if isinstance(value, str):
            return {"true": True, "false": False}.get(value.lower())
        return bool(value) if isinstance(value, (int, float)) else None
    return None


def call_pages(client: StripeClient, call: Call) -> Iterator[Rows]:
    """The pages of one call; a retrieve is one page of zero or one row."""
    if call.kind == "retrieve":
        obj = client.retrieve(call.path, call.params)
        yield [obj] if obj is not None else []
    elif call.kind == "search":
        query = dict(call.params).get("query", "")
        yield from client.search_pages(call.path, query, max_rows=call.max_rows)
    else:
        yield from client.list_pages(call.path, call.params, max_rows=call.max_rows)


def scan_batches(
    client: StripeClient, scan: Scan, table: Table, *, concurrency: int = 4
) -> Iterator[pa.RecordBatch]:
    """The rows of a scan as record batches, deduplicated by id across its calls."""
    if scan.fanout is not None:
        sources = _fanout_sources(client, scan, concurrency)
    else:
        sources = [(call, _pages_of(client, call)) for call in scan.calls]
    dedupe = len(scan.calls) > 1 or scan.fanout is not None
    seen: set[str] = set()
    for call, rows in _merge(sources, concurrency):
        if dedupe:
            fresh = []
            for row in rows:
                key = row.get("id")
                if key is None or key not in seen:
                    if key is not None:
                        seen.add(key)
                    fresh.append(row)
            rows = fresh
        if rows:
            yield to_batch(rows, table, scan.columns, call.fill)


def _pages_of(client: StripeClient, call: Call) -> Callable[[], Iterator[Rows]]:
    return lambda: call_pages(client, call)


def _fanout_sources(
    client: StripeClient, scan: Scan, concurrency: int
) -> Iterable[tuple[Call, Callable[[], Iterator[Rows]]]]:
    """One child call per parent id, produced lazily as the parent's pages arrive."""
    fan = scan.fanout
    assert fan is not None
    for parent_call in fan.parent.calls:
        for page in call_pages(client, parent_call):
            for parent in page:
                key = parent.get("id")
                if not isinstance(key, str):
                    continue
                call = _child_call(fan.template, key, fan.in_path, fan.column)
                yield call, _pages_of(client, call)


def _child_call(template: Call, key: str, in_path: bool, column: str) -> Call:
    path = template.path.replace("{key}", quote(key, safe="")) if in_path else template.path
    params = tuple((k, key if v == "{key}" else v) for k, v in template.params)
    return Call(template.kind, path, params, template.max_rows, (*template.fill, (column, key)))


_DONE = object()


def _merge(
    sources: Iterable[tuple[Call, Callable[[], Iterator[Rows]]]], concurrency: int
) -> Iterator[tuple[Call, Rows]]:
    """Pages of every source, several sources at a time, in arrival order.

    With one source this is a plain loop (no thread, no reordering). Otherwise worker
    threads take sources from a shared iterator and put pages on a bounded queue; the
    first failure stops everything and is raised to the consumer. Closing the generator
    (the engine has enough rows) stops the workers after their current request.
    """
    iterator = iter(sources)
    first = next(iterator, None)
    if first is None:
        return
    second = next(iterator, None)
    if second is None:
        call, pages = first
        for rows in pages():
            yield call, rows
        return

    chained = itertools.chain([first, second], iterator)
    lock = threading.Lock()
    out: queue.Queue[Any] = queue.Queue(maxsize=concurrency * 2)
    stop = threading.Event()

    def take() -> tuple[Call, Callable[[], Iterator[Rows]]] | None:
        with lock:
            return next(chained, None)

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while not stop.is_set():
                source = take()
                if source is None:
                    break
                call, pages = source
                for rows in pages():
                    if not put((call, rows)):
                        return
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)
        finally:
            put(_DONE)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(max(1, concurrency))]
    for w in workers:
        w.start()
    finished = 0
    try:
        while finished < len(workers):
            item = out.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, BaseException):
                if isinstance(item, Error):
                    raise item
                raise InternalError(f"A Stripe scan failed unexpectedly: {item!r}") from item
            else:
                yield item
    finally:
        stop.set()
