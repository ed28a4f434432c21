"""DuckDB runs what the planner does not push down.

One in-memory database per Connection holds every catalog table as a typed, empty table
in the `stripe` schema, so `information_schema` answers without calling Stripe. A query's
scans are registered as lazily read Arrow streams and its SQL (already rewritten by the
planner to read them) runs in streaming mode: the engine pulls pages only as it needs
rows. File and network access from SQL is disabled: the driver may run inside a BI server.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pyarrow as pa

from stripe_dbapi import typemap
from stripe_dbapi.catalog.model import SCHEMA, Catalog
from stripe_dbapi.exceptions import (
    DataError,
    Error,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)

BATCH_ROWS = 256  # rows per result batch: about three Stripe pages


class Engine:
    """The DuckDB database of one connection."""

    def __init__(self, catalog: Catalog, *, threads: int = 2) -> None:
        self._db = duckdb.connect(":memory:")
        self._lock = threading.Lock()
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
        # Once off, external access cannot be turned back on while the database runs.
        setup.append("SET enable_external_access=false")
        for statement in setup:
            self._db.execute(statement)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection of its own for one Cursor (they may run concurrently)."""
        with self._lock:
            con = self._db.cursor()
        # A small buffer makes the first rows stream out after a page or two instead of
        # after ~10 MiB of pages; the setting is per connection.
        con.execute("SET streaming_buffer_size='1kb'")
        return con

    def close(self) -> None:
        self._db.close()


@functools.lru_cache(maxsize=1)
def scalar_functions() -> frozenset[str]:
    """Names of DuckDB's scalar functions that are no aggregate, window or table function.

    Read once per process from DuckDB's own catalogue (`duckdb_functions()`), the same
    for every database; the planner's proof that a query may run page by page.
    """
    with duckdb.connect(":memory:") as db:
        rows = db.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_type = 'scalar' "
            "EXCEPT SELECT function_name FROM duckdb_functions() "
            "WHERE function_type <> 'scalar'"
        ).fetchall()
    return frozenset(str(name).lower() for (name,) in rows)


class Result:
    """A running query: its description and its batches, read lazily."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        sql: str,
        streams: dict[str, tuple[pa.Schema, Iterator[pa.RecordBatch]]],
        *,
        materialize: bool = False,
        row_wise: bool = False,
    ) -> None:
        """Register each scan's stream under its name and start the query.

        A stream can be read once; with `materialize` (a PIVOT reads its input twice) each
        scan is read into a table first. A `row_wise` query over one scan runs on each
        page as it arrives, so its first rows come after one page (see planner).
        """
        self._con = con
        self._names = list(streams)
        self._failure: list[BaseException] = []
        self._rel: Any = None
        self._reader: pa.RecordBatchReader | None = None
        self._pages: Iterator[pa.RecordBatch] | None = None
        self.description: list[tuple[str, str]] = []
        self._schema = pa.schema([])
        if row_wise and len(streams) == 1:
            self._start_page_by_page(sql, *next(iter(streams.items())))
            return
        for name, (schema, batches) in streams.items():
            reader = pa.RecordBatchReader.from_batches(schema, self._guard(batches))
            con.register(name, self._call(reader.read_all) if materialize else reader)
        try:
            self._rel = self._call(lambda: con.sql(sql))
            if self._rel is None:
                raise InternalError("The engine returned no result for a query.")
            self.description = [
                (name, str(dtype)) for name, dtype in zip(self._rel.columns, self._rel.types)
            ]
            self._reader = self._call(lambda: self._rel.to_arrow_reader(BATCH_ROWS))
            self._schema = _utc_schema(self._reader.schema)
        except BaseException:
            self.close()
            raise

    def _start_page_by_page(
        self,
        sql: str,
        name: str,
        stream: tuple[pa.Schema, Iterator[pa.RecordBatch]],
    ) -> None:
        schema, batches = stream
        self._con.register(name, schema.empty_table())  # binds the query: its description
        try:
            empty = self._call(lambda: self._con.sql(sql).to_arrow_table())
        except BaseException:
            self.close()
            raise
        rel = self._call(lambda: self._con.sql(sql))
        self.description = [(n, str(t)) for n, t in zip(rel.columns, rel.types)]
        self._schema = _utc_schema(empty.schema)
        self._pages = self._page_by_page(sql, name, batches)

    def _page_by_page(
        self, sql: str, name: str, batches: Iterator[pa.RecordBatch]
    ) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            self._con.register(name, pa.Table.from_batches([batch]))
            table = self._call(lambda: self._con.sql(sql).to_arrow_table())
            for out in table.to_batches():
                yield _conform(out, self._schema)

    def _guard(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Remember the driver's own exception: DuckDB re-raises it as its own error."""
        try:
            yield from batches
        except BaseException as exc:
            self._failure.append(exc)
            raise

    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (duckdb.Error, pa.ArrowException, OSError) as exc:
            # A failing stream surfaces as DuckDB's error while the query runs, but as
            # Arrow's (an OSError) once DuckDB hands rows over through the Arrow reader.
            if self._failure:
                failure = self._failure[0]
                if isinstance(failure, Error):
                    raise failure from None
                raise OperationalError(f"Fetching from Stripe failed: {failure!r}") from None
            if isinstance(exc, duckdb.Error):
                raise translate(exc) from None
            raise InternalError(f"The engine failed reading a result: {exc}") from None

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
                yield _conform(batch, self._schema)
        finally:
            self.close()

    def arrow(self) -> pa.Table:
        """The rest of the result as one Arrow table."""
        try:
            if self._pages is not None:
                return pa.Table.from_batches(list(self._pages), schema=self._schema)
            if self._reader is None:
                return pa.table({})
            return _conform(self._call(self._reader.read_all), self._schema)
        finally:
            self.close()

    def close(self) -> None:
        pages, self._pages = self._pages, None
        if pages is not None and hasattr(pages, "close"):
            pages.close()  # stops the scan: no more pages are fetched
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        self._rel = None
        for name in self._names:
            # Already gone when the connection was closed first: nothing left to release.
            with contextlib.suppress(duckdb.Error):
                self._con.unregister(name)
        self._names = []


def _utc_schema(schema: pa.Schema) -> pa.Schema:
    """The schema users get: zoned timestamps in `UTC` (DuckDB says `Etc/UTC`), and
    whole-number decimals — DuckDB's HUGEINT, the type of `sum(amount)` — as int64, so a
    sum of amounts reads as an `int` like the amounts themselves."""
    fields = []
    for f in schema:
        if pa.types.is_timestamp(f.type) and f.type.tz is not None and f.type.tz != "UTC":
            f = f.with_type(pa.timestamp(f.type.unit, tz="UTC"))
        elif pa.types.is_decimal(f.type) and f.type.scale == 0:
            f = f.with_type(pa.int64())
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def _conform(data: Any, schema: pa.Schema) -> Any:
    """A batch or table cast to `schema`; a sum too large for int64 stays a decimal."""
    if data.schema == schema:
        return data
    try:
        return data.cast(schema)
    except (pa.ArrowInvalid, OverflowError):
        fields = [
            f if not pa.types.is_integer(f.type) or pa.types.is_integer(o.type) else o
            for f, o in zip(schema, data.schema)
        ]
        return data.cast(pa.schema(fields, metadata=schema.metadata))


def translate(exc: duckdb.Error) -> Error:
    """A DuckDB error as the PEP 249 class a user expects, with DuckDB's first line."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)):
        return ProgrammingError(first)
    if isinstance(exc, duckdb.PermissionException):
        return NotSupportedError(f"stripe_dbapi does not allow that from SQL: {first}")
    if isinstance(
        exc,
        (
            duckdb.ConversionException,
            duckdb.OutOfRangeException,
            duckdb.InvalidInputException,
            duckdb.TypeMismatchException,
        ),
    ):
        return DataError(first)
    if isinstance(exc, duckdb.NotImplementedException):
        return NotSupportedError(first)
    if isinstance(exc, duckdb.InterruptException):
        return OperationalError(first)
    return ProgrammingError(first) if "Error" in first.split(":")[0] else InternalError(first)
