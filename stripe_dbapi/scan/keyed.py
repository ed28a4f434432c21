"""A Plan's scans as the engine's streams, with run-time keyed reads (plan.KeyedFetch).

A scan with `keyed` waits for its source scan: the source's pages are read first (once,
under a lock, whichever stream DuckDB pulls first) and its distinct non-null keys decide
the keyed scan: at most `max_calls` calls read only the rows of those keys
(`KeyedFetch.calls_for`); more keys, and the scan's own calls read the whole table, as
without the option. Either way the rows the join can use are the same; the engine runs
the query's SQL unchanged.

The decision reads the source whole when the keys are few (its pages are kept until its
own stream has replayed them) and stops at the first key too many otherwise, so a
source with many keys still streams. The query's time limit is checked between the
source's pages, as between any pages.
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
    deciding: dict[int, list[int]] = {}  # source scan → the keyed scans it decides
    for scan in plan.scans:
        if scan.keyed is not None:
            deciding.setdefault(scan.keyed.source, []).append(scan.index)
    held: dict[int, _Held] = {}
    for index, targets in deciding.items():
        source = plan.scans[index]
        read = scan_batches(client, source, catalog.tables[source.table], concurrency=concurrency)
        held[index] = _Held(read, check, decisions=len(targets))
    streams: dict[str, Stream] = {}
    for scan in plan.scans:
        table = catalog.tables[scan.table]
        batches: Iterator[pa.RecordBatch]
        if scan.index in held:
            batches = held[scan.index].replay()
        elif scan.keyed is not None:
            feeder = scan.keyed.source
            decision = deciding[feeder].index(scan.index)
            batches = _keyed(client, scan, catalog, held[feeder], decision, concurrency)
        else:
            batches = scan_batches(client, scan, table, concurrency=concurrency)
        streams[scan.stream_name] = (raw_schema(table, scan.columns), batches)
    return streams


class _Held:
    """A source scan shared by its own stream and the decisions of the keyed scans it
    feeds (one source may decide several: `JOIN customers a … JOIN customers b` on the
    same key).

    Each decision reads the source's pages until it has more distinct keys than a keyed
    read may fetch (then the whole-table read is chosen at once) or the source ends. A
    page is kept until the source's own stream has replayed it and every decision has
    either read it or been made; after that, the stream reads on page by page without
    keeping anything, so a source with many keys streams as before and memory holds only
    the pages read ahead.
    """

    def __init__(
        self, read: Iterator[pa.RecordBatch], check: Callable[[], None], decisions: int = 1
    ) -> None:
        self._read = read
        self._check = check
        self._lock = threading.Lock()
        self._kept: dict[int, pa.RecordBatch] = {}  # page number → batch a reader still needs
        self._pulled = 0  # pages read from the source so far
        self._replayed = 0  # pages the source's own stream has handed on
        self._weighed = [0] * decisions  # pages each decision has looked at
        self._decided = [False] * decisions
        self._ended = False
        self._failure: BaseException | None = None

    def _needed(self, n: int) -> bool:
        """Whether a reader has yet to see page `n` (under the lock)."""
        return self._replayed <= n or any(
            not done and weighed <= n for done, weighed in zip(self._decided, self._weighed)
        )

    def _page(self, n: int, decision: int | None) -> pa.RecordBatch | None:
        """Page `n` of the source (None past its end), for the replay (`decision` None)
        or a decision; a page is kept until no reader needs it."""
        with self._lock:
            if self._failure is not None:
                raise self._failure
            batch = self._kept.get(n)
            if batch is None and n >= self._pulled and not self._ended:
                batch = self._pull()
                if batch is not None:
                    self._kept[n] = batch
            if batch is None:
                return None
            if decision is None:
                self._replayed = n + 1
            else:
                self._weighed[decision] = n + 1
            if not self._needed(n):
                del self._kept[n]
            return batch

    def _pull(self) -> pa.RecordBatch | None:
        try:
            batch = next(self._read, None)
            if batch is not None:
                self._check()
        except BaseException as exc:
            self._failure = exc
            close = getattr(self._read, "close", None)
            if close is not None:
                close()
            raise
        if batch is None:
            self._ended = True
        else:
            self._pulled += 1
        return batch

    def _decide(self, decision: int) -> None:
        with self._lock:
            self._decided[decision] = True
            for n in [n for n in self._kept if not self._needed(n)]:
                del self._kept[n]

    def replay(self) -> Iterator[pa.RecordBatch]:
        """The source's own stream: every page once, kept or read as it comes."""
        n = 0
        while (batch := self._page(n, None)) is not None:
            yield batch
            n += 1

    def keys(self, column: str, most: int, decision: int = 0) -> list[str] | None:
        """The distinct non-null values of `column` (lower-cased; a NULL key equals no
        row), or None as soon as there are more than `most` of them."""
        values: set[str] = set()
        n = 0
        try:
            while (batch := self._page(n, decision)) is not None:
                names = [name.lower() for name in batch.schema.names]
                index = names.index(column)  # the planner offers only a column it reads
                unique = pc.unique(batch.column(index).drop_null())
                values.update(v for v in unique.to_pylist() if isinstance(v, str))
                if len(values) > most:
                    return None
                n += 1
            return sorted(values)
        finally:
            self._decide(decision)


def _keyed(
    client: StripeClient,
    scan: Scan,
    catalog: Catalog,
    source: _Held,
    decision: int,
    concurrency: int,
) -> Iterator[pa.RecordBatch]:
    """The keyed scan's batches: by key when the keys are few, else its own calls."""
    keyed = scan.keyed
    assert keyed is not None
    table = catalog.tables[scan.table]
    keys = source.keys(keyed.source_column, keyed.max_calls // len(keyed.templates), decision)
    calls = keyed.calls_for(keys) if keys is not None and keyed.chooses_keys(len(keys)) else None
    if keys is None or calls is None:
        logger.debug("scan %d: too many keys: reading the whole of %s", scan.index, table.name)
        yield from scan_batches(client, scan, table, concurrency=concurrency)
        return
    logger.debug(
        "scan %d: %d keys: %d keyed calls on %s", scan.index, len(keys), len(calls), table.name
    )
    if calls:
        by_key = replace(scan, calls=calls, fanout=None, keyed=None)
        yield from scan_batches(client, by_key, table, concurrency=concurrency)
