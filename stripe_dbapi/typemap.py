"""The one type map: catalog SQL type → Arrow type of the raw scan → the engine's typed column.

Stripe sends unix seconds, decimal strings and nested JSON. The fetcher turns a page into
Arrow columns of the *raw* types below without per-cell conversions beyond JSON encoding
of nested values; the engine's projection over each scan casts them to the catalog's types
(`to_timestamp`, `CAST(… AS DECIMAL)`, `CAST(… AS JSON)`), where DuckDB does it in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from stripe_dbapi.catalog.model import DECIMAL, TIMESTAMP


@dataclass(frozen=True)
class TypeRule:
    """How one catalog type travels from JSON to the engine."""

    arrow: pa.DataType
    cast: str  # a format string over the quoted raw column name: "{0}" keeps it as is
    nested: bool = False  # values are dicts/lists, encoded as JSON text


_RULES: dict[str, TypeRule] = {
    "VARCHAR": TypeRule(pa.string(), "{0}"),
    "BIGINT": TypeRule(pa.int64(), "{0}"),
    "DOUBLE": TypeRule(pa.float64(), "{0}"),
    "BOOLEAN": TypeRule(pa.bool_(), "{0}"),
    DECIMAL: TypeRule(pa.string(), f"CAST({{0}} AS {DECIMAL})"),
    TIMESTAMP: TypeRule(pa.int64(), "to_timestamp({0})"),
    "JSON": TypeRule(pa.string(), "CAST({0} AS JSON)", nested=True),
}


def rule(sql_type: str) -> TypeRule:
    """The rule for a catalog type; unknown types travel as JSON text, losing nothing."""
    return _RULES.get(sql_type.upper(), _RULES["JSON"])


def quote_ident(name: str) -> str:
    """A DuckDB identifier, always quoted (catalog names include keywords like `order`)."""
    return '"' + name.replace('"', '""') + '"'
