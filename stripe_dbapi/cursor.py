"""The PEP 249 Cursor: plans a query, streams it through the engine, hands out rows.

Rows are converted from Arrow a batch at a time, when fetched, so `fetchone` on a large
table returns after the first page. A value Python cannot hold exactly is a DataError
naming its column; the rows before it are delivered, and every later fetch raises the
same error (the cursor never skips past it). `fetch_arrow_table` and `fetch_df` hand the engine's
Arrow result over without a Python row loop.
"""

from __future__ import annotations

import datetime
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from stripe_dbapi._typing import ResultRow
from stripe_dbapi.engine import Result
from stripe_dbapi.exceptions import DataError, Error, InterfaceError, ProgrammingError
from stripe_dbapi.lockdown import scalar_functions
from stripe_dbapi.progress import Progress
from stripe_dbapi.query.explain import EXPLAIN_COLUMNS, explain_rows
from stripe_dbapi.query.plan import Plan
from stripe_dbapi.query.planner import plan_query
from stripe_dbapi.scan.keyed import plan_streams

if TYPE_CHECKING:
    import pandas

    from stripe_dbapi.connection import Connection

Description = tuple[str, str, None, None, None, None, bool]


class Cursor:
    """Executes queries over one connection; its rows are read lazily."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._arraysize = 1
        self._session = connection.engine.session()
        # A cursor dropped without close() still gives its DuckDB connection back.
        self._finalizer = weakref.finalize(self, self._session.close)
        self._closed = False
        self._failed: Error | None = None
        self._result: Result | None = None
        self._batches: Iterator[pa.RecordBatch] | None = None
        self._buffer: list[ResultRow] = []
        self._position = 0
        self._rowcount = -1
        self._produced = 0
        self._description: list[Description] | None = None
        self.plan: Plan | None = None
        self._since: Progress | None = None  # the client's counters when execute began
        self._started = 0.0

    # -- PEP 249 attributes ---------------------------------------------------------------

    @property
    def description(self) -> list[Description] | None:
        """(name, type_code, …) per column of the last result; None before any query."""
        return self._description

    @property
    def arraysize(self) -> int:
        """How many rows `fetchmany()` returns by default (1, as PEP 249 says)."""
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ProgrammingError(
                f"arraysize must be a whole number of at least 1, not {value!r}."
            )
        self._arraysize = value

    @property
    def rowcount(self) -> int:
        """Rows the last query produced, once known (-1 until all were fetched)."""
        return self._rowcount

    @property
    def progress(self) -> Progress:
        """What the last query has fetched so far (pages, rows, requests in flight, rate
        limiter waits, elapsed time); safe to read from another thread while it runs."""
        if self._since is None:
            return Progress()
        return self.connection.client.counters.snapshot(self._since, self._started)

    @property
    def closed(self) -> bool:
        return self._closed or self.connection.closed

    def setinputsizes(self, sizes: Any) -> None:
        """Accepted and ignored: parameters are typed by their Python values."""

    def setoutputsize(self, size: Any, column: int | None = None) -> None:
        """Accepted and ignored: no column needs a buffer size."""

    # -- execution ----------------------------------------------------------------------

    def execute(
        self, operation: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> Cursor:
        """Plan and start a query; rows are fetched from Stripe as they are read."""
        self._check_open()
        self._reset()
        conn = self.connection
        self._session.begin(conn.config.query_timeout)
        self._since = conn.client.counters.snapshot()
        self._started = time.monotonic()
        plan = plan_query(
            operation,
            conn.catalog,
            parameters,
            use_search=conn.config.use_search,
            pushdown=conn.config.pushdown,
            scalars=scalar_functions(),
        )
        self.plan = plan
        if plan.explain:
            rows = [tuple(r) for r in explain_rows(plan)]
            self._description = [
                (n, "VARCHAR", None, None, None, None, True) for n in EXPLAIN_COLUMNS
            ]
            self._buffer = rows
            self._rowcount = len(rows)
            return self
        streams = plan_streams(
            conn.client,
            plan,
            conn.catalog,
            concurrency=conn.client.workers(
                conn.config.max_concurrency, adaptive=conn.config.concurrency == "auto"
            ),
            check=self._session.check,
        )
        self._result = Result(
            self._session,
            plan.sql,
            streams,
            materialize=plan.reads_twice,
            row_wise=plan.row_wise,
            direct=plan.direct,
        )
        self._description = [
            (name, type_code, None, None, None, None, True)
            for name, type_code in self._result.description
        ]
        self._batches = self._result.batches()
        return self

    def executemany(
        self, operation: str, seq_of_parameters: Sequence[Sequence[Any] | Mapping[str, Any]]
    ) -> Cursor:
        """Run the query once per parameter set; the last one's rows can be fetched."""
        self._check_open()
        if isinstance(seq_of_parameters, (str, bytes)) or not hasattr(
            seq_of_parameters, "__iter__"
        ):
            raise ProgrammingError("executemany() needs a sequence of parameter sets.")
        ran = False
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
            ran = True
        if not ran:
            raise ProgrammingError("executemany() needs at least one set of parameters.")
        return self

    # -- fetching -------------------------------------------------------------------------

    def fetchone(self) -> ResultRow | None:
        self._check_result()
        if not self._fill(1):
            return None
        row = self._buffer[self._position]
        self._position += 1
        return row

    def fetchmany(self, size: int | None = None) -> list[ResultRow]:
        self._check_result()
        size = self.arraysize if size is None else size
        if isinstance(size, bool) or not isinstance(size, int):
            raise ProgrammingError(f"fetchmany() size must be a whole number, not {size!r}.")
        if size < 0:
            raise ProgrammingError("fetchmany() size must not be negative.")
        rows: list[ResultRow] = []
        while len(rows) < size and self._fill(1):
            take = min(size - len(rows), len(self._buffer) - self._position)
            rows.extend(self._buffer[self._position : self._position + take])
            self._position += take
        return rows

    def fetchall(self) -> list[ResultRow]:
        self._check_result()
        rows: list[ResultRow] = []
        while self._fill(1):
            rows.extend(self._buffer[self._position :])
            self._position = len(self._buffer)
        return rows

    def fetch_arrow_table(self) -> pa.Table:
        """The remaining rows as an Arrow table, converted by the engine, not row by row."""
        self._check_result()
        if self._position < len(self._buffer):
            raise ProgrammingError(
                "fetch_arrow_table() must be called before fetching rows one by one."
            )
        if self._failed is not None:
            raise self._failed.with_traceback(None)
        if self._result is None:
            raise ProgrammingError("EXPLAIN results are rows; use fetchall().")
        self._batches = None
        try:
            table = self._result.arrow()
        except Error as exc:
            self._failed = exc
            raise
        self._produced += table.num_rows
        self._rowcount = self._produced
        return table

    def fetch_df(self) -> pandas.DataFrame:
        """The remaining rows as a pandas DataFrame (via Arrow, timestamps stay UTC)."""
        return self.fetch_arrow_table().to_pandas()

    def __iter__(self) -> Iterator[ResultRow]:
        return self

    def __next__(self) -> ResultRow:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def close(self) -> None:
        """Stop the running query (from any thread) and release everything; the cursor
        can't be used afterwards, and a second close does nothing."""
        if self._closed:
            return
        self._closed = True
        self._session.interrupt("closed")
        self._reset()
        self._session.close()
        self._finalizer.detach()

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------

    def _fill(self, needed: int) -> bool:
        """Make at least `needed` unread rows available; False at the end of the result."""
        while len(self._buffer) - self._position < needed:
            if self._failed is not None:
                raise self._failed.with_traceback(None)
            if self._batches is None:
                break
            try:
                batch = next(self._batches)
            except StopIteration:
                self._batches = None
                break
            except Error as exc:
                self._fail(exc)
                raise
            rows, error = _rows(batch, self._types)
            self._produced += len(rows)
            self._buffer = self._buffer[self._position :] + rows
            self._position = 0
            if error is not None:
                self._fail(error)  # raised once the rows before the bad one are read
        available = len(self._buffer) - self._position >= needed
        if not available and self._batches is None and self._rowcount < 0:
            self._rowcount = self._produced
        return available

    def _fail(self, exc: Error) -> None:
        """Finish the result with `exc`: every later fetch raises it, none skips ahead."""
        self._failed = exc
        self._batches = None
        if self._result is not None:
            self._result.close()

    @property
    def _types(self) -> list[str]:
        return [] if self._description is None else [d[1] for d in self._description]

    def _reset(self) -> None:
        if self._result is not None:
            self._result.close()
        self._result = None
        self._failed = None
        self._batches = None
        self._buffer = []
        self._position = 0
        self._rowcount = -1
        self._produced = 0
        self._description = None

    def _check_open(self) -> None:
        if self.connection.closed:
            raise InterfaceError("The connection is closed.")
        if self._closed:
            raise InterfaceError("The cursor is closed.")

    def _check_result(self) -> None:
        self._check_open()
        if self._description is None:
            raise ProgrammingError("No query has been executed on this cursor.")


def _rows(batch: pa.RecordBatch, types: Sequence[str]) -> tuple[list[ResultRow], DataError | None]:
    """The batch as rows, and the DataError of its first value Python cannot hold: the
    rows before that value are returned, none after it."""
    try:
        return _convert(batch, types), None
    except DataError as exc:
        good: list[ResultRow] = []
        for i in range(batch.num_rows):
            try:
                good.extend(_convert(batch.slice(i, 1), types))
            except DataError as row_exc:
                return good, row_exc
        return good, exc


def _convert(batch: pa.RecordBatch, types: Sequence[str]) -> list[ResultRow]:
    columns = []
    for i, column in enumerate(batch.columns):
        name = batch.schema.field(i).name
        duck_type = types[i] if i < len(types) else ""
        try:
            columns.append(_values(column, duck_type))
        except (
            ArithmeticError,
            ValueError,
            TypeError,
            NotImplementedError,
            pa.ArrowException,
        ) as exc:
            raise DataError(
                f"Column `{name}` holds a {duck_type or column.type} value Python cannot "
                f"represent exactly ({exc})."
            ) from None
    return list(zip(*columns)) if columns else [()] * batch.num_rows


_MAX_INT64 = (1 << 63) - 1
_DAY_US = 86_400_000_000


def _values(column: pa.Array, duck_type: str = "") -> list[Any]:
    """A column as Python values, exactly or not at all (an exception names the reason).

    Intervals become `timedelta`, as DuckDB's own driver gives them (a month counts 30
    days), rather than pyarrow's MonthDayNano tuples. HUGEINT, UHUGEINT and BIGNUM come
    back as `int`. DuckDB's infinite timestamps and `TIME '24:00:00'` have no Python
    value, and pyarrow would turn them into other times silently.
    """
    if pa.types.is_interval(column.type):
        return [
            None
            if v is None
            else datetime.timedelta(days=v.months * 30 + v.days, microseconds=v.nanoseconds // 1000)
            for v in column.to_pylist()
        ]
    if pa.types.is_timestamp(column.type) and column.null_count < len(column):
        raw = column.cast(pa.int64())
        if pc.max(pc.abs(raw)).as_py() == _MAX_INT64:
            raise ValueError("an infinite timestamp")
    if pa.types.is_time64(column.type) and column.null_count < len(column):
        per_us = 1000 if column.type.unit == "ns" else 1
        if pc.max(column.cast(pa.int64())).as_py() >= _DAY_US * per_us:
            raise ValueError("24:00:00 is not a Python time")
    if duck_type == "BIGNUM" or duck_type == "VARINT":
        return [None if v is None else _bignum(v) for v in column.to_pylist()]
    values = column.to_pylist()
    if duck_type in ("HUGEINT", "UHUGEINT"):
        return [int(v) if isinstance(v, Decimal) else v for v in values]
    return values


def _bignum(data: bytes) -> int:
    """DuckDB's BIGNUM encoding: a 3-byte header (sign bit, byte count), then the
    big-endian magnitude; a negative number has every byte inverted."""
    if len(data) < 3:
        raise ValueError("a truncated BIGNUM")
    if data[0] & 0x80:
        return int.from_bytes(data[3:], "big")
    return -int.from_bytes(bytes(255 - b for b in data[3:]), "big")
