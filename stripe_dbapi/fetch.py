"""Runs a Plan's scans through StripeClient and turns pages into Arrow record batches.

A scan is a generator of batches, page by page, so the engine can stop pulling (and the
driver stop paging) as soon as the query has what it needs. Several calls of one scan (IN
lists, id look-ups, fan-out over parents) run concurrently on a bounded pool; their pages
meet in a small bounded queue, so memory stays bounded by pages in flight. Any call that
finally fails fails the whole scan: no partial result is ever returned as complete.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from stripe_dbapi import slicing, typemap
from stripe_dbapi.catalog.model import Column, Table
from stripe_dbapi.exceptions import Error, InternalError
from stripe_dbapi.http import StripeClient
from stripe_dbapi.plan import Call, FanOut, Scan

logger = logging.getLogger(__name__)

Rows = list[dict[str, Any]]


def raw_schema(table: Table, columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema of a scan's raw stream (see typemap)."""
    return _layout(table, tuple(columns))[1]


_Layout = tuple[tuple[tuple[str, typemap.TypeRule], ...], pa.Schema]
_LAYOUTS: dict[tuple[int, tuple[str, ...]], tuple[Table, _Layout]] = {}


def _layout(table: Table, columns: tuple[str, ...]) -> _Layout:
    """Each column's type rule and the raw schema, worked out once per table and columns."""
    key = (id(table), columns)
    cached = _LAYOUTS.get(key)
    if cached is not None and cached[0] is table:
        return cached[1]
    rules = tuple((name, typemap.rule(_column(table, name).type)) for name in columns)
    layout = (rules, pa.schema([pa.field(name, rule.arrow) for name, rule in rules]))
    if len(_LAYOUTS) > 512:
        _LAYOUTS.clear()
    _LAYOUTS[key] = (table, layout)  # the table is kept so its id is not reused
    return layout


def _column(table: Table, name: str) -> Column:
    column = table.column(name)
    if column is None:
        raise InternalError(f"The plan asks for `{table.name}.{name}`, which the catalog lacks.")
    return column


# One encoder for every nested value: json.dumps with separators builds a new one per call.
_encode = json.JSONEncoder(separators=(",", ":")).encode


def to_batch(
    rows: Rows, table: Table, columns: Sequence[str], fill: Sequence[tuple[str, str]] = ()
) -> pa.RecordBatch:
    """Stripe objects → one record batch of the scan's raw schema.

    Each column is built with one `pa.array` call over a list comprehension; nested
    values are encoded as JSON text by one shared C encoder; only values that do not fit
    the column's type (an expanded object where an id is expected) take the slower
    per-value path.
    """
    rules, schema = _layout(table, tuple(columns))
    fills = dict(fill)
    arrays = []
    for name, rule in rules:
        values = [row.get(name) for row in rows]
        if name in fills:
            default = fills[name]
            values = [default if v is None else v for v in values]
        if rule.nested:
            values = [None if v is None else _encode(v) for v in values]
            arrays.append(pa.array(values, type=rule.arrow))
            continue
        try:
            arrays.append(pa.array(values, type=rule.arrow))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays.append(pa.array([_coerce(v, rule.arrow) for v in values], type=rule.arrow))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


_warmed = threading.Event()


def warm_up() -> None:
    """Pay pyarrow's one-time import of pandas on a background thread, once per process.

    pyarrow imports pandas (about 0.6 s) on the first `pa.array` call of a process when
    pandas is installed; done at connect time it overlaps the connection check instead
    of delaying the first page of the first query.
    """
    if _warmed.is_set():
        return
    _warmed.set()
    threading.Thread(target=lambda: pa.array([0]), name="stripe-dbapi-warm-up", daemon=True).start()


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
    """The pages of one call, sequentially; a retrieve is one page of zero or one row.

    A missing object is no row, as it would be in a full scan: a retrieve that answers 404
    or returns a deleted object (Stripe still retrieves deleted customers, products …),
    and a list whose parent or filter object does not exist (404 `resource_missing`).
    """
    if call.kind == "retrieve":
        obj = client.retrieve(call.path, call.params)
        yield [obj] if obj is not None and obj.get("deleted") is not True else []
    elif call.kind == "search":
        query = dict(call.params).get("query", "")
        yield from client.search_pages(call.path, query, max_rows=call.max_rows)
    else:
        try:
            yield from client.list_pages(call.path, call.params, max_rows=call.max_rows)
        except Error as exc:
            if exc.http_status != 404 or exc.code != "resource_missing":
                raise


# A task runs on the pool and yields (call, rows) pages, or a Spawn of more tasks.
Task = Callable[[], Iterator[Any]]


def scan_batches(
    client: StripeClient, scan: Scan, table: Table, *, concurrency: int = 4
) -> Iterator[pa.RecordBatch]:
    """The rows of a scan as record batches, deduplicated by id across its calls.

    Calls run concurrently (at most `concurrency` requests in flight); a list call marked
    with `slice` is split into parallel time slices after its first page (slicing.py); a
    fan-out reads child rows from the parents' embedded lists where they are complete.
    """
    if scan.fanout is not None:
        tasks = _fanout_tasks(client, scan.fanout, concurrency)
    else:
        tasks = [_call_task(client, call, concurrency, _as_rows(call)) for call in scan.calls]
    dedupe = len(scan.calls) > 1 or scan.fanout is not None
    seen: set[Any] = set()
    for call, rows in _run(tasks, concurrency):
        if dedupe:
            fresh = []
            for row in rows:
                key = row.get("id")
                if key is not None and not scan.dedupe_by_id:
                    key = (call.fill, key)
                if key is None or key not in seen:
                    if key is not None:
                        seen.add(key)
                    fresh.append(row)
            rows = fresh
        if rows:
            yield to_batch(rows, table, scan.columns, call.fill)


def _as_rows(call: Call) -> Callable[[Rows], Iterator[Any]]:
    def sink(page: Rows) -> Iterator[Any]:
        yield call, page

    return sink


def _call_task(
    client: StripeClient, call: Call, concurrency: int, sink: Callable[[Rows], Iterator[Any]]
) -> Task:
    """The task that reads one call, sliced in parallel when the plan allows it."""
    if call.kind == "list" and call.slice and call.max_rows is None and concurrency > 1:
        return slicing.sliced_pages(client, call, call.slice, max(2, concurrency * 2), sink)

    def task() -> Iterator[Any]:
        for page in call_pages(client, call):
            yield from sink(page)

    return task


def _fanout_tasks(client: StripeClient, fan: FanOut, concurrency: int) -> list[Task]:
    """Tasks over the parent's pages; each page yields child rows or spawns child calls.

    A parent whose embedded list (`fan.embedded`) is present and complete (`has_more`
    false) gives its child rows directly, with the parent key filled in as the child
    call would; any other parent gets one child call, run concurrently.
    """

    def child_task(key: str) -> Task:
        call = _child_call(fan.template, key, fan.in_path, fan.column)
        return _call_task(client, call, concurrency, _as_rows(call))

    def sink(page: Rows) -> Iterator[Any]:
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
            yield slicing.Spawn(tuple(spawn))

    return [_call_task(client, call, concurrency, sink) for call in fan.parent.calls]


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
        (*template.fill, (column, key)),
        template.slice,
    )


_DONE = object()


def _run(tasks: Sequence[Task], concurrency: int) -> Iterator[tuple[Call, Rows]]:
    """Pages of every task, several tasks at a time, in arrival order.

    One task runs as a plain loop in the caller (no thread, no reordering) until it
    spawns more work. Otherwise `concurrency` worker threads take tasks from a shared
    stack (newest first: a split's pieces and a page's child calls run before older
    work) and put pages on a bounded queue, so memory stays bounded by pages in flight. A
    task may hand back more tasks (a Spawn). The first failure stops everything and is
    raised to the consumer. Closing the generator (the engine has enough rows) stops the
    workers after their current request.
    """
    if not tasks:
        return
    if len(tasks) > 1:
        yield from _pool(list(tasks), concurrency)
        return
    items = tasks[0]()
    handed_over = False
    try:
        for item in items:
            if isinstance(item, slicing.Spawn):
                # The rest of this task continues on a worker, beside what it spawned.
                handed_over = True
                yield from _pool([lambda: items, *item.tasks], concurrency)
                return
            yield item
    finally:
        if not handed_over:  # a worker may still be running it otherwise
            close_iterator(items)


def _pool(tasks: list[Task], concurrency: int) -> Iterator[tuple[Call, Rows]]:
    """The worker pool of `_run`: runs `tasks` (first ones first) and what they spawn."""
    pending: list[Task] = list(reversed(tasks))
    cond = threading.Condition()
    active = 0
    out: queue.Queue[Any] = queue.Queue(maxsize=max(2, concurrency))
    stop = threading.Event()

    def take() -> Task | None:
        nonlocal active
        with cond:
            while not stop.is_set():
                if pending:
                    active += 1
                    return pending.pop()
                if active == 0:
                    return None
                cond.wait(0.1)
            return None

    def spawn(more: Sequence[Task]) -> None:
        with cond:
            pending.extend(reversed(more))
            cond.notify_all()

    def done() -> None:
        nonlocal active
        with cond:
            active -= 1
            cond.notify_all()

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
                task = take()
                if task is None:
                    break
                try:
                    for item in task():
                        if isinstance(item, slicing.Spawn):
                            spawn(item.tasks)
                        elif not put(item):
                            return
                finally:
                    done()
        except BaseException as exc:  # handed to the consumer, which raises it
            stop.set()
            _force_put(out, exc)
        finally:
            put(_DONE)  # after a failure the consumer raises without waiting for it

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


def _force_put(out: queue.Queue[Any], item: Any) -> None:
    """Put a failure even when the queue is full: pages of a failed scan may be dropped."""
    while True:
        try:
            out.put(item, timeout=0.1)
            return
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                out.get_nowait()


def close_iterator(iterator: Iterator[Any]) -> None:
    """Stop a generator early (its `finally` runs); a plain iterator needs nothing."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()
