"""`oauth` commands: get a Stripe Connect refresh token for AuthScheme=OAuth2.

`stripe-dbapi oauth authorize` prints Stripe's authorize URL (and opens it unless
`--no-browser`), waits on a loopback server for the redirect, checks `state`, exchanges the
code for tokens, and prints the connection string (refresh token masked unless
`--show-secrets`) or saves it as a named connection. The client secret is never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from stripe_dbapi.exceptions import InterfaceError, OperationalError
from stripe_dbapi.oauth.endpoint import (
    DEFAULT_AUTHORIZE_URL,
    SCOPES,
    TokenEndpoint,
    TokenEndpointError,
    TokenGrant,
    authorize_url,
)
from stripe_dbapi.oauth.redirect import RedirectReceiver
from stripe_dbapi.properties import DEFAULT_OAUTH_TOKEN_URL
from stripe_dbapi.redact import Redactor

DEFAULT_REDIRECT_PORT = 8765
DEFAULT_WAIT = 300.0
SECRET_ENV = "STRIPE_DBAPI_CLIENT_SECRET"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `oauth` command group."""
    group = commands.add_parser("oauth", help="Stripe Connect OAuth2: get a refresh token")
    sub = group.add_subparsers(dest="oauth_command", metavar="COMMAND", required=True)
    auth = sub.add_parser(
        "authorize",
        help="authorize a Stripe account in the browser and print or save the connection",
        description=(
            "Send a Stripe account through Connect's OAuth flow and get the refresh token "
            "that AuthScheme=OAuth2 connects with. The redirect URI "
            "http://127.0.0.1:PORT/callback must be listed in the platform's Connect "
            "OAuth settings."
        ),
    )
    auth.add_argument("--client-id", required=True, help="the platform's client id (`ca_…`)")
    auth.add_argument(
        "--client-secret",
        default=os.environ.get(SECRET_ENV),
        help=f"the platform's secret key (`sk_…`); never shown (default: ${SECRET_ENV})",
    )
    auth.add_argument("--scope", choices=SCOPES, default="read_only", help="default: read_only")
    auth.add_argument(
        "--redirect-port",
        type=int,
        default=DEFAULT_REDIRECT_PORT,
        metavar="P",
        help=f"loopback port for the redirect (default {DEFAULT_REDIRECT_PORT}; 0: any free port)",
    )
    auth.add_argument("--save", metavar="NAME", help="save the result as a named connection")
    auth.add_argument("--authorize-url", default=DEFAULT_AUTHORIZE_URL, help="default: %(default)s")
    auth.add_argument("--token-url", default=DEFAULT_OAUTH_TOKEN_URL, help="default: %(default)s")
    auth.add_argument(
        "--force", action="store_true", help="with --save: replace a saved connection of that name"
    )
    auth.add_argument("--no-browser", action="store_true", help="only print the URL")
    auth.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_WAIT,
        metavar="S",
        help=f"seconds to wait for the redirect (default {DEFAULT_WAIT:g})",
    )
    auth.add_argument(
        "--show-secrets", action="store_true", help="print the refresh token unmasked"
    )
    auth.set_defaults(func=run_authorize)


def run_authorize(args: argparse.Namespace) -> int:
    """The whole authorize flow; raises a PEP 249 Error (exit status 1) when it fails."""
    if not args.client_secret:
        raise InterfaceError(
            f"Give the platform's secret key with --client-secret or the {SECRET_ENV} variable."
        )
    redactor = Redactor((args.client_secret,))
    if args.save:
        _check_can_save(args.save, force=args.force)
    try:
        receiver = RedirectReceiver("", port=args.redirect_port)
    except OSError as exc:
        raise OperationalError(
            f"Cannot listen on 127.0.0.1:{args.redirect_port} for the redirect "
            f"({exc.strerror or type(exc).__name__}); pick another --redirect-port."
        ) from None
    with receiver:
        url, state = authorize_url(
            args.client_id,
            redirect_uri=receiver.redirect_uri,
            scope=args.scope,
            base_url=args.authorize_url,
        )
        receiver.expected_state = state
        print("Open this URL in a browser and authorize the account:", flush=True)
        print(url, flush=True)
        print(f"Waiting for the redirect to {receiver.redirect_uri} …", file=sys.stderr, flush=True)
        if not args.no_browser:
            _open_browser(url)
        redirect = receiver.wait(args.timeout)
    if redirect is None:
        raise OperationalError(
            f"No redirect reached {receiver.redirect_uri} within {args.timeout:g} s; "
            "run the command again (is that URI listed in the Connect settings?)."
        )
    if redirect.state != state:
        raise OperationalError(
            "The redirect's `state` does not match the one sent; nothing was exchanged or "
            "saved (a stale browser tab, or a request that did not come from Stripe)."
        )
    if redirect.error:
        why = f": {redirect.error_description}" if redirect.error_description else ""
        raise OperationalError(redactor.redact(f"Stripe did not authorize: {redirect.error}{why}."))
    if not redirect.code:
        raise OperationalError("The redirect carries no authorization `code`.")
    endpoint = TokenEndpoint(args.token_url, args.client_secret)
    try:
        grant = endpoint.exchange_code(redirect.code)
    except TokenEndpointError as exc:
        raise OperationalError(
            f"Authorization failed: {exc.reason}", http_status=exc.http_status, code=exc.code
        ) from None
    if not grant.refresh_token:
        raise OperationalError(
            "Stripe's token answer has no refresh_token, so AuthScheme=OAuth2 cannot use it."
        )
    properties = _properties(args, grant)
    if args.save:
        _save(args.save, properties, force=args.force)
    _report(args, grant, properties)
    return 0


def _properties(args: argparse.Namespace, grant: TokenGrant) -> dict[str, str]:
    assert grant.refresh_token is not None
    props = {
        "AuthScheme": "OAuth2",
        "ClientId": args.client_id,
        "ClientSecret": args.client_secret,
        "RefreshToken": grant.refresh_token,
    }
    if args.token_url != DEFAULT_OAUTH_TOKEN_URL:
        props["OAuthTokenUrl"] = args.token_url
    return props


def _check_can_save(name: str, *, force: bool) -> None:
    """Refuse before the browser step: a used authorization code cannot be exchanged twice."""
    from stripe_dbapi import profiles

    if not force and profiles.exists(name):
        raise InterfaceError(
            f"A connection named `{name}` is already saved; add --force to replace it."
        )


def _save(name: str, properties: dict[str, str], *, force: bool) -> None:
    from stripe_dbapi import profiles

    # Not tested again: the exchange just proved the tokens, and a test connection would
    # spend a refresh (and maybe rotate the token being saved).
    profiles.save(name, properties, test=False, force=force)


def _report(
    args: argparse.Namespace,
    grant: TokenGrant,
    properties: dict[str, str],
) -> None:
    from stripe_dbapi.connstr import mask_secret

    shown = dict(properties)
    shown["ClientSecret"] = mask_secret(args.client_secret).strip("'")
    if not args.show_secrets:
        shown["RefreshToken"] = mask_secret(properties["RefreshToken"]).strip("'")
    livemode = "unknown" if grant.livemode is None else str(grant.livemode).lower()
    lines = [
        f"stripe_user_id: {grant.stripe_user_id or 'unknown'}",
        f"livemode: {livemode}",
        f"scope: {grant.scope or 'unknown'}",
    ]
    lines.append("connection string: " + ";".join(f"{k}={v}" for k, v in shown.items()))
    if args.save:
        lines.append(f"saved as connection `{args.save}`: connect with ConnectionName={args.save}")
    text = "\n".join(lines)
    # The secret key must never reach the terminal, even inside a value Stripe sent back;
    # not a Redactor pass, which would also mask the refresh token --show-secrets asked for.
    print(text.replace(args.client_secret, "****"))


def _open_browser(url: str) -> None:
    import webbrowser

    # No browser (a server, a container): the URL is printed, which is enough.
    with contextlib.suppress(Exception):
        webbrowser.open(url)
