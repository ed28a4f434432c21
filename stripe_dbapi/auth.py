"""Credentials: what StripeClient puts in the Authorization header, and how it renews it.

An API key never changes. OAuth2 credentials (Stripe Connect refresh tokens) live in
`oauth/` (credentials, the token endpoint, the loopback redirect); both satisfy the `Credentials` protocol so that StripeClient has one code path.
"""

from __future__ import annotations

from typing import Protocol

from stripe_dbapi.stripe_api import is_live_key


class Credentials(Protocol):
    """The Authorization header for each request, and a way to renew it after a 401."""

    def authorization(self) -> str:
        """The value of the Authorization header."""
        ...

    def renew(self, rejected: str) -> bool:
        """Renew after `rejected` (a header value) drew a 401; False if it cannot."""
        ...

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret these credentials hold or obtained, for redaction."""
        ...

    @property
    def account_id(self) -> str | None:
        """The account the credentials act for when they say so (an OAuth2 token); else None."""
        ...

    @property
    def livemode(self) -> bool | None:
        """Whether the credentials are live-mode ones, when they tell; else None."""
        ...


class ApiKeyCredentials:
    """A secret or restricted key sent as a Bearer token; a 401 is final."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def authorization(self) -> str:
        return f"Bearer {self._api_key}"

    def renew(self, rejected: str) -> bool:
        return False

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._api_key,)

    @property
    def account_id(self) -> str | None:
        return None  # a key acts for its own account, which only Stripe can name

    @property
    def livemode(self) -> bool:
        return is_live_key(self._api_key)

    def __repr__(self) -> str:
        return "ApiKeyCredentials(****)"
