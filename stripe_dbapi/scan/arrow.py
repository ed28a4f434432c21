"""Stripe objects → Arrow record batches of a scan's raw schema (see typemap.py).

Each column is built with one `pa.array` call; nested values are encoded as JSON text by
msgspec (jsoncodec.py); only values that do not fit their column's type take a slower
per-value path. The engine casts the raw columns to the catalog's types in bulk.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import pyarrow as pa

from stripe_dbapi import jsoncodec, typemap
from stripe_dbapi._typing import Rows
from stripe_dbapi.catalog.model import Column, Table
from stripe_dbapi.exceptions import InternalError

_ARROW: dict[typemap.RawType, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
}

def raw_schema(table: Table, columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema of a scan's raw stream (see typemap)."""
    return _layout(table, tuple(columns))[1]


_Layout = tuple[tuple[tuple[str, typemap.TypeRule, pa.DataType], ...], pa.Schema]


def _layout(table: Table, columns: tuple[str, ...]) -> _Layout:
    """Each column's type rule, Arrow type and the raw schema, worked out once per shape."""
    return _layout_of(tuple((name, _column(table, name).type) for name in columns))


@lru_cache(maxsize=512)
def _layout_of(typed: tuple[tuple[str, str], ...]) -> _Layout:
    rules = tuple(
        (name, rule, _ARROW[rule.raw]) for name, sql_type in typed for rule in [typemap.rule(sql_type)]
    )
    return rules, pa.schema([pa.field(name, arrow) for name, _, arrow in rules])


def _column(table: Table, name: str) -> Column:
    column = table.column(name)
    if column is None:
        raise InternalError(f"The plan asks for `{table.name}.{name}`, which the catalog lacks.")
    return column


def to_batch(
    rows: Rows, table: Table, columns: Sequence[str], fill: Sequence[tuple[str, str]] = ()
) -> pa.RecordBatch:
    """Stripe objects → one record batch of the scan's raw schema.

    Each column is built with one `pa.array` call over a list comprehension; nested
    values are encoded as JSON text by jsoncodec; only values that do not fit
    the column's type (an expanded object where an id is expected) take the slower
    per-value path.
    """
    rules, schema = _layout(table, tuple(columns))
    fills = dict(fill)
    arrays = []
    for name, rule, arrow_type in rules:
        values = [row.get(name) for row in rows]
        if name in fills:
            default = fills[name]
            values = [default if v is None else v for v in values]
        if rule.nested:
            values = [None if v is None else jsoncodec.dumps(v) for v in values]
            arrays.append(pa.array(values, type=arrow_type))
            continue
        try:
            arrays.append(pa.array(values, type=arrow_type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays.append(pa.array([_coerce(v, arrow_type) for v in values], type=arrow_type))
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
            return jsoncodec.dumps(value).decode()
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
