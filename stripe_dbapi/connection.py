"""`connect()` and the PEP 249 Connection.

connect() resolves the properties (saved connection, string, keywords), builds the
credentials and the one StripeClient, and proves the connection works with a single
request before returning: a Connection object always stands for an account that answered.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from stripe_dbapi.auth import ApiKeyCredentials, Credentials
from stripe_dbapi.catalog import Catalog, load_catalog
from stripe_dbapi.client import StripeClient
from stripe_dbapi.connstr import ConnectionConfig, build_config, raw_properties
from stripe_dbapi.engine import Engine
from stripe_dbapi.exceptions import UNAVAILABLE, Error, InterfaceError, OperationalError
from stripe_dbapi.scan import arrow
from stripe_dbapi.stripe_api import is_live_key, rate_budget

if TYPE_CHECKING:
    from stripe_dbapi.cursor import Cursor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthInfo:
    """Which account a connection acts as, without secrets."""

    scheme: str
    account_id: str | None
    livemode: bool | None
    connected_account: bool


def resolve_config(dsn: str | None = None, **kwargs: Any) -> ConnectionConfig:
    """The validated config for a connection string and keywords, saved connection applied."""
    merged = raw_properties(dsn, kwargs)
    name = merged.get("connection_name")
    if name:
        # saved connections are optional machinery, loaded when named; `profiles.saved` is
        # the part below this module (the part above it, `profiles`, tests connections)
        from stripe_dbapi.profiles.saved import saved_properties

        saved = raw_properties(None, saved_properties(str(name)))
        merged = {**saved, **merged}
    return build_config(merged)


def connect(dsn: str | None = None, **kwargs: Any) -> Connection:
    """Open a connection to Stripe (or to the built-in sandbox) and check it answers.

    Raises InterfaceError for a bad connection string and OperationalError starting with
    "Connection unavailable:" when Stripe cannot be reached or rejects the credentials.
    """
    config = resolve_config(dsn, **kwargs)
    return Connection.open(config)


class Connection:
    """A read-only connection: commit and rollback do nothing, cursors run queries."""

    def __init__(
        self,
        config: ConnectionConfig,
        client: StripeClient,
        *,
        catalog: Catalog,
        auth_info: AuthInfo,
        sandbox: Any = None,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.auth_info = auth_info
        self._client = client
        self._sandbox = sandbox
        self._engine = Engine(catalog)
        self._closed = False
        self._cursors: weakref.WeakSet[Cursor] = weakref.WeakSet()
        self._close_lock = threading.Lock()

    @classmethod
    def open(cls, config: ConnectionConfig) -> Connection:
        """Build the client for `config`, check it, and return the open connection."""
        catalog = load_catalog()
        arrow.warm_up()
        sandbox = None
        if config.sandbox:
            from stripe_dbapi.sandbox import start_sandbox

            sandbox = start_sandbox(seed=config.sandbox_seed, scale=config.sandbox_scale)
            config = config.with_updates(
                api_base=sandbox.url,
                api_key=config.api_key or sandbox.api_key,
                auth_scheme="APIKey",
            )
        try:
            credentials = make_credentials(config)
            client = StripeClient(
                config.api_base,
                credentials,
                api_version=catalog.api_version,
                account_id=config.account_id,
                timeout=config.timeout,
                max_retries=config.max_retries,
                max_rows=config.max_rows,
                max_concurrency=config.max_concurrency,
                rate_limit=_default_rate(config),
                extra_secrets=config.secrets,
            )
            info = check(client, config)
        except BaseException:
            if sandbox is not None:
                sandbox.stop()
            raise
        return cls(config, client, catalog=catalog, auth_info=info, sandbox=sandbox)

    # -- PEP 249 ------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def cursor(self) -> Cursor:
        from stripe_dbapi.cursor import Cursor

        self._check_open()
        cursor = Cursor(self)
        self._cursors.add(cursor)
        return cursor

    def commit(self) -> None:
        """Nothing to commit: stripe_dbapi is read-only."""
        self._check_open()

    def rollback(self) -> None:
        """Nothing to roll back: stripe_dbapi is read-only."""
        self._check_open()

    def close(self) -> None:
        """Stop every cursor's query (from any thread) and release the client, the engine
        and an in-process sandbox; each step runs even if one before it fails, and a
        second close does nothing."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        for cursor in list(self._cursors):
            with contextlib.suppress(Exception):
                cursor.close()
        try:
            with contextlib.suppress(Exception):
                self._client.close()
        finally:
            try:
                self._engine.close()
            finally:
                if self._sandbox is not None:
                    with contextlib.suppress(Exception):
                        self._sandbox.stop()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        account = self.auth_info.account_id or "the key's account"
        return f"<stripe_dbapi.Connection {state} to {account} at {self._client.host}>"

    # -- extras -------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """Requests this connection has sent to Stripe, retries included."""
        return self._client.request_count

    @property
    def client(self) -> StripeClient:
        """The one StripeClient of this connection (its cursors' scans go through it)."""
        return self._client

    @property
    def engine(self) -> Engine:
        """The DuckDB engine of this connection (each cursor runs on a cursor of it)."""
        return self._engine

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("The connection is closed.")


def make_credentials(config: ConnectionConfig) -> Credentials:
    """The credentials for the configured AuthScheme.

    OAuth2 credentials read from a saved connection write a rotated refresh token back to
    it, so that the stored token is never one Stripe has retired.
    """
    if config.auth_scheme == "OAuth2":
        from stripe_dbapi.oauth import OAuth2Credentials

        on_rotate = None
        if config.connection_name:
            from stripe_dbapi.profiles.saved import refresh_token_writer

            on_rotate = refresh_token_writer(config.connection_name)
        return OAuth2Credentials.from_config(config, on_rotate=on_rotate)
    assert config.api_key is not None
    return ApiKeyCredentials(config.api_key)


def _default_rate(config: ConnectionConfig) -> float | None:
    """RateLimit when given (0: none); else Stripe's budget at Stripe, none elsewhere."""
    if config.rate_limit is not None:
        return config.rate_limit or None
    if urlparse(config.api_base).netloc != "api.stripe.com":
        return None
    return rate_budget(config.api_key)


def check(client: StripeClient, config: ConnectionConfig) -> AuthInfo:
    """One request that proves the credentials work, as `GET /v1/account`.

    A restricted key may lack the permission to read the account: Stripe answers 403
    then, which still proves the key authenticates, so it counts as available (unless the
    403 is about the `AccountId`, which is a real failure).
    """
    # OAuth2 tokens say which account they act for and in which mode; a key says its mode.
    token_account = client.credentials.account_id
    token_live = client.credentials.livemode
    connected = bool(config.account_id) or config.auth_scheme == "OAuth2"
    try:
        account = _account(client)
    except Error as exc:
        if exc.http_status == 403 and "account" not in (exc.message or "").lower():
            return AuthInfo(
                config.auth_scheme, config.account_id or token_account, token_live, connected
            )
        raise OperationalError(
            f"{UNAVAILABLE}: {_why(exc)}",
            http_status=exc.http_status,
            code=exc.code,
            request_id=exc.request_id,
        ) from None
    livemode = account.get("livemode") if isinstance(account.get("livemode"), bool) else None
    if token_live is not None:
        livemode = token_live
    elif livemode is None and config.api_key:
        livemode = is_live_key(config.api_key)
    account_id = account.get("id") if isinstance(account.get("id"), str) else None
    account_id = config.account_id or token_account or account_id
    return AuthInfo(config.auth_scheme, account_id, livemode, connected)


# Asked when a server has no `GET /v1/account` (Stripe always has it; emulators such as
# localstripe answer 404): a list every account can read proves the key just as well.
FALLBACK_CHECK = ("/v1/customers", (("limit", "1"),))


def _account(client: StripeClient) -> dict[str, Any]:
    """`GET /v1/account`, or {} after the fallback check where the server has no such route."""
    try:
        return client.get("/v1/account")
    except Error as exc:
        if exc.http_status != 404:
            raise
        logger.info("GET /v1/account answered 404; checking with GET %s instead", FALLBACK_CHECK[0])
    client.get(*FALLBACK_CHECK)
    return {}


def _why(exc: Error) -> str:
    """The reason in plain words, with Stripe's message and request id when there is one."""
    if exc.http_status == 401:
        return f"the credentials were rejected by Stripe — {exc.message}"
    if exc.http_status == 403:
        return f"the credentials may not act for this account — {exc.message}"
    return exc.message
