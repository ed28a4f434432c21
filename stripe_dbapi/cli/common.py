"""What every connecting command shares: the connection options and opening them."""

from __future__ import annotations

import argparse
import os

from stripe_dbapi.connection import Connection, connect, resolve_config
from stripe_dbapi.connstr import ConnectionConfig
from stripe_dbapi.exceptions import InterfaceError

DSN_ENV = "STRIPE_DBAPI_DSN"


def environment() -> list[tuple[str, str]]:
    """The environment variables the command line reads, for docs/cli.md."""
    from stripe_dbapi.cli.oauth import SECRET_ENV
    from stripe_dbapi.profiles.store import CONFIG_DIR_ENV

    return [
        (DSN_ENV, "the connection string used when no --dsn, --connection or --sandbox is given"),
        (SECRET_ENV, "the platform's secret key for `oauth authorize` (never printed)"),
        (CONFIG_DIR_ENV, "the directory of the saved connections file (`connections path`)"),
        (
            "PAGER",
            "the pager for long output at a terminal; empty (`PAGER=`) turns paging off; "
            "unset: `less -S -R -F -X` when installed",
        ),
        (
            "XDG_STATE_HOME",
            "where the shell keeps its history (`stripe_dbapi/shell_history` "
            "under it; default `~/.local/state` on Linux)",
        ),
        (
            "COLUMNS, LINES",
            "the terminal size tables are fitted to, when the terminal does not say",
        ),
    ]


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
    dsn = args.dsn or os.environ.get(DSN_ENV)
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
