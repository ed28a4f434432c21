"""A list request's filters as values: built (and validated) once, applied two ways.

Every filter of a list request, the catalog's `eq` and `range` parameters and a table's
default exclusions (`hidden_by_default`), becomes one filter value here; Stripe's 400s
for a bad value are raised while building it. A filter says which rows it keeps twice,
in equivalent forms: `test(row)`, the straightforward definition the reference path
applies to every row (`SandboxAPI.handle`), and, for the indexes of `index.py`, the keys
a row is filed under (`keys_of`) and the keys the filter accepts, so the served path
(`SandboxAPI.respond`) answers with look-ups instead of a scan. `test` is written in
terms of the same two methods, so the two paths cannot disagree about what a filter
means, only about how rows are found (which tests/sandbox/test_fast_paths.py checks).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Table
from stripe_dbapi.sandbox import rules
from stripe_dbapi.sandbox.errors import ApiError, invalid_integer, invalid_value, unknown_parameter
from stripe_dbapi.sandbox.params import Params

Relations = Mapping[str, Mapping[str, Any]]
_INTEGER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class KeyFilter:
    """Keeps the rows filed under at least one accepted key.

    `index_key` names how rows are filed (two filters with the same one share an index);
    `keys_of` files a row; `accepts` judges one key; `wanted_keys`, when not None, lists
    every key `accepts` takes, so an index need not try each of its keys.
    """

    def index_key(self) -> Hashable:
        raise NotImplementedError

    def keys_of(self, row: Row) -> Iterable[Hashable]:
        raise NotImplementedError

    def accepts(self, key: Hashable) -> bool:
        raise NotImplementedError

    def wanted_keys(self) -> frozenset[Hashable] | None:
        return None

    def test(self, row: Row) -> bool:
        return any(self.accepts(k) for k in self.keys_of(row))


@dataclass(frozen=True)
class ColumnIn(KeyFilter):
    """The column's value, as text, is (or with `negate`, is not) one of `values`."""

    column: str
    values: frozenset[str]
    negate: bool = False

    def index_key(self) -> Hashable:
        return ("text", self.column)

    def keys_of(self, row: Row) -> Iterable[Hashable]:
        return (text(row.get(self.column)),)

    def accepts(self, key: Hashable) -> bool:
        return (key in self.values) != self.negate

    def wanted_keys(self) -> frozenset[Hashable] | None:
        return None if self.negate else frozenset(self.values)


@dataclass(frozen=True)
class FieldMatches(KeyFilter):
    """An equality filter: a value of the row's relation, field or nested field matches
    one of `wanted` (exactly, ignoring case, or as a `*` wildcard)."""

    column: str
    wanted: frozenset[str]
    relations: Relations | None = field(default=None, compare=False)
    match: str = "exact"
    _patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.match == "wildcard":
            patterns = tuple(
                re.compile(".*".join(map(re.escape, w.split("*"))) + "$") for w in self.wanted
            )
            object.__setattr__(self, "_patterns", patterns)
        elif self.match == "case_insensitive":
            object.__setattr__(self, "wanted", frozenset(w.lower() for w in self.wanted))

    def index_key(self) -> Hashable:
        return ("values", self.column, self.relations is not None)

    def keys_of(self, row: Row) -> Iterable[Hashable]:
        return field_values(row, self.column, self.relations)

    def accepts(self, key: Hashable) -> bool:
        if not isinstance(key, str):
            return False
        if self.match == "case_insensitive":
            return key.lower() in self.wanted
        if self.match == "wildcard":
            return any(p.match(key) for p in self._patterns)
        return key in self.wanted

    def wanted_keys(self) -> frozenset[Hashable] | None:
        return frozenset(self.wanted) if self.match == "exact" else None


@dataclass(frozen=True)
class IsNull(KeyFilter):
    """`pending=true`: rows whose `column` is null; `false`: the others."""

    column: str
    want_null: bool

    def index_key(self) -> Hashable:
        return ("null", self.column)

    def keys_of(self, row: Row) -> Iterable[Hashable]:
        return (row.get(self.column) is None,)

    def accepts(self, key: Hashable) -> bool:
        return key == self.want_null

    def wanted_keys(self) -> frozenset[Hashable] | None:
        return frozenset({self.want_null})


@dataclass(frozen=True)
class Range:
    """An integer field (or, when absent, its relation) within `lo`..`hi`, both included."""

    column: str
    lo: int | None
    hi: int | None
    relations: Relations | None = field(default=None, compare=False)

    def index_key(self) -> Hashable:
        return ("range", self.column, self.relations is not None)

    def value_of(self, row: Row) -> int | None:
        v = row.get(self.column)
        if self.relations is not None and v is None:
            v = self.relations.get(row.get("id", ""), {}).get(self.column)
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    def test(self, row: Row) -> bool:
        v = self.value_of(row)
        return (
            v is not None
            and (self.lo is None or v >= self.lo)
            and (self.hi is None or v <= self.hi)
        )


Filter = KeyFilter | Range


def build(
    table: Table, params: Params, relations: Relations, skip: str | None = None
) -> list[Filter]:
    """The filters a list request on `table` applies (`skip`: the parent parameter that
    already chose the collection); raises ApiError for values Stripe rejects."""
    out: list[Filter] = []
    for f in table.filters:
        if f.param not in params or f.param == skip:
            continue
        column = table.column(f.column)
        via_relation = column is not None and column.filter_only
        value = params[f.param]
        special = rules.SPECIAL_VALUES.get(table.name, {}).get(f.param, {})
        rel = relations if via_relation else None
        if f.kind == "range":
            out.append(_range(f.param, f.column, value, rel))
            continue
        if isinstance(value, dict):
            raise unknown_parameter(f"{f.param}[{next(iter(value))}]")
        given = [value] if isinstance(value, str) else list(value)
        for v in given:
            if not f.accepts(v):
                raise invalid_value(f.param, f.values or ())
        if f.null_column is not None:
            out.append(_null_test(f.param, f.null_column, value))
        elif isinstance(value, str) and value in special:
            wanted = special[value]
            if wanted is not None:
                out.append(ColumnIn(f.column, wanted))
        else:
            out.append(FieldMatches(f.column, frozenset(given), rel, f.match))
    for param, hidden in table.hidden_by_default.items():
        if param not in params:
            column_name = next((f.column for f in table.filters if f.param == param), param)
            out.append(ColumnIn(column_name, frozenset(hidden), negate=True))
    return out


def _range(param: str, column: str, value: Any, relations: Relations | None) -> Range:
    """`param=n` or `param[gt|gte|lt|lte]=n` as one inclusive integer interval."""
    bounds = value if isinstance(value, dict) else {"eq": value}
    lo: int | None = None
    hi: int | None = None
    for op, raw in bounds.items():
        if not _INTEGER.fullmatch(str(raw)):
            raise invalid_integer(param if op == "eq" else f"{param}[{op}]", str(raw))
        n = int(raw)
        low = {"eq": n, "gt": n + 1, "gte": n}.get(op)
        high = {"eq": n, "lt": n - 1, "lte": n}.get(op)
        if low is not None:
            lo = low if lo is None else max(lo, low)
        if high is not None:
            hi = high if hi is None else min(hi, high)
    return Range(column, lo, hi, relations)


def _null_test(param: str, column: str, value: Any) -> IsNull:
    if value not in ("true", "false"):
        raise ApiError(
            400, f"Invalid boolean: {value}", param=param, code="parameter_invalid_boolean"
        )
    return IsNull(column, value == "true")


def text(value: Any) -> str:
    """A field as an equality filter compares it: an expanded object by its id."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return "" if value is None else str(value)


def field_values(row: Row, column: str, relations: Relations | None) -> set[str]:
    """The row's values for an equality filter: relation, field, or a nested field."""
    if relations is not None:
        related = relations.get(row.get("id", ""), {})
        if column in related:
            value = related[column]
            return (
                {text(v) for v in value} if isinstance(value, (list, set, tuple)) else {text(value)}
            )
    if column in row:
        return {text(row[column])}
    found = _nested(row, column, 3)
    return set() if found is None else {text(found)}


def _nested(value: Any, key: str, depth: int) -> Any:
    if depth == 0 or not isinstance(value, dict):
        return None
    if key in value and not isinstance(value[key], (dict, list)):
        return value[key]
    for v in value.values():
        if isinstance(v, dict) and v.get("object") is None:
            found = _nested(v, key, depth - 1)
            if found is not None:
                return found
    return None
