"""A Harlequin adapter: Stripe in Harlequin's terminal SQL IDE (`pip install
"stripe_dbapi[harlequin]"`, then `harlequin -a stripe "Sandbox=true"`).

Harlequin finds it through the `harlequin.adapter` entry point named `stripe`. The
connection string is ours (`Key=Value;…`, see docs/connection-properties.md); a bare word
is a saved connection's name, and with neither `STRIPE_DBAPI_DSN` is read, as the CLI
does. Queries run through the PEP 249 driver; its errors become Harlequin's query and
connection errors with the driver's own message. The data catalog is our catalog: the
`stripe` schema, every table, every column with its type. Cancel (Harlequin's button or
Ctrl-C in the editor) closes the running cursors, which stops their Stripe paging at once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from typing import Any

from harlequin import HarlequinAdapter, HarlequinConnection, HarlequinCursor
from harlequin.catalog import Catalog, CatalogItem
from harlequin.exception import HarlequinConfigError, HarlequinConnectionError, HarlequinQueryError
from harlequin.options import FlagOption, TextOption

import stripe_dbapi
from stripe_dbapi.catalog import SCHEMA
from stripe_dbapi.cli.common import DSN_ENV
from stripe_dbapi.connection import Connection
from stripe_dbapi.cursor import Cursor
from stripe_dbapi.exceptions import Error

# Harlequin shows a 1-3 character label beside each column and result header.
_TYPE_LABELS = {
    "VARCHAR": "s",
    "BIGINT": "##",
    "INTEGER": "#",
    "HUGEINT": "###",
    "DOUBLE": "#.#",
    "FLOAT": "#.#",
    "DECIMAL": "#.#",
    "BOOLEAN": "t/f",
    "TIMESTAMP WITH TIME ZONE": "tz",
    "TIMESTAMP": "ts",
    "DATE": "d",
    "TIME": "t",
    "INTERVAL": "|-|",
    "JSON": "{}",
    "BLOB": "0b",
}

CANCELLED = "The query was cancelled."

OPTIONS = [
    FlagOption(
        name="sandbox",
        description="Query the built-in sandbox (generated data, no Stripe account needed).",
    ),
    TextOption(
        name="connection",
        description="The name of a saved connection (`stripe-dbapi connections list`).",
    ),
]


def type_label(type_name: str) -> str:
    """The short label Harlequin shows for a DuckDB type name (`DECIMAL(18,2)` → `#.#`)."""
    return _TYPE_LABELS.get(type_name, _TYPE_LABELS.get(type_name.split("(")[0], "?"))


class StripeCursor(HarlequinCursor):
    """One query's result, fetched up to Harlequin's row limit."""

    def __init__(self, cursor: Cursor, connection: StripeConnection) -> None:
        self.cursor = cursor
        self.connection = connection
        self.limit: int | None = None
        # Kept now: Harlequin asks for the columns after fetchall() has closed the cursor.
        self._columns = [(d[0], type_label(d[1])) for d in cursor.description or ()]

    def columns(self) -> list[tuple[str, str]]:
        return list(self._columns)

    def set_limit(self, limit: int) -> StripeCursor:
        self.limit = limit
        return self

    def fetchall(self) -> list[tuple[Any, ...]] | None:
        """The rows (at most the limit); None when there are none, as Harlequin asks."""
        try:
            rows = (
                self.cursor.fetchall() if self.limit is None else self.cursor.fetchmany(self.limit)
            )
        except Error as exc:
            raise HarlequinQueryError(str(exc), title="Stripe could not run the query") from None
        finally:
            cancelled = self.connection.finished(self.cursor)
        if cancelled:  # a closed cursor may end its rows early: never show them as all
            raise HarlequinQueryError(CANCELLED, title="Query cancelled")
        return [tuple(r) for r in rows] or None


class StripeConnection(HarlequinConnection):
    """A driver connection, and the cursors whose queries are running on it."""

    def __init__(self, conn: Connection, init_message: str = "") -> None:
        self.init_message = init_message
        self.conn = conn
        self._running: set[Cursor] = set()
        self._cancelled: set[Cursor] = set()
        self._lock = threading.Lock()

    def execute(self, query: str) -> StripeCursor:
        cursor = self.conn.cursor()
        with self._lock:
            self._running.add(cursor)
        try:
            cursor.execute(query)
        except Error as exc:
            if self.finished(cursor):
                raise HarlequinQueryError(CANCELLED, title="Query cancelled") from None
            raise HarlequinQueryError(str(exc), title="Stripe could not run the query") from None
        return StripeCursor(cursor, self)

    def finished(self, cursor: Cursor) -> bool:
        """The cursor's rows are fetched (or it failed): close it, stop tracking it.
        True when `cancel` had stopped it."""
        with self._lock:
            self._running.discard(cursor)
            cancelled = cursor in self._cancelled
            self._cancelled.discard(cursor)
        cursor.close()
        return cancelled

    def cancel(self) -> None:
        """Stop every running query: a closed cursor stops its scans at once."""
        with self._lock:
            running, self._running = list(self._running), set()
            self._cancelled.update(running)
        for cursor in running:
            cursor.close()

    def get_catalog(self) -> Catalog:
        """The `stripe` schema, its tables and their columns, from our catalog."""
        tables = []
        for table in self.conn.catalog:
            columns = [
                CatalogItem(
                    qualified_identifier=f'"{SCHEMA}"."{table.name}"."{column.name}"',
                    query_name=_identifier(column.name),
                    label=column.name,
                    type_label=type_label(column.type),
                    type_name=column.type,
                )
                for column in table.columns
            ]
            tables.append(
                CatalogItem(
                    qualified_identifier=f'"{SCHEMA}"."{table.name}"',
                    query_name=table.name,
                    label=table.name,
                    type_label="t",
                    children=columns,
                    type_name="BASE TABLE",
                )
            )
        schema = CatalogItem(
            qualified_identifier=f'"{SCHEMA}"',
            query_name=SCHEMA,
            label=SCHEMA,
            type_label="sch",
            children=tables,
        )
        return Catalog(items=[schema])

    def close(self) -> None:
        self.cancel()
        self.conn.close()


class StripeAdapter(HarlequinAdapter):
    """`harlequin -a stripe [CONNECTION_STRING | SAVED_NAME] [--sandbox] [--connection NAME]`."""

    ADAPTER_OPTIONS = OPTIONS
    IMPLEMENTS_CANCEL = True
    IMPLEMENTS_READ_ONLY = True  # every connection is read-only anyway
    ADAPTER_DETAILS = (
        "Queries Stripe with SQL through `stripe_dbapi`: every Stripe v1 list endpoint is a "
        "read-only table in the `stripe` schema. Connection strings are `Key=Value;…` "
        "(`Sandbox=true`, `LiveAPIKey=${STRIPE_KEY}`, `ConnectionName=prod`)."
    )
    ADAPTER_DRIVER_DETAILS = f"stripe_dbapi {stripe_dbapi.__version__}"

    def __init__(self, conn_str: Sequence[str], read_only: bool = False, **options: Any) -> None:
        self.conn_str = tuple(conn_str)
        if len(self.conn_str) > 1:
            raise HarlequinConfigError(
                "Give one Stripe connection string (or saved connection name), not "
                f"{len(self.conn_str)}.",
                title="Harlequin could not start the Stripe adapter.",
            )
        self.sandbox = bool(options.get("sandbox"))
        connection = options.get("connection")
        self.connection = str(connection) if connection else None

    def properties(self) -> dict[str, str]:
        """The connection properties the arguments name (STRIPE_DBAPI_DSN when none)."""
        if self.sandbox:
            return {"Sandbox": "true"}
        if self.connection:
            return {"ConnectionName": self.connection}
        if self.conn_str:
            given = self.conn_str[0].strip()
            return {"dsn": given} if "=" in given else {"ConnectionName": given}
        dsn = os.environ.get(DSN_ENV)
        if dsn:
            return {"dsn": dsn}
        raise HarlequinConfigError(
            'Say where to connect: a connection string ("Sandbox=true", '
            '"LiveAPIKey=${STRIPE_KEY}"), a saved connection name, --sandbox, or set '
            "STRIPE_DBAPI_DSN.",
            title="Harlequin could not start the Stripe adapter.",
        )

    @property
    def connection_id(self) -> str:
        """A stable id for Harlequin's caches, made from the arguments but holding none
        of them (a connection string may carry a key)."""
        text = repr(sorted(self.properties().items()))
        return "stripe-" + hashlib.sha256(text.encode()).hexdigest()[:16]

    def connect(self) -> StripeConnection:
        try:
            conn = stripe_dbapi.connect(**self.properties())
        except Error as exc:
            raise HarlequinConnectionError(
                str(exc), title="stripe_dbapi could not connect to Stripe"
            ) from None
        return StripeConnection(conn, init_message=f"Connected to Stripe at {conn.client.host}.")


def _identifier(name: str) -> str:
    return name if name.isidentifier() and name.islower() else f'"{name}"'
