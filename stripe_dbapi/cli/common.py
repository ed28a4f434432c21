"""What every connecting command shares: the connection options and opening them."""

from __future__ import annotations

import argparse

from stripe_dbapi.connection import Connection, connect
from stripe_dbapi.exceptions import InterfaceError


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """`--dsn`, `--connection NAME` and `--sandbox`: where the command connects."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--dsn", help="a connection string (Key=Value;…)")
    group.add_argument("--connection", metavar="NAME", help="a saved connection")
    group.add_argument(
        "--sandbox", action="store_true", help="the built-in sandbox (no Stripe account needed)"
    )


def open_connection(args: argparse.Namespace) -> Connection:
    """The connection the options name; the STRIPE_DBAPI_DSN variable when none is given."""
    import os

    if args.sandbox:
        return connect("Sandbox=true")
    if args.connection:
        return connect(ConnectionName=args.connection)
    dsn = args.dsn or os.environ.get("STRIPE_DBAPI_DSN")
    if not dsn:
        raise InterfaceError(
            'Say where to connect: --dsn "AuthScheme=APIKey;LiveAPIKey=…", '
            "--connection NAME, --sandbox, or set STRIPE_DBAPI_DSN."
        )
    return connect(dsn)
