"""What every connecting command shares: the connection options and opening them."""

from __future__ import annotations

import argparse
import os

from stripe_dbapi.connection import Connection, connect, resolve_config
from stripe_dbapi.connstr import ConnectionConfig
from stripe_dbapi.exceptions import InterfaceError


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """`--dsn`, `--connection NAME` and `--sandbox`: where the command connects."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--dsn", help="a connection string (Key=Value;…)")
    group.add_argument("--connection", metavar="NAME", help="a saved connection")
    group.add_argument(
        "--sandbox", action="store_true", help="the built-in sandbox (no Stripe account needed)"
    )


def _properties(args: argparse.Namespace) -> dict[str, str] | None:
    """The connection properties the options name (STRIPE_DBAPI_DSN when none), or None."""
    if args.sandbox:
        return {"Sandbox": "true"}
    if args.connection:
        return {"ConnectionName": args.connection}
    dsn = args.dsn or os.environ.get("STRIPE_DBAPI_DSN")
    return {"dsn": dsn} if dsn else None


def open_connection(args: argparse.Namespace) -> Connection:
    """The connection the options name; the STRIPE_DBAPI_DSN variable when none is given."""
    props = _properties(args)
    if props is None:
        raise InterfaceError(
            'Say where to connect: --dsn "AuthScheme=APIKey;LiveAPIKey=…", '
            "--connection NAME, --sandbox, or set STRIPE_DBAPI_DSN."
        )
    return connect(**props)


def connection_config(args: argparse.Namespace) -> ConnectionConfig:
    """The validated config the options name, without connecting (defaults when none)."""
    props = _properties(args)
    return resolve_config(**props) if props else ConnectionConfig()
