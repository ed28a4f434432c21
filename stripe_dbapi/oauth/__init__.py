"""OAuth2 (Stripe Connect) authentication: refresh tokens in, Bearer access tokens out.

`OAuth2Credentials` (credentials.py) is what `AuthScheme=OAuth2` connects with;
`TokenEndpoint` (endpoint.py) speaks to Stripe's token endpoint through authlib;
`RedirectReceiver` (redirect.py) catches the browser's redirect for `oauth authorize`.
See docs/authentication.md.
"""

from __future__ import annotations

from stripe_dbapi.oauth.credentials import OAuth2Credentials
from stripe_dbapi.oauth.endpoint import (
    DEFAULT_AUTHORIZE_URL,
    TokenEndpoint,
    TokenEndpointError,
    TokenGrant,
    authorize_url,
)

__all__ = [
    "DEFAULT_AUTHORIZE_URL",
    "OAuth2Credentials",
    "TokenEndpoint",
    "TokenEndpointError",
    "TokenGrant",
    "authorize_url",
]
