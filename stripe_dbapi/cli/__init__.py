"""`stripe-dbapi`: the command line.

Each group of commands lives in its own module with a `register(subparsers)` function;
this module only assembles them and turns every PEP 249 error into one clean line on
stderr and exit status 1 (never a traceback, never a secret).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from stripe_dbapi.exceptions import Error
from stripe_dbapi.redact import Redactor


def build_parser() -> argparse.ArgumentParser:
    from stripe_dbapi.cli import connections, oauth, query, sandbox

    parser = argparse.ArgumentParser(
        prog="stripe-dbapi", description="Query Stripe with SQL (stripe_dbapi)."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    query.register(commands)
    connections.register(commands)
    oauth.register(commands)
    sandbox_group = commands.add_parser("sandbox", help="run the built-in local Stripe sandbox")
    sandbox.register(sandbox_group.add_subparsers(dest="sandbox_command", required=True))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status is 0 on success and 1 on any error."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error (or the help)
        return 0 if exc.code in (0, None) else 1
    try:
        result = args.func(args)
    except Error as exc:
        print(f"error: {Redactor().redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
