"""A Plan's scans as the engine's streams, with run-time keyed reads (plan.KeyedFetch).

A scan with `keyed` waits for its source scan: the source is read whole first (once, under
a lock, whichever stream DuckDB pulls first), its batches are kept and replayed as its own
stream, and the distinct non-null values of the source's key column decide the keyed
scan: at most `max_calls` calls read only the rows of those keys (`KeyedFetch.calls_for`),
otherwise the scan's own calls read the whole table, as without the option. Either way
the rows the join can use are the same; the engine runs the query's SQL unchanged.

Holding the source costs its rows in memory until the query ends: it is the narrowed
side of the join, which DuckDB's hash join would hold anyway when it builds on it. The
query's time limit is checked between the source's pages, as between any pages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from stripe_dbapi.catalog.model import Catalog
from stripe_dbapi.client import StripeClient
from stripe_dbapi.query.plan import Plan, Scan
from stripe_dbapi.scan.arrow import raw_schema
from stripe_dbapi.scan.calls import scan_batches

logger = logging.getLogger(__name__)

Stream = tuple[pa.Schema, Iterator[pa.RecordBatch]]


def plan_streams(
    client: StripeClient,
    plan: Plan,
    catalog: Catalog,
    *,
    concurrency: int,
    check: Callable[[], None],
) -> dict[str, Stream]:
    """Each scan's stream under its registered name; `check` raises when the query must stop."""
    held: dict[int, _Held] = {}
    for scan in plan.scans:
        if scan.keyed is not None and scan.keyed.source not in held:
            source = plan.scans[scan.keyed.source]
            table = catalog.tables[source.table]
            read = scan_batches(client, source, table, concurrency=concurrency)
            held[source.index] = _Held(read, check)
    streams: dict[str, Stream] = {}
    for scan in plan.scans:
        table = catalog.tables[scan.table]
        batches: Iterator[pa.RecordBatch]
        if scan.index in held:
            batches = held[scan.index].replay()
        elif scan.keyed is not None:
            batches = _keyed(client, scan, catalog, held[scan.keyed.source], concurrency)
        else:
            batches = scan_batches(client, scan, table, concurrency=concurrency)
        streams[scan.stream_name] = (raw_schema(table, scan.columns), batches)
    return streams


class _Held:
    """A source scan read whole on first use and kept: its batches and its keys."""

    def __init__(self, read: Iterator[pa.RecordBatch], check: Callable[[], None]) -> None:
        self._read = read
        self._check = check
        self._lock = threading.Lock()
        self._batches: list[pa.RecordBatch] | None = None
        self._failure: BaseException | None = None

    def batches(self) -> list[pa.RecordBatch]:
        with self._lock:
            if self._failure is not None:
                raise self._failure
            if self._batches is None:
                try:
                    out = []
                    for batch in self._read:
                        out.append(batch)
                        self._check()
                    self._batches = out
                except BaseException as exc:
                    self._failure = exc
                    close = getattr(self._read, "close", None)
                    if close is not None:
                        close()
                    raise
            return self._batches

    def replay(self) -> Iterator[pa.RecordBatch]:
        yield from self.batches()

    def keys(self, column: str) -> list[str]:
        """The distinct non-null values of `column` (lower-cased; a NULL key equals no row)."""
        values: set[str] = set()
        for batch in self.batches():
            names = [name.lower() for name in batch.schema.names]
            index = names.index(column)  # the planner offers only a column the source reads
            unique = pc.unique(batch.column(index).drop_null())
            values.update(v for v in unique.to_pylist() if isinstance(v, str))
        return sorted(values)


def _keyed(
    client: StripeClient, scan: Scan, catalog: Catalog, source: _Held, concurrency: int
) -> Iterator[pa.RecordBatch]:
    """The keyed scan's batches: by key when the keys are few, else its own calls."""
    keyed = scan.keyed
    assert keyed is not None
    table = catalog.tables[scan.table]
    keys = source.keys(keyed.source_column)
    calls = keyed.calls_for(keys) if keyed.chooses_keys(len(keys)) else None
    if calls is None:
        logger.debug("scan %d: %d keys: reading the whole of %s", scan.index, len(keys), table.name)
        yield from scan_batches(client, scan, table, concurrency=concurrency)
        return
    logger.debug(
        "scan %d: %d keys: %d keyed calls on %s", scan.index, len(keys), len(calls), table.name
    )
    if calls:
        by_key = replace(scan, calls=calls, fanout=None, keyed=None)
        yield from scan_batches(client, by_key, table, concurrency=concurrency)
