"""The one type map: catalog SQL type → raw type of the scan → the engine's typed column.

Stripe sends unix seconds, decimal strings and nested JSON. The scan layer turns a page
into Arrow columns of the *raw* types below without per-cell conversions beyond JSON
encoding of nested values. Most raw types are already the catalog's type as DuckDB reads
Arrow: unix seconds travel as `timestamp[s, UTC]` (TIMESTAMP WITH TIME ZONE, exact to the
second, where `to_timestamp` goes through a double) and JSON text as a string marked
`arrow.json` (JSON), so the engine's projection over each scan (built by the planner)
casts only decimal strings (`CAST(… AS DECIMAL)`). A cast per column cost a small query
about 2 ms of DuckDB binding (issue #15). Pure data: the raw types are named here and
made Arrow types in `scan/arrow.py`, so the planner can read this map without pyarrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stripe_dbapi.catalog.model import BIGINT, BOOLEAN, DECIMAL, DOUBLE, JSON, TIMESTAMP, VARCHAR

RawType = Literal["string", "int64", "float64", "bool", "timestamp", "json"]


@dataclass(frozen=True)
class TypeRule:
    """How one catalog type travels from JSON to the engine."""

    raw: RawType  # the Arrow type of the scan's column, by name (see scan/arrow.py)
    cast: str  # a format string over the quoted raw column name: "{0}" keeps it as is

    @property
    def nested(self) -> bool:
        """Values are dicts/lists, encoded as JSON text."""
        return self.raw == "json"


_RULES: dict[str, TypeRule] = {
    VARCHAR: TypeRule("string", "{0}"),
    BIGINT: TypeRule("int64", "{0}"),
    DOUBLE: TypeRule("float64", "{0}"),
    BOOLEAN: TypeRule("bool", "{0}"),
    DECIMAL: TypeRule("string", f"CAST({{0}} AS {DECIMAL})"),
    TIMESTAMP: TypeRule("timestamp", "{0}"),
    JSON: TypeRule("json", "{0}"),
}


def rule(sql_type: str) -> TypeRule:
    """The rule for a catalog type; unknown types travel as JSON text, losing nothing."""
    return _RULES.get(sql_type.upper(), _RULES[JSON])


def quote_ident(name: str) -> str:
    """A DuckDB identifier, always quoted (catalog names include keywords like `order`)."""
    return '"' + name.replace('"', '""') + '"'
