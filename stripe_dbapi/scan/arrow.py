"""Stripe objects → Arrow record batches of a scan's raw schema (see typemap.py).

A page's columns are built by raw type, not one by one: the values of every column of one
Arrow type are gathered into one list and made one array by one `pa.array` call, whose
slices are the columns (pyarrow costs about 2 µs a call whatever its length). Nested
values are encoded as JSON text by one msgspec call over all of them
(`jsoncodec.dumps_lines`) and split in Arrow. Whatever the fast path cannot take exactly
(a value that does not fit its column's type, such as an expanded object where an id is
expected; a NaN where a JSON column expects an object) takes the per-column path, which
defines the answer. The engine casts the raw columns to the catalog's types in bulk.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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
_NULL_TEXT = pa.scalar(b"null")
# What pyarrow raises for a value that does not fit its type (see `_coerce`).
_UNFIT = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)


def raw_schema(table: Table, columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema of a scan's raw stream (see typemap)."""
    return _layout(table, tuple(columns)).schema


@dataclass(frozen=True)
class _Group:
    """The columns of one raw type, built as one array: their names in schema order."""

    arrow: pa.DataType
    nested: bool
    names: tuple[str, ...]


@dataclass(frozen=True)
class _Layout:
    """How a page of one scan's shape becomes a batch, worked out once per shape."""

    schema: pa.Schema
    groups: tuple[_Group, ...]
    rules: dict[str, tuple[typemap.TypeRule, pa.DataType]]


def _layout(table: Table, columns: tuple[str, ...]) -> _Layout:
    return _layout_of(tuple((name, _column(table, name).type) for name in columns))


@lru_cache(maxsize=512)
def _layout_of(typed: tuple[tuple[str, str], ...]) -> _Layout:
    rules = {
        name: (rule, _ARROW[rule.raw])
        for name, sql_type in typed
        for rule in [typemap.rule(sql_type)]
    }
    members: dict[tuple[typemap.RawType, bool], list[str]] = {}
    for name, (rule, _) in rules.items():
        members.setdefault((rule.raw, rule.nested), []).append(name)
    groups = tuple(
        _Group(_ARROW[raw], nested, tuple(names)) for (raw, nested), names in members.items()
    )
    schema = pa.schema([pa.field(name, arrow) for name, (_, arrow) in rules.items()])
    return _Layout(schema, groups, rules)


def _column(table: Table, name: str) -> Column:
    column = table.column(name)
    if column is None:
        raise InternalError(f"The plan asks for `{table.name}.{name}`, which the catalog lacks.")
    return column


def to_batch(
    rows: Rows, table: Table, columns: Sequence[str], fill: Sequence[tuple[str, str]] = ()
) -> pa.RecordBatch:
    """Stripe objects → one record batch of the scan's raw schema.

    `fill` gives a value to columns the rows leave null (the parent key of a child list,
    which its call fills). Values are taken as `_column_array` takes them, one column at a
    time; the columns of one raw type are only built together when that is exact.
    """
    layout = _layout(table, tuple(columns))
    fills = dict(fill)
    count = len(rows)
    arrays: dict[str, pa.Array] = {}
    for group in layout.groups:
        values: list[Any] = []
        for name in group.names:
            column = [row.get(name) for row in rows]
            if name in fills:
                default = fills[name]
                column = [default if v is None else v for v in column]
            values += column
        built = _group_array(values, group)
        if built is None:
            for at, name in enumerate(group.names):
                rule, arrow_type = layout.rules[name]
                arrays[name] = _column_array(
                    values[at * count : (at + 1) * count], rule, arrow_type
                )
        else:
            for at, name in enumerate(group.names):
                arrays[name] = built.slice(at * count, count)
    return pa.RecordBatch.from_arrays([arrays[f.name] for f in layout.schema], schema=layout.schema)


def _group_array(values: list[Any], group: _Group) -> pa.Array | None:
    """The group's columns as one array, or None when a value needs the per-column path."""
    if not group.nested:
        try:
            return pa.array(values, type=group.arrow)
        except _UNFIT:
            return None
    try:
        text = jsoncodec.dumps_lines(values)
    except (TypeError, ValueError, OverflowError):  # left for the per-column path to raise
        return None
    # One line per value: compact JSON never holds a raw newline (strings escape it).
    lines = pc.split_pattern(pa.array([text], pa.binary()), b"\n").values
    if len(lines) != len(values) + 1:
        return None
    # `null` is the text of None, and also of NaN and ±Infinity, which the per-column
    # path encodes as the JSON text `null` (a value, not SQL NULL): count to tell them apart.
    is_null = pc.equal(lines, _NULL_TEXT)
    nulls = values.count(None)
    if pc.sum(is_null, min_count=0).as_py() != nulls:
        return None
    validity = pc.invert(is_null).buffers()[1] if nulls else None
    _, offsets, data = lines.buffers()
    return pa.StringArray.from_buffers(len(values), offsets, data, validity, nulls)


def _column_array(values: list[Any], rule: typemap.TypeRule, arrow_type: pa.DataType) -> pa.Array:
    """One column's values as its raw Arrow array: the definition of every value's cell."""
    if rule.nested:
        return pa.array(
            [None if v is None else jsoncodec.dumps(v) for v in values], type=arrow_type
        )
    try:
        return pa.array(values, type=arrow_type)
    except _UNFIT:
        return pa.array([_coerce(v, arrow_type) for v in values], type=arrow_type)


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
