"""Stripe Connect's OAuth2 token endpoint, spoken through authlib's requests integration.

Stripe's Connect OAuth reference authenticates a token request with the platform's secret
key sent as the `client_secret` form field (no HTTP basic, no `client_id`):

    POST /oauth/token  grant_type=refresh_token&refresh_token=rt_…&client_secret=sk_…
    POST /oauth/token  grant_type=authorization_code&code=ac_…&client_secret=sk_…

authlib has no such method built in, so `_stripe_secret_key` is registered with each
session. The request is sent the way the API client sends its own (`stripe_dbapi.bounded`):
its whole answer within `timeout`, at most `MAX_ANSWER_BYTES` decoded, and a redirect is
never followed (it would re-send the client secret elsewhere). Every failure — an OAuth
error (`invalid_grant`, `invalid_client` …), an unreachable or silent endpoint, an answer
that is not a token — leaves as `TokenEndpointError` with a one-sentence reason that holds
no secret; authlib and requests exceptions never escape.
"""

from __future__ import annotations

import logging
import secrets as _secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlparse

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.urls import add_params_to_qs
from authlib.integrations.requests_client import OAuth2Session

from stripe_dbapi import bounded
from stripe_dbapi.connstr import check_url
from stripe_dbapi.redact import Redactor, safe_code

logger = logging.getLogger(__name__)

DEFAULT_AUTHORIZE_URL = "https://connect.stripe.com/oauth/authorize"
AUTH_METHOD = "stripe_secret_key"
SCOPES = ("read_only", "read_write")

# What to do about the OAuth error codes Stripe's token endpoint answers most.
_HINTS = {
    "invalid_grant": {
        "refresh": "Get a new refresh token with `stripe-dbapi oauth authorize`.",
        "code": "The authorization code is unknown, expired or used; authorize again.",
    },
    "invalid_client": {
        "refresh": "Check ClientSecret: it must be the platform's secret key (`sk_…`).",
        "code": "Check --client-secret: it must be the platform's secret key (`sk_…`).",
    },
}


@dataclass(frozen=True)
class TokenGrant:
    """What Stripe's token endpoint answered: an access token for one connected account."""

    access_token: str
    refresh_token: str | None
    stripe_user_id: str | None
    livemode: bool | None
    scope: str | None
    token_type: str = "bearer"

    def __repr__(self) -> str:
        return (
            f"TokenGrant(access_token='****', refresh_token={'****' if self.refresh_token else None}, "
            f"stripe_user_id={self.stripe_user_id!r}, livemode={self.livemode!r}, "
            f"scope={self.scope!r})"
        )


class TokenEndpointError(Exception):
    """A token request failed; `reason` is one redacted sentence without a prefix."""

    def __init__(
        self, reason: str, *, code: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.http_status = http_status


class _Session(OAuth2Session):  # type: ignore[misc]
    """authlib's session, each request sent and read through `bounded.fetch`."""

    def __init__(self, *, answer_timeout: float, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answer_timeout = answer_timeout
        self.max_bytes = max_bytes
        bounded.mount(self)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.pop("timeout", None)
        return bounded.fetch(
            super().request,
            method,
            url,
            *args,
            timeout=self.answer_timeout,
            max_bytes=self.max_bytes,
            **kwargs,
        )


class TokenEndpoint:
    """One Connect platform's token endpoint: refresh grants and code exchanges.

    `name` is what the URL was given as, for the InterfaceError when it is plain http to
    a host that is not loopback (the client secret would cross the network readable).
    """

    MAX_ANSWER_BYTES = 1024 * 1024  # a token answer is under a kilobyte

    def __init__(
        self,
        url: str,
        client_secret: str,
        *,
        timeout: float = 60.0,
        known_secrets: Iterable[str] = (),
        name: str = "OAuthTokenUrl",
    ) -> None:
        check_url(name, url)
        self.url = url
        self.timeout = timeout
        self._client_secret = client_secret
        self._known_secrets = tuple(known_secrets)

    @property
    def host(self) -> str:
        return urlparse(self.url).netloc

    def refresh(self, refresh_token: str) -> TokenGrant:
        """A `refresh_token` grant: a fresh access token (and maybe a rotated refresh token)."""
        return self._request(
            "refresh",
            (refresh_token,),
            lambda s: s.refresh_token(self.url, refresh_token=refresh_token),
        )

    def exchange_code(self, code: str) -> TokenGrant:
        """An `authorization_code` grant: the tokens for the account that just authorized."""
        return self._request(
            "code",
            (code,),
            lambda s: s.fetch_token(self.url, grant_type="authorization_code", code=code),
        )

    # -- internals ---------------------------------------------------------------------

    def _request(
        self, what: str, extra_secrets: tuple[str, ...], call: Callable[[OAuth2Session], Any]
    ) -> TokenGrant:
        seen: list[requests.Response] = []

        def keep(resp: requests.Response) -> requests.Response:
            seen.append(resp)
            return resp

        session = _Session(
            answer_timeout=self.timeout,
            max_bytes=self.MAX_ANSWER_BYTES,
            client_secret=self._client_secret,
            token_endpoint_auth_method=AUTH_METHOD,
        )
        session.register_client_auth_method((AUTH_METHOD, _stripe_secret_key))
        session.register_compliance_hook("access_token_response", keep)
        session.register_compliance_hook("refresh_token_response", keep)
        redactor = Redactor((self._client_secret, *self._known_secrets, *extra_secrets))
        try:
            with session:
                token = call(session)
        except Exception as exc:
            # authlib and requests raise many types; each becomes one redacted sentence.
            response = seen[-1] if seen else None
            raise self._error(what, exc, response, redactor) from None
        response = seen[-1] if seen else None
        grant = _grant(token)
        if grant is None:
            status = response.status_code if response is not None else None
            raise TokenEndpointError(
                f"the OAuth2 token endpoint at {self.host} answered without an access_token.",
                http_status=status,
            )
        logger.debug(
            "OAuth2 %s grant at %s -> account %s, livemode %s, scope %s, refresh token %s",
            "refresh_token" if what == "refresh" else "authorization_code",
            self.host,
            grant.stripe_user_id,
            grant.livemode,
            grant.scope,
            "rotated"
            if grant.refresh_token and grant.refresh_token not in extra_secrets
            else "kept",
        )
        return grant

    def _error(
        self,
        what: str,
        exc: Exception,
        response: requests.Response | None,
        redactor: Redactor,
    ) -> TokenEndpointError:
        where = f"the OAuth2 token endpoint at {self.host}"
        status = response.status_code if response is not None else None
        code: str | None = None
        if isinstance(exc, AuthlibBaseError) and exc.error not in (None, "oauth_error"):
            code = safe_code(exc.error) or "an unrecognised OAuth2 error"
            description = str(exc.description or "").strip().rstrip(".")
            text = f"{where} answered {code}" + (f": {description}." if description else ".")
            hint = _HINTS.get(code, {}).get(what)
            if hint:
                text += f" {hint}"
        elif isinstance(exc, requests.Timeout):
            text = f"{where} did not answer within {self.timeout:g} s."
        elif isinstance(exc, bounded.Redirected):
            text = f"{where} answered with a redirect ({exc.reason}), which is never followed."
        elif isinstance(exc, bounded.AnswerTooLarge):
            text = f"{where} answered with a body {exc.reason}; it is not a token answer."
        elif isinstance(exc, requests.ConnectionError):
            text = f"could not reach {where} ({_reason(exc)})."
        elif response is not None:
            code, detail = _json_error(response)
            kind = response.headers.get("Content-Type") or "no content type"
            if code:
                text = f"{where} answered HTTP {status} {code}" + (
                    f": {detail}." if detail else "."
                )
            else:
                text = f"{where} answered HTTP {status} without an OAuth2 token ({kind})."
        else:
            text = f"the OAuth2 token request to {self.host} failed ({type(exc).__name__})."
        return TokenEndpointError(redactor.redact(text), code=safe_code(code), http_status=status)


def authorize_url(
    client_id: str,
    *,
    redirect_uri: str,
    scope: str = "read_only",
    state: str | None = None,
    base_url: str = DEFAULT_AUTHORIZE_URL,
) -> tuple[str, str]:
    """Stripe Connect's authorize URL for `client_id`, and the random `state` it carries."""
    chosen = state or _secrets.token_urlsafe(24)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "scope": scope,
            "state": chosen,
            "redirect_uri": redirect_uri,
        }
    )
    return f"{base_url}?{query}", chosen


def _stripe_secret_key(
    client: Any, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """authlib client auth as Stripe documents it: the secret key as `client_secret`."""
    body = add_params_to_qs(body or "", [("client_secret", client.client_secret or "")])
    if "Content-Length" in headers:
        headers["Content-Length"] = str(len(body))
    return uri, headers, body


def _grant(token: Any) -> TokenGrant | None:
    access = token.get("access_token") if isinstance(token, dict) else None
    if not isinstance(access, str) or not access:
        return None

    def text(key: str) -> str | None:
        value = token.get(key)
        return value if isinstance(value, str) and value else None

    livemode = token.get("livemode")
    return TokenGrant(
        access_token=access,
        refresh_token=text("refresh_token"),
        stripe_user_id=text("stripe_user_id"),
        livemode=livemode if isinstance(livemode, bool) else None,
        scope=text("scope"),
        token_type=text("token_type") or "bearer",
    )


def _json_error(response: requests.Response) -> tuple[str | None, str | None]:
    """An OAuth error code and description from a body authlib would not parse (5xx)."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict) or not safe_code(body.get("error")):
        return None, None
    description = body.get("error_description")
    return body["error"], str(description).strip().rstrip(".") if description else None


def _reason(exc: Exception) -> str:
    lowered = str(exc).lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "host name not found"
    if "reset" in lowered or "aborted" in lowered or "remotedisconnected" in lowered:
        return "connection closed by the server"
    return type(exc).__name__
