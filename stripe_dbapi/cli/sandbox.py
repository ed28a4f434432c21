"""`sandbox serve`: run the sandbox from a terminal until Ctrl-C.

The main CLI mounts it as `stripe-dbapi sandbox serve` through `register(subparsers)`;
`python -m stripe_dbapi.sandbox serve` runs the same command (`sandbox/__main__.py`). It
lives with the other commands, not in `sandbox/`, so that the sandbox package stays a
library that knows nothing of the command line.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any, TextIO

from stripe_dbapi.exceptions import InterfaceError, OperationalError
from stripe_dbapi.sandbox.chaos import parse_latency, parse_percent, parse_rate_limit


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `serve` subcommand to an argparse subparsers object; returns its parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run a local Stripe-compatible server over generated data",
        description="Serve Stripe's list, retrieve and search endpoints for every catalog table on 127.0.0.1, over a deterministic data set, until Ctrl-C.",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to bind on 127.0.0.1 (default: a free port)"
    )
    parser.add_argument("--seed", type=int, default=0, help="data and fault seed (default: 0)")
    parser.add_argument(
        "--scale",
        type=_positive,
        default=1.0,
        help="data set size; 1 is about 1,000 customers and 5,000 charges",
    )
    parser.add_argument(
        "--latency-ms",
        type=_checked(parse_latency),
        metavar="LO:HI",
        help="sleep a seeded LO..HI milliseconds per request",
    )
    parser.add_argument(
        "--rate-limit",
        type=_checked(parse_rate_limit),
        metavar="RPS|N%",
        help="answer 429 beyond RPS requests per second, or for N%% of requests",
    )
    parser.add_argument(
        "--faults",
        type=_checked(lambda v: parse_percent(v, "Faults")),
        metavar="N%",
        help="fail N%% of requests: 500, 503 or a dropped connection",
    )
    parser.add_argument(
        "--api-key", metavar="KEY", help="accept only this key (default: any sk_test_/rk_test_ key)"
    )
    parser.set_defaults(func=serve)
    return parser


def serve(
    args: argparse.Namespace, out: TextIO | None = None, stop: threading.Event | None = None
) -> int:
    """Run the server described by `args` until Ctrl-C (or `stop` is set)."""
    from stripe_dbapi.sandbox.server import SandboxServer

    out = out or sys.stdout
    if not 0 <= args.port <= 65535:
        raise InterfaceError(f"--port must be between 0 and 65535, not {args.port}.")
    try:
        srv = SandboxServer(
            seed=args.seed,
            scale=args.scale,
            port=args.port,
            latency_ms=args.latency_ms,
            rate_limit=args.rate_limit,
            faults=args.faults,
            api_key=args.api_key,
        )
    except OSError as exc:
        raise OperationalError(
            f"The sandbox cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}."
        ) from None
    srv.start()
    print(f"Stripe sandbox listening on {srv.url} (seed {args.seed}, scale {args.scale})", file=out)
    print(f"Connection string: {srv.dsn}", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        print("Stopping.", file=out)
    finally:
        srv.stop()
    return 0


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"scale must be positive, not {text}")
    return value


def _checked(parse: Any) -> Any:
    def check(text: str) -> Any:
        try:
            parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc
        return text

    return check
