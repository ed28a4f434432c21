"""Stripe objects → Arrow record batches of a scan's raw schema (see typemap.py).

A page's columns are built by raw type, not one by one: the values of every column of one
Arrow type are gathered into one list and made one array by one `pa.array` call, whose
slices are the columns (pyarrow costs about 2 µs a call whatever its length). Nested
values are encoded as JSON text by one msgspec call over all of them
(`jsoncodec.dumps_lines`) and split in Arrow. Whatever the fast path cannot take exactly
(an expanded object where an id is expected, a float in an integer column, a NaN where a
JSON column expects an object) takes the per-value path, `_coerce`, which defines every
cell: a value becomes a cell only when the cell holds it exactly (an expanded object its
id, a whole float its integer, `"12"` the number 12); anything else (1.5 or 2**64 in a
BIGINT, "yes" in a BOOLEAN, a lone surrogate in text) is a DataError naming the column
and the object, never a NULL or a rounded number (docs/errors.md). The engine casts the
raw columns to the catalog's types in bulk.
"""

from __future__ import annotations

import math
import re
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
from stripe_dbapi.exceptions import DataError, InternalError

# The type each raw type's values are built as; timestamps are built as their seconds.
_ARROW: dict[typemap.RawType, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.int64(),
    "json": pa.string(),
}
_TIMESTAMP = pa.timestamp("s", tz="UTC")
# DuckDB reads a string field with this extension name as JSON (no cast, no re-parse).
_JSON_FIELD = {b"ARROW:extension:name": b"arrow.json", b"ARROW:extension:metadata": b""}
# The seconds DuckDB's TIMESTAMP WITH TIME ZONE holds (microseconds in an int64).
_SECONDS = range(-(2**63 - 1) // 1_000_000, (2**63 - 1) // 1_000_000 + 1)
_NULL_TEXT = pa.scalar(b"null")
# What pyarrow raises for a value that does not fit its type (see `_coerce`).
_UNFIT = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, UnicodeEncodeError)
_INT64 = pa.int64()
_INT64_RANGE = range(-(2**63), 2**63)
# Numbers as Stripe writes them in text: JSON's grammar, not Python's (no `1_000`, `nan`).
_INTEGER_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def raw_schema(table: Table, columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema of a scan's raw stream (see typemap)."""
    return _layout(table, tuple(columns)).schema


@dataclass(frozen=True)
class _Group:
    """The columns built as one type (BIGINT and TIMESTAMP both as int64), as one array:
    their names in schema order."""

    arrow: pa.DataType
    nested: bool
    names: tuple[str, ...]


@dataclass(frozen=True)
class _Layout:
    """How a page of one scan's shape becomes a batch, worked out once per shape."""

    schema: pa.Schema
    groups: tuple[_Group, ...]
    rules: dict[str, tuple[typemap.TypeRule, pa.DataType]]


_LAYOUTS_MAX = 512
# (id of the table, columns) → (the table, its layout): the table is kept with its entry,
# so its id names no other table while the entry lives. Looking 48 columns' types up per
# page cost a small query a few hundred microseconds (issue #15).
_layouts: dict[tuple[int, tuple[str, ...]], tuple[Table, _Layout]] = {}


def _layout(table: Table, columns: tuple[str, ...]) -> _Layout:
    key = (id(table), columns)
    found = _layouts.get(key)
    if found is not None and found[0] is table:
        return found[1]
    layout = _layout_of(tuple((name, _column(table, name).type) for name in columns))
    if len(_layouts) >= _LAYOUTS_MAX:
        _layouts.clear()
    _layouts[key] = (table, layout)
    return layout


@lru_cache(maxsize=512)
def _layout_of(typed: tuple[tuple[str, str], ...]) -> _Layout:
    rules = {
        name: (rule, _ARROW[rule.raw])
        for name, sql_type in typed
        for rule in [typemap.rule(sql_type)]
    }
    members: dict[tuple[pa.DataType, bool], list[str]] = {}
    for name, (rule, arrow) in rules.items():
        members.setdefault((arrow, rule.nested), []).append(name)
    groups = tuple(_Group(arrow, nested, tuple(names)) for (arrow, nested), names in members.items())
    schema = pa.schema([_field(name, rule) for name, (rule, _) in rules.items()])
    return _Layout(schema, groups, rules)


def _field(name: str, rule: typemap.TypeRule) -> pa.Field:
    if rule.raw == "timestamp":
        return pa.field(name, _TIMESTAMP)
    if rule.raw == "json":
        return pa.field(name, pa.string(), metadata=_JSON_FIELD)
    return pa.field(name, _ARROW[rule.raw])


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
        for at, name in enumerate(group.names):
            rule, arrow_type = layout.rules[name]
            try:
                if built is None:
                    column = _column_array(values[at * count : (at + 1) * count], rule, arrow_type)
                else:
                    column = built.slice(at * count, count)
                arrays[name] = _finished(column, rule)
            except _Unfit as exc:
                raise _unfit_error(exc, table, name, rows) from None
    return pa.RecordBatch.from_arrays([arrays[f.name] for f in layout.schema], schema=layout.schema)


def _group_array(values: list[Any], group: _Group) -> pa.Array | None:
    """The group's columns as one array, or None when a value needs the per-column path."""
    if not group.nested:
        return _plain_array(values, group.arrow)
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


def _finished(built: pa.Array, rule: typemap.TypeRule) -> pa.Array:
    """A column as built, made its raw type: seconds become a timestamp (zero-copy) once
    checked to be within what DuckDB's timestamps hold."""
    if rule.raw != "timestamp":
        return built
    if built.null_count < len(built):
        low, high = pc.min_max(built).values()
        if low.as_py() not in _SECONDS or high.as_py() not in _SECONDS:
            values = built.to_pylist()
            at = next(i for i, v in enumerate(values) if v is not None and v not in _SECONDS)
            raise _Unfit(values[at], "is outside the range of a timestamp (seconds since 1970)", at)
    return built.view(_TIMESTAMP)


def _plain_array(values: list[Any], arrow_type: pa.DataType) -> pa.Array | None:
    """Values of a plain (not nested) type as one array when pyarrow takes them exactly."""
    if arrow_type == _INT64 and float in set(map(type, values)):
        return None  # pyarrow would truncate 1.5 to 1 without a word
    try:
        return pa.array(values, type=arrow_type)
    except _UNFIT:
        return None


def _column_array(values: list[Any], rule: typemap.TypeRule, arrow_type: pa.DataType) -> pa.Array:
    """One column's values as its raw Arrow array: the definition of every value's cell.
    Raises _Unfit for the first value the column cannot hold exactly."""
    if not rule.nested:
        built = _plain_array(values, arrow_type)
        if built is not None:
            return built
    cells = []
    for at, value in enumerate(values):
        try:
            cells.append(_json_text(value) if rule.nested else _coerce(value, arrow_type))
        except _Unfit as exc:
            exc.at = at
            raise
    return pa.array(cells, type=arrow_type)


class _Unfit(ValueError):
    """A value its column cannot hold exactly: `reason` completes "<the value> …"."""

    def __init__(self, value: Any, reason: str, at: int = 0) -> None:
        super().__init__(reason)
        self.value = value
        self.reason = reason
        self.at = at  # the value's row in the page (`_column_array` sets it per value)


def _unfit_error(exc: _Unfit, table: Table, name: str, rows: Rows) -> DataError:
    """The DataError of a value Stripe sent that its column cannot hold: which column, of
    which object, what the value is (short: it is Stripe's data) and why it does not fit."""
    row = rows[exc.at] if exc.at < len(rows) else {}
    where = row.get("id") if isinstance(row.get("id"), str) else None
    return DataError(
        f"Stripe sent a value that `{table.name}.{name}` ({_column(table, name).type}) cannot "
        f"hold exactly{f', in {where}' if where else ''}: {_describe(exc.value)} {exc.reason}."
    )


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value[:40] + '…' if len(value) > 40 else value!r}"
    return repr(value)


def _json_text(value: Any) -> bytes | None:
    """A nested value's JSON text (NaN and ±Infinity are `null`: JSON has neither)."""
    if value is None:
        return None
    try:
        return jsoncodec.dumps(value)
    except (TypeError, ValueError, OverflowError) as exc:
        surrogate = isinstance(exc, UnicodeError) or "surrogate" in str(exc)
        why = "it holds a lone surrogate, which is not text" if surrogate else str(exc)
        raise _Unfit(value, f"cannot be written as JSON ({why})") from None


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
    """One value as the cell of its raw Arrow type holds it, exactly, or _Unfit."""
    if value is None:
        return None
    if pa.types.is_string(arrow_type):
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            value = value["id"]  # an expanded reference still reads as its id
        elif isinstance(value, (dict, list)):
            return _json_text(value).decode()  # type: ignore[union-attr]
        elif isinstance(value, bool):
            return "true" if value else "false"
        text = value if isinstance(value, str) else str(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _Unfit(value, "holds a lone surrogate, which is not text") from None
        return text
    if pa.types.is_integer(arrow_type):
        number = _integer(value)
        if number not in _INT64_RANGE:
            raise _Unfit(value, "is outside the range of a 64-bit integer")
        return number
    if pa.types.is_floating(arrow_type):
        if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
            value = float(value)
        if isinstance(value, (int, float)):
            try:
                return float(value)
            except OverflowError:
                raise _Unfit(value, "is outside the range of a double") from None
        raise _Unfit(value, "is not a number")
    if pa.types.is_boolean(arrow_type):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        raise _Unfit(value, "is not a boolean")
    raise InternalError(f"No raw column type {arrow_type} is known.")


def _integer(value: Any) -> int:
    """A whole number's int: a bool is 0 or 1, a float only when it is whole."""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise _Unfit(value, "is not a whole number")
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        return int(value)
    raise _Unfit(value, "is not a whole number")
