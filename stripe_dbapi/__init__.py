"""stripe_dbapi: query Stripe with SQL through a PEP 249 (DB-API 2.0) driver.

import stripe_dbapi
with stripe_dbapi.connect("Sandbox=true") as conn:
    cur = conn.cursor()
    cur.execute("SELECT email, created FROM customers WHERE created >= ?", ["2026-01-01"])
    print(cur.fetchmany(5))
"""

from __future__ import annotations

from stripe_dbapi.connection import Connection, connect
from stripe_dbapi.cursor import Cursor
from stripe_dbapi.exceptions import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from stripe_dbapi.types import (
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
    Binary,
    Date,
    DateFromTicks,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
)

apilevel = "2.0"
# Threads may share connections, each thread using its own cursors: every Cursor runs on
# its own DuckDB connection (engine.cursor()), and the one StripeClient's requests Session,
# connection pool, rate limiter and request count are shared under locks. A Cursor itself
# is not for sharing. tests/reliability/test_concurrency.py holds 8 threads to that.
threadsafety = 2
paramstyle = "qmark"

__version__ = "0.1.0"

__all__ = [
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
