"""Run localstripe's aiohttp app on 127.0.0.1, on a free port, with its pickle store off.

    python launcher.py [--account-shim]

localstripe's own CLI binds every interface (`::`) and its `Store` rewrites
/tmp/localstripe.pickle on every write; neither is acceptable in a test run. This script
turns the store's disk methods into no-ops before the app sees a request, binds
127.0.0.1:0 itself, prints `PORT <n>` on stdout and serves until it is terminated.

localstripe has no `GET /v1/account` (it answers aiohttp's plain-text `404: Not Found`),
and `stripe_dbapi.connect()` checks the key with exactly that request. `--account-shim`
adds that one route, answering a minimal test-mode account; nothing else is changed.
"""

from __future__ import annotations

import argparse
import socket

from aiohttp import web
from localstripe import resources
from localstripe.server import app, json_response

SHIM_ACCOUNT = {"id": "acct_localstripe", "object": "account", "livemode": False}


def _no_disk(self: object) -> None:
    """The store lives in memory only: nothing is read from or written to /tmp."""


async def _account(request: web.Request) -> web.Response:
    return json_response(SHIM_ACCOUNT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--account-shim", action="store_true")
    args = parser.parse_args()
    resources.Store.dump_to_disk = _no_disk  # type: ignore[method-assign]
    resources.Store.try_load_from_disk = _no_disk  # type: ignore[method-assign]
    if args.account_shim:
        # localstripe's auth middleware still applies: an unauthenticated call gets 401.
        app.router.add_get("/v1/account", _account)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
