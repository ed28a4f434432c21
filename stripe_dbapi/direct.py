"""A Direct plan's answer, page by page, in Arrow: the filters re-applied, the columns taken.

The planner proves the query needs nothing else (query/direct.py); the engine has named
and typed the output once (Engine.shape). What is left is exact by construction: Arrow's
equality and null tests on text, integers and booleans are DuckDB's, and the casts are
the ones DuckDB's own output makes of the scan's raw columns — JSON text (`arrow.json`)
to its storage string, unix seconds `timestamp[s]` to `timestamp[us]` — lossless both.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from stripe_dbapi.exceptions import DataError
from stripe_dbapi.query.plan import Direct, DirectFilter


class DirectAnswer:
    """The answer of one Direct plan over batches of one stream schema."""

    def __init__(self, direct: Direct, stream: pa.Schema, out: pa.Schema) -> None:
        index = {name: i for i, name in enumerate(stream.names)}
        self._filters = [
            (index[f.column], f, _needle(f, stream.field(index[f.column]).type))
            for f in direct.filters
        ]
        self._sources = [index[name] for name in direct.sources]
        self._out = out

    def batches(self, pages: Iterator[pa.RecordBatch]) -> Generator[pa.RecordBatch, None, None]:
        """Each page's answer; pages with no row left give none. A value Arrow cannot
        filter or convert is a DataError, as the engine's would be."""
        for page in pages:
            try:
                answer = self.answer(page)
            except (pa.ArrowException, ValueError, OverflowError) as exc:
                raise DataError(f"A result value could not be converted: {exc}") from None
            if answer.num_rows:
                yield answer

    def answer(self, page: pa.RecordBatch) -> pa.RecordBatch:
        mask = None
        for i, f, needle in self._filters:
            kept = _holds(page.column(i), f, needle)
            mask = kept if mask is None else pc.and_kleene(mask, kept)
        if mask is not None:
            page = page.filter(mask)  # a NULL comparison drops the row, as WHERE does
        arrays = []
        for i, field in zip(self._sources, self._out):
            array = page.column(i)
            if isinstance(array, pa.ExtensionArray):
                array = array.storage
            if array.type != field.type:
                array = array.cast(field.type)
            arrays.append(array)
        return pa.RecordBatch.from_arrays(arrays, schema=self._out)


def _needle(f: DirectFilter, column: pa.DataType) -> pa.Scalar | pa.Array | None:
    """What a filter compares its column with, built once: one value, or the IN list."""
    if f.op != "in":
        return None
    if len(f.values) == 1:
        return pa.scalar(f.values[0], column)
    return pa.array(f.values, column)


def _holds(column: pa.Array, f: DirectFilter, needle: pa.Scalar | pa.Array | None) -> pa.Array:
    if f.op == "null":
        return pc.is_null(column)
    if f.op == "not_null":
        return pc.is_valid(column)
    if isinstance(needle, pa.Scalar):
        return pc.equal(column, needle)
    return pc.is_in(column, value_set=needle)
