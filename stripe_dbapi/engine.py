"""DuckDB runs what the planner does not push down.

One in-memory database per Connection holds every catalog table as a typed, empty table
in the `stripe` schema, so `information_schema` answers without calling Stripe. A query's
scans are registered as lazily read Arrow streams and its SQL (already rewritten by the
planner to read them) runs in streaming mode: the engine pulls pages only as it needs
rows.

The engine is a locked room (docs/security.md): external access, extension installing and
loading are off, the configuration is locked after setup, temporary files go to a private
directory, and every query's SQL is checked against a list of allowed table functions and
refused functions before it runs. Each Cursor runs on a `Session` that can be interrupted
from any thread (QueryTimeout, close(), Ctrl-C) and lets nothing but PEP 249 errors out.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

import duckdb
import pyarrow as pa

from stripe_dbapi import typemap
from stripe_dbapi.catalog.model import SCHEMA, Catalog
from stripe_dbapi.direct import DirectAnswer
from stripe_dbapi.exceptions import (
    DataError,
    InterfaceError,
    InternalError,
)
from stripe_dbapi.lockdown import check_sql, refused_function_names
from stripe_dbapi.query.plan import Direct
from stripe_dbapi.session import Session, close_quietly

BATCH_ROWS = 256  # rows per result batch: about three Stripe pages
PAGE_RUN_MAX = 32  # pages per query of a page-by-page run (see Result._page_runs)
POOL_SIZE = 8  # DuckDB connections configured before the configuration is locked
SHAPES_MAX = 256  # Direct plans' output shapes kept per connection (see Engine.shape)

_Shape = tuple[list[str], list[str], pa.Schema]  # a query's output: names, types, schema


def _connect(temp_directory: str) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database that never installs or loads an extension by itself."""
    return duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "temp_directory": temp_directory,
        },
    )


class Engine:
    """The DuckDB database of one connection."""

    def __init__(self, catalog: Catalog, *, threads: int = 2) -> None:
        # Spilled sorts and joins go to a private 0700 directory, never `.tmp/` under the
        # working directory where other processes (and SQL) could read them.
        self.temp_directory = tempfile.mkdtemp(prefix="stripe_dbapi-")
        # Re-entrant: a cursor's finalizer (release) may run, through the garbage
        # collector, while this thread already holds the lock.
        self._lock = threading.RLock()
        self._idle: list[duckdb.DuckDBPyConnection] = []
        self._shapes: dict[tuple[str, str, pa.Schema], _Shape] = {}
        self._closed = False
        try:
            self._db = _connect(self.temp_directory)
            self._setup(catalog, threads)
        except Exception as exc:
            shutil.rmtree(self.temp_directory, ignore_errors=True)
            raise InternalError(
                f"The SQL engine could not start ({type(exc).__name__}: {exc}); please report it."
            ) from None

    def _setup(self, catalog: Catalog, threads: int) -> None:
        setup = [
            # GLOBAL: each Cursor runs on its own DuckDB cursor, which does not inherit a
            # session SET and would otherwise render times in the machine's time zone.
            "SET GLOBAL TimeZone='UTC'",
            f"SET threads={threads}",
            f"CREATE SCHEMA {SCHEMA}",
        ]
        for table in catalog:
            columns = ", ".join(
                f"{typemap.quote_ident(c.name)} {c.type}{'' if c.nullable else ' NOT NULL'}"
                for c in table.columns
            )
            setup.append(f"CREATE TABLE {SCHEMA}.{typemap.quote_ident(table.name)} ({columns})")
        for statement in setup:
            self._db.execute(statement)
        self.refused_functions = refused_function_names(self._db)
        # The streaming buffer is a per-connection setting that cannot be changed once the
        # configuration is locked, so the connections cursors use are made now and reused.
        self._idle = [self._configured() for _ in range(POOL_SIZE)]
        # Once off, external access cannot be turned back on while the database runs;
        # once locked, no setting can change (enable_logging, enable_profiling, threads …).
        self._db.execute("SET enable_external_access=false")
        self._db.execute("SET lock_configuration=true")

    def _configured(self) -> duckdb.DuckDBPyConnection:
        con = self._db.cursor()
        # A small buffer makes the first rows stream out after a page or two instead of
        # after ~10 MiB of pages; the setting is per connection.
        con.execute("SET streaming_buffer_size='1kb'")
        return con

    def session(self) -> Session:
        """A DuckDB connection of its own for one Cursor (they may run concurrently)."""
        with self._lock:
            if self._closed:
                raise InterfaceError("The connection is closed.")
            con = self._idle.pop() if self._idle else None
            if con is None:
                try:
                    # More cursors open at once than the pool holds: this one works the
                    # same, with DuckDB's default (larger) streaming buffer.
                    con = self._db.cursor()
                except duckdb.Error as exc:
                    raise InternalError(
                        f"The SQL engine could not open a cursor: {exc}"
                    ) from None
        # Made outside the lock: building it may run the finalizer of a cursor dropped
        # without close(), which gives its connection back through release().
        return Session(self, con)

    def shape(
        self, con: duckdb.DuckDBPyConnection, direct: Direct, name: str, stream: pa.Schema
    ) -> _Shape:
        """The names, DuckDB types and Arrow schema of `direct.shape_sql` over a stream of
        schema `stream` registered as `name`: what the engine's own answer would have.
        Bound once over no rows on `con` (a few milliseconds), then kept: the same table,
        projection and stream schema always give the same shape."""
        key = (direct.table, direct.shape_sql, stream)
        with self._lock:
            found = self._shapes.get(key)
        if found is not None:
            return found
        con.register(name, stream.empty_table())
        try:
            rel = con.sql(direct.shape_sql)
            found = (list(rel.columns), [str(t) for t in rel.types], rel.to_arrow_table().schema)
        finally:
            con.unregister(name)
        with self._lock:
            if len(self._shapes) >= SHAPES_MAX:
                self._shapes.clear()
            self._shapes[key] = found
        return found

    def release(self, con: duckdb.DuckDBPyConnection, views_left: bool = True) -> None:
        """Take back a cursor's connection: into the pool when it is clean, else closed.

        `views_left`: a result may not have unregistered its scans (it was never closed,
        or its clean-up did not get the connection in time); only then is DuckDB asked
        which views remain, which costs a small query about a millisecond (issue #15).
        """
        try:
            if views_left:
                views = con.sql("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()
                for (name,) in views:
                    con.unregister(name)
        except (duckdb.Error, RuntimeError):
            close_quietly(con)
            return
        with self._lock:
            if not self._closed and len(self._idle) < POOL_SIZE:
                self._idle.append(con)
                return
        close_quietly(con)

    def close(self) -> None:
        """Close the database and remove its temporary files; a second close does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
        for con in idle:
            close_quietly(con)
        if not self._close_database():
            # A call that ignored the interrupt still holds a connection (a page in flight):
            # the database closes as soon as it lets go.
            threading.Thread(target=self._close_later, daemon=True).start()

    def _close_database(self) -> bool:
        try:
            self._db.close()
        except (duckdb.Error, RuntimeError):
            return False
        shutil.rmtree(self.temp_directory, ignore_errors=True)
        return True

    def _close_later(self) -> None:
        for _ in range(1200):
            time.sleep(0.1)
            if self._close_database():
                return


_Run = tuple[list[str], list[Any], pa.Table]  # one run of pages: columns, types, rows


class Result:
    """A running query: its description and its batches, read lazily."""

    def __init__(
        self,
        session: Session,
        sql: str,
        streams: dict[str, tuple[pa.Schema, Iterator[pa.RecordBatch]]],
        *,
        materialize: bool = False,
        row_wise: bool = False,
        direct: Direct | None = None,
    ) -> None:
        """Check the SQL, register each scan's stream under its name and start the query.

        A stream can be read once; with `materialize` (a PIVOT reads its input twice) each
        scan is read into a table first. A `row_wise` query over one scan runs on each
        page as it arrives, so its first rows come after one page (see planner); a
        `direct` one is answered from each page without a query (direct.py).
        """
        self._session = session
        con = self._con = session.con
        self._names = list(streams)
        views_before = session.views_left  # an earlier result's, left to release() to clean
        if streams:
            session.views_left = True  # until close() has unregistered them
        self._failure: list[BaseException] = []
        self._rel: Any = None
        self._reader: pa.RecordBatchReader | None = None
        self._pages: Generator[pa.RecordBatch, None, None] | None = None
        self._runs: Generator[Any, None, None] | None = None  # runs of pages, or pages
        self.description: list[tuple[str, str]] = []
        self._schema = pa.schema([])
        try:
            check_sql(sql, session.engine.refused_functions)
            if direct is not None and len(streams) == 1:
                self._start_direct(direct, views_before, *next(iter(streams.items())))
                return
            if row_wise and len(streams) == 1:
                self._start_page_by_page(sql, *next(iter(streams.items())))
                return
            for name, (schema, batches) in streams.items():
                reader = pa.RecordBatchReader.from_batches(schema, self._guard(batches))
                source = self._call(reader.read_all) if materialize else reader
                self._call(functools.partial(con.register, name, source))
            self._rel = self._call(lambda: con.sql(sql))
            if self._rel is None:
                raise InternalError("The engine returned no result for a query.")
            self.description = [
                (name, str(dtype)) for name, dtype in zip(self._rel.columns, self._rel.types)
            ]
            reader = self._reader = self._call(lambda: self._rel.to_arrow_reader(BATCH_ROWS))
            self._schema = self._call(lambda: _utc_schema(reader.schema, self.types))
        except BaseException:
            self.close()
            raise

    @property
    def types(self) -> list[str]:
        """DuckDB's type name of each column."""
        return [t for _, t in self.description]

    def _start_page_by_page(
        self,
        sql: str,
        name: str,
        stream: tuple[pa.Schema, Iterator[pa.RecordBatch]],
    ) -> None:
        """Run the query on the first page now: its result gives the description and the
        schema, as a database driver's execute() waits for the first rows. Only a stream
        with no page at all needs the query bound over no rows to learn them."""
        schema, batches = stream
        runs = self._runs = self._page_runs(sql, name, self._guard(batches))
        first = next(runs, None)
        if first is None:
            first = self._call(functools.partial(self._query, sql, name, schema.empty_table()))
        columns, types, table = first
        self.description = [(n, str(t)) for n, t in zip(columns, types)]
        self._schema = _utc_schema(table.schema, self.types)
        self._pages = self._page_batches(table, runs)

    def _start_direct(
        self,
        direct: Direct,
        views_before: bool,
        name: str,
        stream: tuple[pa.Schema, Iterator[pa.RecordBatch]],
    ) -> None:
        """Name and type the output as the engine would, then wait for the first page (as
        execute() does for a page-by-page run) and answer each page in Arrow."""
        schema, batches = stream
        engine = self._session.engine
        columns, types, out = self._call(
            functools.partial(engine.shape, self._con, direct, name, schema)
        )
        # The shape was bound over a registration of its own, gone now: this result
        # leaves no view, and an earlier one's are still release()'s to clean.
        self._names = []
        self._session.views_left = views_before
        self.description = [(n, t) for n, t in zip(columns, types)]
        self._schema = _utc_schema(out, types)
        answer = DirectAnswer(direct, schema, self._schema)
        pages = self._runs = self._guard(batches)
        first = next(pages, None)
        self._pages = answer.batches(itertools.chain([] if first is None else [first], pages))

    def _page_batches(
        self, first: pa.Table, runs: Iterator[_Run]
    ) -> Generator[pa.RecordBatch, None, None]:
        """The result batches of the first run, then of each later run, conformed."""
        for out in first.to_batches():
            yield self._conform(out)
        for _, _, table in runs:
            for out in table.to_batches():
                yield self._conform(out)

    def _page_runs(
        self, sql: str, name: str, batches: Iterator[pa.RecordBatch]
    ) -> Generator[_Run, None, None]:
        """The query run over the first page alone, then over runs of pages twice as long
        each time, up to PAGE_RUN_MAX pages: each run's columns, types and rows.

        The first rows still need only the first page; after that, a DuckDB query costs
        milliseconds to bind and start whatever its input's size, so one per page would be
        most of a scan's CPU (issue #15). Doubling keeps the queries to about
        log2(pages) + pages / PAGE_RUN_MAX, and memory to one run of pages.
        """
        def query(run: list[pa.RecordBatch]) -> _Run:
            return self._call(functools.partial(self._query, sql, name, pa.Table.from_batches(run)))

        run: list[pa.RecordBatch] = []
        size = 1
        for batch in batches:
            run.append(batch)
            if len(run) < size:
                continue
            yield query(run)
            run = []
            size = min(size * 2, PAGE_RUN_MAX)
        if run:
            yield query(run)

    def _query(self, sql: str, name: str, pages: pa.Table) -> _Run:
        """One engine call: the query over `pages` registered as its scan."""
        self._con.register(name, pages)
        rel = self._con.sql(sql)
        return rel.columns, rel.types, rel.to_arrow_table()

    def _guard(
        self, batches: Iterator[pa.RecordBatch]
    ) -> Generator[pa.RecordBatch, None, None]:
        """Stop between pages when the query is overdue or interrupted — before asking for
        a page, and on its arrival: a page that came after the deadline is not handed on
        (a Direct plan answers it at once) — and remember the driver's own exception:
        DuckDB re-raises it as its own error."""
        try:
            self._session.check()
            for batch in batches:
                self._session.check()
                yield batch
                self._session.check()
        except BaseException as exc:
            self._failure.append(exc)
            raise

    def _call(self, fn: Callable[[], Any]) -> Any:
        return self._session.call(fn, self._failure)

    def _conform(self, data: Any) -> Any:
        try:
            return _conform(data, self._schema, self.types)
        except (pa.ArrowException, ValueError, OverflowError) as exc:
            raise DataError(f"A result value could not be converted: {exc}") from None

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Each result batch; closes the result when exhausted."""
        try:
            if self._pages is not None:
                yield from self._pages
            while self._reader is not None:
                try:
                    batch = self._call(self._reader.read_next_batch)
                except StopIteration:
                    break
                yield self._conform(batch)
        finally:
            self.close()

    def arrow(self) -> pa.Table:
        """The rest of the result as one Arrow table."""
        try:
            if self._pages is not None:
                return pa.Table.from_batches(list(self._pages), schema=self._schema)
            if self._reader is None:
                return pa.table({})
            return self._conform(self._call(self._reader.read_all))
        finally:
            self.close()

    def close(self) -> None:
        """Stop the scans and release the result; safe from any thread, and twice."""
        self._session.end()
        for gen in (self._pages, self._runs):
            if gen is not None:
                with contextlib.suppress(Exception):
                    gen.close()  # stops the scan: no more pages are fetched
        self._pages = self._runs = None
        reader, self._reader = self._reader, None
        self._rel = None
        names, self._names = self._names, []
        if reader is None and not names:
            return

        def release() -> None:
            if reader is not None:
                reader.close()
            for name in names:
                # Already gone when the connection was closed first: nothing to release.
                with contextlib.suppress(duckdb.Error):
                    self._con.unregister(name)
            self._session.views_left = False

        self._session.quietly(release)


def _utc_schema(schema: pa.Schema, types: list[str]) -> pa.Schema:
    """The schema users get: zoned timestamps in `UTC` (DuckDB says `Etc/UTC`), and
    whole-number decimals — DuckDB's HUGEINT, the type of `sum(amount)` — as int64, so a
    sum of amounts reads as an `int` like the amounts themselves. A UHUGEINT arrives as a
    decimal128 holding its bits as a signed number (2**128 - 1 reads -1): it becomes an
    exact decimal256(39, 0) instead."""
    fields = []
    for f, duck_type in zip(schema, [*types, *[""] * len(schema)]):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None and f.type.tz != "UTC":
            f = f.with_type(pa.timestamp(f.type.unit, tz="UTC"))
        elif duck_type == "UHUGEINT":
            f = f.with_type(pa.decimal256(39, 0))
        elif pa.types.is_decimal(f.type) and f.type.scale == 0:
            f = f.with_type(pa.int64())
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def _conform(data: Any, schema: pa.Schema, types: list[str]) -> Any:
    """A batch or table cast to `schema`; a sum too large for int64 stays a decimal."""
    if data.schema == schema:
        return data
    data = _exact_uhugeints(data, types)
    try:
        return data.cast(schema)
    except (pa.ArrowInvalid, OverflowError):
        fields = [
            f if not pa.types.is_integer(f.type) or pa.types.is_integer(o.type) else o
            for f, o in zip(schema, data.schema)
        ]
        return data.cast(pa.schema(fields, metadata=schema.metadata))


def _exact_uhugeints(data: Any, types: list[str]) -> Any:
    """UHUGEINT columns as exact decimal256 values (their decimal128 bits are unsigned)."""
    for i, duck_type in enumerate(types[: data.num_columns]):
        column = data.column(i)
        if duck_type != "UHUGEINT" or not pa.types.is_decimal128(column.type):
            continue
        values = [
            None if v is None else int(v) + (1 << 128 if v < 0 else 0) for v in column.to_pylist()
        ]
        fixed = pa.array(values, pa.decimal256(39, 0))
        if isinstance(data, pa.Table):
            data = data.set_column(i, data.field(i).with_type(fixed.type), fixed)
        else:
            arrays = list(data.columns)
            arrays[i] = fixed
            fields = [f if j != i else f.with_type(fixed.type) for j, f in enumerate(data.schema)]
            data = pa.RecordBatch.from_arrays(
                arrays, schema=pa.schema(fields, data.schema.metadata)
            )
    return data
