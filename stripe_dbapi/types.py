"""PEP 249 type objects and constructors.

`Cursor.description` reports each column's type code as the engine's type name
(`"BIGINT"`, `"TIMESTAMP WITH TIME ZONE"`, `"JSON"` …); the type objects below compare
equal to the names of their family, as PEP 249 asks.
"""

from __future__ import annotations

import datetime as _dt
import time as _time


class DBAPITypeObject:
    """A family of engine type names; equal to each of them (PEP 249)."""

    def __init__(self, name: str, *prefixes: str) -> None:
        self.name = name
        self._prefixes = tuple(p.upper() for p in prefixes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return self is other
        if isinstance(other, str):
            return other.upper().startswith(self._prefixes)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<DBAPITypeObject {self.name}>"


STRING = DBAPITypeObject("STRING", "VARCHAR", "JSON", "UUID", "ENUM", "TEXT")
BINARY = DBAPITypeObject("BINARY", "BLOB", "BYTEA", "BIT")
NUMBER = DBAPITypeObject(
    "NUMBER",
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "HUGEINT",
    "UBIGINT",
    "UINTEGER",
    "USMALLINT",
    "UTINYINT",
    "UHUGEINT",
    "DOUBLE",
    "FLOAT",
    "REAL",
    "DECIMAL",
    "BOOLEAN",
)
DATETIME = DBAPITypeObject("DATETIME", "TIMESTAMP", "DATE", "TIME", "INTERVAL")
# Stripe object ids are strings; ROWID names the family of the `id` column's type code.
ROWID = DBAPITypeObject("ROWID", "VARCHAR")

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime


def DateFromTicks(ticks: float) -> _dt.date:  # noqa: N802 - PEP 249 name
    return Date(*_time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> _dt.time:  # noqa: N802 - PEP 249 name
    return Time(*_time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> _dt.datetime:  # noqa: N802 - PEP 249 name
    return Timestamp(*_time.localtime(ticks)[:6])


def Binary(value: bytes | bytearray | str) -> bytes:  # noqa: N802 - PEP 249 name
    return value.encode() if isinstance(value, str) else bytes(value)
