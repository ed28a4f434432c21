"""`connections` commands: create (TEST, then CREATE), test, list, show, delete, path.

The outcome of a TEST, `connection available` or `Connection unavailable: <reason>`, is
the command's answer and goes to stdout; the exit status tells them apart (0 or 1).
Mistakes (an unknown name, a bad property) are errors: one line on stderr, exit 1.
No secret is ever printed: `show` masks them and failures are redacted.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from stripe_dbapi import profiles
from stripe_dbapi.connstr import split_connection_string
from stripe_dbapi.exceptions import InterfaceError, OperationalError
from stripe_dbapi.properties import lookup
from stripe_dbapi.redact import Redactor


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `connections` command group."""
    parser = commands.add_parser(
        "connections", help="saved connections: create, test, list, show, delete"
    )
    sub = parser.add_subparsers(dest="connections_command", metavar="ACTION", required=True)

    create = sub.add_parser("create", help="test a connection and save it under a name")
    create.add_argument("name", metavar="NAME")
    create.add_argument("dsn", metavar="CONNECTION_STRING", help='e.g. "LiveAPIKey=${STRIPE_KEY}"')
    create.add_argument("--no-test", action="store_true", help="save without testing")
    create.add_argument("--force", action="store_true", help="replace an existing connection")
    create.add_argument(
        "--keyring", action="store_true", help="keep the secrets in the OS keyring, not the file"
    )
    create.set_defaults(func=_create)

    test = sub.add_parser("test", help="check a saved connection or a connection string")
    test.add_argument("target", metavar="NAME|CONNECTION_STRING")
    test.set_defaults(func=_test)

    listing = sub.add_parser("list", help="saved connections (name, scheme, account)")
    listing.set_defaults(func=_list)

    show = sub.add_parser("show", help="a saved connection's properties, secrets masked")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(func=_show)

    delete = sub.add_parser("delete", help="remove a saved connection")
    delete.add_argument("name", metavar="NAME")
    delete.set_defaults(func=_delete)

    path = sub.add_parser("path", help="where the saved connections are kept")
    path.set_defaults(func=_path)


def _create(args: argparse.Namespace) -> int:
    props = profiles.parse_properties(args.dsn)
    if not args.force and profiles.exists(args.name):
        raise InterfaceError(
            f"A saved connection named `{args.name}` already exists; use --force to replace it."
        )
    missing = profiles.missing_secrets(props)
    if missing:
        props.update(_ask_secrets(args.name, missing))
    try:
        path = profiles.save(
            args.name, props, test=not args.no_test, force=args.force, use_keyring=args.keyring
        )
    except OperationalError as exc:
        print(_redacted(str(exc), props), flush=True)
        return 1
    if not args.no_test:
        print(profiles.AVAILABLE)
    print(f"saved connection `{args.name}` in {path}" + (" (not tested)" if args.no_test else ""))
    return 0


def _ask_secrets(name: str, missing: list[str]) -> dict[str, str]:
    """Ask for each missing secret with a hidden prompt, only when a person is there."""
    if not sys.stdin.isatty():
        them = "them" if len(missing) > 1 else "it"
        raise InterfaceError(
            f"The connection string has no {' and '.join(missing)}: add {them} as a value or "
            "a ${ENV_VAR} reference, or run this in a terminal to be asked for it."
        )
    answers = {}
    for key in missing:
        value = getpass.getpass(f"{key} for `{name}` (hidden): ").strip()
        if not value:
            raise InterfaceError(f"No {key} was given; nothing was saved.")
        answers[key] = value
    return answers


def _test(args: argparse.Namespace) -> int:
    ok, message = profiles.test(args.target)
    secrets = dict(split_connection_string(args.target)) if "=" in args.target else {}
    print(_redacted(message, secrets))
    return 0 if ok else 1


def _list(args: argparse.Namespace) -> int:
    saved = profiles.list_connections()
    if not saved:
        print(f"no saved connections in {profiles.config_path()}", file=sys.stderr)
        return 0
    rows = [("NAME", "SCHEME", "ACCOUNT", "TARGET")]
    rows += [(c.name, c.auth_scheme, c.account_id or "-", c.target) for c in saved]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    return 0


def _show(args: argparse.Namespace) -> int:
    shown = profiles.masked_properties(args.name)
    print(f"[{args.name}]")
    for key, value in shown.items():
        print(f"{key} = {value}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    profiles.delete(args.name)
    print(f"deleted connection `{args.name}`")
    return 0


def _path(args: argparse.Namespace) -> int:
    print(profiles.config_path())
    return 0


def _redacted(text: str, props: dict[str, str]) -> str:
    """Belt and braces: the driver redacts its messages; remove the given secrets again."""
    secrets = [value for key, value in props.items() if (p := lookup(key)) and p.secret]
    return Redactor(secrets).redact(text)
