"""The PEP 249 Cursor: plans a query, streams it through the engine, hands out rows.

Rows are converted from Arrow a batch at a time, when fetched, so `fetchone` on a large
table returns after the first page. `fetch_arrow_table` and `fetch_df` hand the engine's
Arrow result over without a Python row loop.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from stripe_dbapi import planner
from stripe_dbapi.engine import Result
from stripe_dbapi.exceptions import Error, InterfaceError, InternalError, ProgrammingError
from stripe_dbapi.fetch import raw_schema, scan_batches
from stripe_dbapi.plan import EXPLAIN_COLUMNS, Plan, explain_rows

if TYPE_CHECKING:
    import pandas

    from stripe_dbapi.connection import Connection

Row = tuple[Any, ...]
Description = tuple[str, str, None, None, None, None, bool]


class Cursor:
    """Executes queries over one connection; its rows are read lazily."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._arraysize = 1
        self._duck = connection._engine.cursor()
        self._closed = False
        self._result: Result | None = None
        self._batches: Iterator[pa.RecordBatch] | None = None
        self._buffer: list[Row] = []
        self._position = 0
        self._rowcount = -1
        self._produced = 0
        self._description: list[Description] | None = None
        self.plan: Plan | None = None

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
        try:
            plan = planner.plan_query(
                operation,
                conn.catalog,
                parameters,
                use_search=conn.config.use_search,
                pushdown=conn.config.pushdown,
            )
        except RecursionError:
            # sqlglot walks trees recursively: a pathologically nested query that parsed
            # may still exhaust the stack later, and must fail as a query error.
            raise ProgrammingError(planner.TOO_DEEP) from None
        except Error:
            raise
        except Exception as exc:
            # Nothing but PEP 249 errors may leave the driver; this one is a bug to report.
            raise InternalError(
                f"stripe_dbapi could not plan this query ({type(exc).__name__}: {exc}); "
                "please report it with the query."
            ) from exc
        self.plan = plan
        if plan.explain:
            rows = [tuple(r) for r in explain_rows(plan)]
            self._description = [
                (n, "VARCHAR", None, None, None, None, True) for n in EXPLAIN_COLUMNS
            ]
            self._buffer = rows
            self._rowcount = len(rows)
            return self
        streams = {}
        for scan in plan.scans:
            table = conn.catalog.tables[scan.table]
            streams[scan.raw_name] = (
                raw_schema(table, scan.columns),
                scan_batches(conn._client, scan, table, concurrency=conn.config.max_concurrency),
            )
        self._result = Result(
            self._duck, plan.sql, streams, materialize=plan.rescans, row_wise=plan.row_wise
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

    def fetchone(self) -> Row | None:
        self._check_result()
        if not self._fill(1):
            return None
        row = self._buffer[self._position]
        self._position += 1
        return row

    def fetchmany(self, size: int | None = None) -> list[Row]:
        self._check_result()
        size = self.arraysize if size is None else size
        if isinstance(size, bool) or not isinstance(size, int):
            raise ProgrammingError(f"fetchmany() size must be a whole number, not {size!r}.")
        if size < 0:
            raise ProgrammingError("fetchmany() size must not be negative.")
        rows: list[Row] = []
        while len(rows) < size and self._fill(1):
            take = min(size - len(rows), len(self._buffer) - self._position)
            rows.extend(self._buffer[self._position : self._position + take])
            self._position += take
        return rows

    def fetchall(self) -> list[Row]:
        self._check_result()
        rows: list[Row] = []
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
        if self._result is None:
            raise ProgrammingError("EXPLAIN results are rows; use fetchall().")
        self._batches = None
        table = self._result.arrow()
        self._produced += table.num_rows
        self._rowcount = self._produced
        return table

    def fetch_df(self) -> pandas.DataFrame:
        """The remaining rows as a pandas DataFrame (via Arrow, timestamps stay UTC)."""
        return self.fetch_arrow_table().to_pandas()

    def __iter__(self) -> Iterator[Row]:
        return self

    def __next__(self) -> Row:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def close(self) -> None:
        """Release the result; the cursor can't be used afterwards."""
        self._reset()
        if not self._closed:
            self._closed = True
            self._duck.close()

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------

    def _fill(self, needed: int) -> bool:
        """Make at least `needed` unread rows available; False at the end of the result."""
        while len(self._buffer) - self._position < needed:
            if self._batches is None:
                break
            try:
                batch = next(self._batches)
            except StopIteration:
                self._batches = None
                break
            except Error:
                self._batches = None
                raise
            rows = _rows(batch)
            self._produced += len(rows)
            self._buffer = self._buffer[self._position :] + rows
            self._position = 0
        available = len(self._buffer) - self._position >= needed
        if not available and self._batches is None and self._rowcount < 0:
            self._rowcount = self._produced
        return available

    def _reset(self) -> None:
        if self._result is not None:
            self._result.close()
        self._result = None
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


def _rows(batch: pa.RecordBatch) -> list[Row]:
    columns = [_values(column) for column in batch.columns]
    return list(zip(*columns)) if columns else [()] * batch.num_rows


def _values(column: pa.Array) -> list[Any]:
    """A column as Python values; intervals as `timedelta`, as DuckDB's own driver gives
    them (a month counts 30 days), rather than pyarrow's MonthDayNano tuples."""
    if pa.types.is_interval(column.type):
        return [
            None
            if v is None
            else datetime.timedelta(days=v.months * 30 + v.days, microseconds=v.nanoseconds // 1000)
            for v in column.to_pylist()
        ]
    return column.to_pylist()
