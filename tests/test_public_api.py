"""The public surface, pinned: `stripe_dbapi.__all__` and what PEP 249 asks a module to have.

As stripe-python's tests/test_exports.py does for its package: a name added to or
dropped from the top level is a deliberate change to this list, never a side effect of
moving code between modules.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

import stripe_dbapi

EXPORTS = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]


def test_all_is_exactly_the_public_surface() -> None:
    assert stripe_dbapi.__all__ == EXPORTS
    assert len(set(stripe_dbapi.__all__)) == len(stripe_dbapi.__all__)


@pytest.mark.parametrize("name", EXPORTS)
def test_every_exported_name_is_importable(name: str) -> None:
    assert getattr(stripe_dbapi, name) is not None
    namespace: dict[str, object] = {}
    exec(f"from stripe_dbapi import {name}", namespace)  # noqa: S102 - a constant name
    assert namespace[name] is getattr(stripe_dbapi, name)


def test_star_import_gives_all_and_nothing_else() -> None:
    namespace: dict[str, object] = {}
    exec("from stripe_dbapi import *", namespace)  # noqa: S102
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(EXPORTS)


def test_module_globals() -> None:
    assert stripe_dbapi.apilevel == "2.0"
    assert stripe_dbapi.threadsafety == 2
    assert stripe_dbapi.paramstyle == "qmark"
    assert isinstance(stripe_dbapi.__version__, str)


def test_connect_is_a_function_returning_a_connection() -> None:
    assert inspect.isfunction(stripe_dbapi.connect)
    assert inspect.signature(stripe_dbapi.connect).return_annotation in (
        "Connection",
        stripe_dbapi.Connection,
    )


# PEP 249's hierarchy: (class, its direct base)
HIERARCHY = [
    ("Warning", Exception),
    ("Error", Exception),
    ("InterfaceError", "Error"),
    ("DatabaseError", "Error"),
    ("DataError", "DatabaseError"),
    ("OperationalError", "DatabaseError"),
    ("IntegrityError", "DatabaseError"),
    ("InternalError", "DatabaseError"),
    ("ProgrammingError", "DatabaseError"),
    ("NotSupportedError", "DatabaseError"),
]


@pytest.mark.parametrize(("name", "base"), HIERARCHY)
def test_exception_hierarchy(name: str, base: type | str) -> None:
    cls = getattr(stripe_dbapi, name)
    expected = getattr(stripe_dbapi, base) if isinstance(base, str) else base
    assert cls.__bases__ == (expected,)


def test_exceptions_are_also_connection_attributes() -> None:
    """PEP 249's optional extension: `connection.Error` and friends; absent is fine, wrong is not."""
    for name, _ in HIERARCHY:
        if hasattr(stripe_dbapi.Connection, name):
            assert getattr(stripe_dbapi.Connection, name) is getattr(stripe_dbapi, name)


@pytest.mark.parametrize(
    ("type_object", "type_code"),
    [
        ("STRING", "VARCHAR"),
        ("STRING", "JSON"),
        ("BINARY", "BLOB"),
        ("NUMBER", "BIGINT"),
        ("NUMBER", "DOUBLE"),
        ("NUMBER", "DECIMAL(38,12)"),
        ("DATETIME", "TIMESTAMP WITH TIME ZONE"),
        ("DATETIME", "DATE"),
        ("ROWID", "VARCHAR"),
    ],
)
def test_type_objects_equal_the_type_codes_of_their_family(
    type_object: str, type_code: str
) -> None:
    assert getattr(stripe_dbapi, type_object) == type_code
    assert type_code == getattr(stripe_dbapi, type_object)


def test_type_objects_differ_from_each_other() -> None:
    objects = [stripe_dbapi.STRING, stripe_dbapi.BINARY, stripe_dbapi.NUMBER, stripe_dbapi.DATETIME]
    for a in objects:
        for b in objects:
            assert (a == b) is (a is b)
    assert stripe_dbapi.NUMBER != "VARCHAR"


def test_constructors() -> None:
    assert stripe_dbapi.Date(2026, 1, 2) == dt.date(2026, 1, 2)
    assert stripe_dbapi.Time(3, 4, 5) == dt.time(3, 4, 5)
    assert stripe_dbapi.Timestamp(2026, 1, 2, 3, 4, 5) == dt.datetime(2026, 1, 2, 3, 4, 5)
    ticks = dt.datetime(2026, 1, 2, 3, 4, 5).timestamp()  # local time, as the *FromTicks are
    assert stripe_dbapi.DateFromTicks(ticks) == dt.date(2026, 1, 2)
    assert stripe_dbapi.TimeFromTicks(ticks) == dt.time(3, 4, 5)
    assert stripe_dbapi.TimestampFromTicks(ticks) == dt.datetime(2026, 1, 2, 3, 4, 5)
    assert stripe_dbapi.Binary(b"\x00\x01") == b"\x00\x01"
    assert stripe_dbapi.Binary(bytearray(b"ab")) == b"ab"
    assert stripe_dbapi.Binary("ab") == b"ab"


def test_connection_and_cursor_have_the_pep_249_methods() -> None:
    for method in ("close", "commit", "rollback", "cursor"):
        assert callable(getattr(stripe_dbapi.Connection, method)), method
    for method in (
        "close",
        "execute",
        "executemany",
        "fetchone",
        "fetchmany",
        "fetchall",
        "setinputsizes",
        "setoutputsize",
    ):
        assert callable(getattr(stripe_dbapi.Cursor, method)), method
    for attribute in ("description", "rowcount", "arraysize"):
        assert isinstance(getattr(stripe_dbapi.Cursor, attribute), property), attribute
