"""`stripe-dbapi`: the command line.

Each group of commands lives in its own module with a `register(subparsers)` function;
this module only assembles them and decides the exit status, the same for every command
(docs/cli.md):

- 0: success (also when the reader of a pipe stops early, as `| head` does);
- 1: an error, as one clean `error: …` line on stderr (never a traceback, never a secret),
  or a usage error;
- 130: interrupted by Ctrl-C (128 + SIGINT, as shells report it).

With no command, `stripe-dbapi` opens the interactive shell at a terminal and runs the
script on standard input otherwise (as `sqlite3` and `duckdb` do).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from stripe_dbapi.exceptions import Error
from stripe_dbapi.redact import Redactor

EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130


def build_parser() -> argparse.ArgumentParser:
    from stripe_dbapi import __version__
    from stripe_dbapi.cli import connections, oauth, query, sandbox, shell

    parser = argparse.ArgumentParser(
        prog="stripe-dbapi",
        description="Query Stripe with SQL (stripe_dbapi). With no command: the interactive "
        "shell at a terminal, else the statements on standard input.",
    )
    parser.add_argument("--version", action="version", version=f"stripe-dbapi {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    query.register(commands)
    shell.register(commands)
    connections.register(commands)
    oauth.register(commands)
    sandbox_group = commands.add_parser("sandbox", help="run the built-in local Stripe sandbox")
    sandbox.register(sandbox_group.add_subparsers(dest="sandbox_command", required=True))
    return parser


def _with_command(argv: Sequence[str]) -> list[str]:
    """`argv` with its command; `stripe-dbapi [--sandbox | --dsn … | --connection NAME]`
    alone means `shell` at a terminal and `query` over standard input otherwise."""
    given = list(argv)
    if given and (not given[0].startswith("-") or given[0] in ("-h", "--help", "--version")):
        return given
    interactive = sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
    return ["shell" if interactive else "query", *given]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status is 0, 1 or 130 (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(_with_command(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse has printed the usage error (or the help)
        return EXIT_OK if exc.code in (0, None) else EXIT_ERROR
    try:
        result = args.func(args)
    except Error as exc:
        print(f"error: {Redactor().redact(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK
    return int(result or 0)


def _quiet_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the interpreter's last flush
    at exit does not fail again with an `Exception ignored` message."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
