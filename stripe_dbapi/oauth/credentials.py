"""OAuth2Credentials: a Stripe Connect refresh token turned into Bearer access tokens.

Construction (at connect) runs one `refresh_token` grant. StripeClient asks for the
Authorization header on every request and calls `renew` once after a 401; `renew`
refreshes at most once per rejected token however many threads were rejected at the same
moment. A rotated refresh token replaces the old one at once and is handed to `on_rotate`
(for a saved connection, `connect()` passes one that writes it back to the saved
connection: the credentials know nothing of where a token is stored).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from stripe_dbapi.exceptions import UNAVAILABLE, OperationalError
from stripe_dbapi.oauth.endpoint import TokenEndpoint, TokenEndpointError, TokenGrant

if TYPE_CHECKING:
    from stripe_dbapi.connstr import ConnectionConfig

logger = logging.getLogger(__name__)

RENEW_FAILED = "Stripe rejected the OAuth2 access token and renewing it failed"


class OAuth2Credentials:
    """Access tokens from a Connect refresh token; satisfies `auth.Credentials`."""

    def __init__(
        self,
        endpoint: TokenEndpoint,
        refresh_token: str,
        *,
        client_secret: str,
        on_rotate: Callable[[str], None] | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._refresh_token = refresh_token
        self._client_secret = client_secret
        self._on_rotate = on_rotate
        self._lock = threading.Lock()
        self._grant: TokenGrant | None = None
        # Every token ever held stays redacted: an old one may still sit in a log line.
        self._seen: list[str] = [client_secret, refresh_token]
        # The failure of the last renewal, kept for the threads rejected with the same token.
        self._failed: tuple[str, OperationalError] | None = None

    @classmethod
    def from_config(
        cls, config: ConnectionConfig, *, on_rotate: Callable[[str], None] | None = None
    ) -> OAuth2Credentials:
        """Credentials for an AuthScheme=OAuth2 config, with a first access token already.

        `on_rotate` is called with each new refresh token Stripe rotates in (the first
        grant included), under the credentials' lock; it should not raise.

        Raises OperationalError "Connection unavailable: …" when the token endpoint refuses
        the refresh token or client secret, cannot be reached, or answers no token.
        """
        assert config.client_secret and config.refresh_token  # connstr validates OAuth2
        endpoint = TokenEndpoint(
            config.oauth_token_url,
            config.client_secret,
            timeout=config.timeout,
            known_secrets=config.secrets,
        )
        credentials = cls(
            endpoint,
            config.refresh_token,
            client_secret=config.client_secret,
            on_rotate=on_rotate,
        )
        try:
            credentials._refresh()
        except TokenEndpointError as exc:
            raise _operational(f"{UNAVAILABLE}: {exc.reason}", exc) from None
        return credentials

    # -- the Credentials protocol ------------------------------------------------------

    def authorization(self) -> str:
        """`Bearer <access token>`, the token of the latest grant."""
        grant = self._grant
        if grant is None:
            raise OperationalError("The OAuth2 credentials hold no access token yet.")
        return f"Bearer {grant.access_token}"

    def renew(self, rejected: str) -> bool:
        """Refresh after `rejected` drew a 401, unless another thread already has.

        Raises OperationalError (reason from the token endpoint) when the refresh fails;
        the threads rejected with the same token get the same error without asking again.
        """
        with self._lock:
            if rejected != self.authorization():
                return True  # another thread renewed while this one waited
            if self._failed is not None and self._failed[0] == rejected:
                first = self._failed[1]
                raise OperationalError(
                    first.message, http_status=first.http_status, code=first.code
                )
            try:
                self._refresh()
            except TokenEndpointError as exc:
                error = _operational(f"{RENEW_FAILED}: {exc.reason}", exc)
                self._failed = (rejected, error)
                raise error from None
            return True

    @property
    def secrets(self) -> tuple[str, ...]:
        """The client secret and every refresh and access token these credentials held."""
        return tuple(self._seen)

    # -- what the token says -----------------------------------------------------------

    @property
    def account_id(self) -> str | None:
        """The connected account the token acts for (`stripe_user_id`)."""
        return self._grant.stripe_user_id if self._grant else None

    @property
    def livemode(self) -> bool | None:
        """Whether the access token is a live-mode key, as the token endpoint said."""
        return self._grant.livemode if self._grant else None

    @property
    def scope(self) -> str | None:
        return self._grant.scope if self._grant else None

    @property
    def refresh_token(self) -> str:
        """The refresh token the next renewal will use (the newest one Stripe issued)."""
        return self._refresh_token

    def __repr__(self) -> str:
        return f"OAuth2Credentials(account={self.account_id!r}, livemode={self.livemode!r}, ****)"

    # -- internals ---------------------------------------------------------------------

    def _refresh(self) -> None:
        """One refresh grant; adopts (and hands on) a rotated refresh token. Caller locks."""
        grant = self._endpoint.refresh(self._refresh_token)
        self._remember(grant.access_token)
        rotated = grant.refresh_token and grant.refresh_token != self._refresh_token
        self._grant = grant
        if rotated:
            assert grant.refresh_token is not None
            self._remember(grant.refresh_token)
            self._refresh_token = grant.refresh_token
            logger.info("Stripe rotated the OAuth2 refresh token; using the new one from now on")
            self._announce(grant.refresh_token)

    def _remember(self, secret: str) -> None:
        if secret not in self._seen:
            self._seen.append(secret)

    def _announce(self, refresh_token: str) -> None:
        """Hand a rotated refresh token to `on_rotate`; its failure never fails the query."""
        if self._on_rotate is None:
            return
        try:
            self._on_rotate(refresh_token)
        except Exception as exc:
            # The connection works with the new token in memory: say (without the token)
            # that it was not kept, and carry on.
            logger.warning(
                "Stripe rotated the OAuth2 refresh token but keeping the new one failed (%s); "
                "read it from Connection.client.credentials.refresh_token before this "
                "session ends",
                type(exc).__name__,
            )


def _operational(message: str, exc: TokenEndpointError) -> OperationalError:
    return OperationalError(message, http_status=exc.http_status, code=exc.code)
