"""Connection string and keyword arguments → a validated, frozen ConnectionConfig. No I/O.

The grammar is the ODBC-like one BI tools use: `Key=Value;Key=Value`, keys
case-insensitive, a value may be quoted as `"…"` (a doubled `""` is a quote) or `{…}`
(a doubled `}}` is a brace) to hold `;` or `=`. Every key is checked against the one
definition in `properties.py`; errors name the property and never its value when it is a
secret.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlparse

from stripe_dbapi.exceptions import InterfaceError, did_you_mean
from stripe_dbapi.properties import BY_ATTR, BY_KEY, PROPERTIES, Property, lookup
from stripe_dbapi.stripe_api import SECRET_KEY_PREFIXES, is_account_id

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class ConnectionConfig:
    """Everything a connection needs to know, validated; secrets masked in `repr`."""

    auth_scheme: str = BY_ATTR["auth_scheme"].default
    api_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    refresh_token: str | None = None
    account_id: str | None = None
    connection_name: str | None = None
    api_base: str = BY_ATTR["api_base"].default
    oauth_token_url: str = BY_ATTR["oauth_token_url"].default
    timeout: float = BY_ATTR["timeout"].default
    query_timeout: float | None = BY_ATTR["query_timeout"].default
    max_retries: int = BY_ATTR["max_retries"].default
    max_rows: int | None = BY_ATTR["max_rows"].default
    max_concurrency: int = BY_ATTR["max_concurrency"].default
    concurrency: str = BY_ATTR["concurrency"].default
    rate_limit: float | None = BY_ATTR["rate_limit"].default
    use_search: bool = BY_ATTR["use_search"].default
    pushdown: bool = BY_ATTR["pushdown"].default
    sandbox: bool = BY_ATTR["sandbox"].default
    sandbox_scale: float = BY_ATTR["sandbox_scale"].default
    sandbox_seed: int = BY_ATTR["sandbox_seed"].default

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            shown = mask_secret(value) if BY_ATTR[f.name].secret else repr(value)
            parts.append(f"{f.name}={shown}")
        return f"ConnectionConfig({', '.join(parts)})"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secret values this config holds, for redaction of anything shown."""
        return tuple(
            v for p in PROPERTIES if p.secret and isinstance(v := getattr(self, p.attr), str) and v
        )

    def to_properties(self, *, include_defaults: bool = False) -> dict[str, str]:
        """The config as `{PropertyName: text}`, the inverse of parsing."""
        out: dict[str, str] = {}
        for p in PROPERTIES:
            value = getattr(self, p.attr)
            if value is None or (not include_defaults and value == p.default):
                continue
            out[p.name] = format_value(p, value)
        return out

    def with_updates(self, **changes: Any) -> ConnectionConfig:
        return replace(self, **changes)


def mask_secret(value: str) -> str:
    """A secret as Stripe shows it: the prefix, stars, the last four characters."""
    if len(value) <= 12:
        return "'****'"
    prefix = value[: value.find("_", 3) + 1] if value.startswith(("sk_", "rk_")) else ""
    return f"'{prefix}****{value[-4:]}'"


def format_value(prop: Property, value: Any) -> str:
    if prop.kind == "bool":
        return "true" if value else "false"
    return str(value)


def split_connection_string(text: str) -> list[tuple[str, str]]:
    """`Key=Value;…` → [(key, value)], honouring `"…"` and `{…}` quoting."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n;":
            i += 1
        if i >= n:
            break
        eq = text.find("=", i)
        semi = text.find(";", i)
        if eq < 0 or (0 <= semi < eq):
            # The part is named by its position only: it may be a secret pasted whole.
            raise InterfaceError(
                f"Connection string part {len(pairs) + 1} is not of the form Key=Value "
                "(it has no `=`)."
            )
        key = text[i:eq].strip()
        if not key:
            raise InterfaceError("Connection string has a value with no property name before `=`.")
        i = eq + 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] in '"{':
            value, i = _quoted(text, i, key)
            while i < n and text[i] in " \t":
                i += 1
            if i < n and text[i] != ";":
                raise InterfaceError(f"Unexpected text after the quoted value of `{key}`.")
        else:
            end = text.find(";", i)
            end = n if end < 0 else end
            value, i = text[i:end].strip(), end
        pairs.append((key, value))
    return pairs


def _quoted(text: str, i: int, key: str) -> tuple[str, int]:
    close = '"' if text[i] == '"' else "}"
    out: list[str] = []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == close:
            if i + 1 < len(text) and text[i + 1] == close:
                out.append(close)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise InterfaceError(f"The quoted value of `{key}` is not closed with `{close}`.")


def raw_properties(dsn: str | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Merge the connection string and keyword arguments into `{attr: value}`.

    Keyword arguments win over the string. Keys are resolved through aliases; an unknown
    key is an InterfaceError that suggests the nearest property.
    """
    if dsn is not None and not isinstance(dsn, str):
        raise InterfaceError(
            f"The connection string must be text (Key=Value;…), not {type(dsn).__name__}."
        )
    merged: dict[str, Any] = {}
    for source in (split_connection_string(dsn) if dsn else [], list(kwargs.items())):
        given: dict[str, str] = {}
        for key, value in source:
            prop = lookup(key)
            if prop is None:
                raise InterfaceError(f"Unknown connection property `{key}`{property_hint(key)}")
            if prop.attr in given:
                raise InterfaceError(
                    f"Connection property `{prop.name}` is given twice "
                    f"(as `{given[prop.attr]}` and `{key}`)."
                )
            given[prop.attr] = key
            merged[prop.attr] = value
    return merged


def property_hint(key: str) -> str:
    """`; did you mean `X`?` for a mistyped property key, else `.`."""
    return did_you_mean(key, {k: p.name for k, p in BY_KEY.items()})


def convert(prop: Property, value: Any) -> Any:
    """A property's text (or Python value) → its typed value, or InterfaceError."""
    if value is None:
        return None
    shown = "the given value" if prop.secret else f"`{value}`"
    try:
        if prop.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError
        if prop.kind == "int":
            if isinstance(value, bool):
                raise ValueError
            result: Any = int(str(value).strip())
        elif prop.kind == "float":
            if isinstance(value, bool):
                raise ValueError
            result = float(str(value).strip())
            if result != result or result in (float("inf"), float("-inf")):
                raise ValueError
        elif prop.kind == "choice":
            text = str(value).strip()
            match = [c for c in prop.choices if c.lower() == text.lower()]
            if not match:
                options = ", ".join(prop.choices)
                raise InterfaceError(f"{prop.name} must be one of {options}, not {shown}.")
            return match[0]
        else:
            return str(value)
    except ValueError:
        expected = {"bool": "true or false", "int": "a whole number", "float": "a number"}
        raise InterfaceError(f"{prop.name} must be {expected[prop.kind]}, not {shown}.") from None
    if prop.minimum is not None and result < prop.minimum:
        raise InterfaceError(f"{prop.name} must be at least {prop.minimum:g}, not {shown}.")
    return result


def build_config(merged: Mapping[str, Any]) -> ConnectionConfig:
    """Typed, validated config from `{attr: value}`; checks each scheme's required keys."""
    values = {attr: convert(BY_ATTR[attr], v) for attr, v in merged.items()}
    values = {k: v for k, v in values.items() if v not in (None, "")}
    config = ConnectionConfig(**values)
    _validate(config)
    return config


def _is_http_url(text: str) -> bool:
    try:
        parsed = urlparse(text)
        parsed.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:  # for example an unclosed `[` of an IPv6 address
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def is_loopback(host: str | None) -> bool:
    """Whether `host` (a URL's hostname) is this machine: 127.0.0.0/8, ::1 or localhost."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(name: str, url: str) -> None:
    """InterfaceError unless `url` is https://, or http:// to a loopback host.

    Plain http would send the key (or the client secret) readable by anyone on the way;
    only a server on this machine, such as the sandbox, may be spoken to that way.
    """
    if not _is_http_url(url):
        raise InterfaceError(f"{name} must be an http(s) URL, not `{url}`.")
    parsed = urlparse(url)
    if parsed.scheme == "http" and not is_loopback(parsed.hostname):
        raise InterfaceError(
            f"{name} may use http:// only for a loopback host (127.0.0.0/8, ::1, "
            "localhost); use https://."
        )


def _validate(config: ConnectionConfig) -> None:
    check_url("ApiBase", config.api_base)
    check_url("OAuthTokenUrl", config.oauth_token_url)
    if config.account_id is not None and not is_account_id(config.account_id):
        raise InterfaceError(f"AccountId must look like `acct_…`, not `{config.account_id}`.")
    if config.sandbox:
        if config.auth_scheme != "APIKey":
            raise InterfaceError(
                "Sandbox=true connects with the sandbox's own test key; leave AuthScheme "
                "out (or APIKey)."
            )
        return  # the sandbox supplies its own key
    if config.auth_scheme == "APIKey":
        if not config.api_key:
            raise InterfaceError(
                "AuthScheme=APIKey needs LiveAPIKey (a `sk_…` or `rk_…` key), "
                "or Sandbox=true to use the built-in sandbox."
            )
        if not config.api_key.startswith(SECRET_KEY_PREFIXES) or any(c.isspace() for c in config.api_key):
            raise InterfaceError(
                "LiveAPIKey does not look like a Stripe API key (expected `sk_…` or `rk_…`)."
            )
    else:
        missing = [
            name
            for name, value in (
                ("ClientSecret", config.client_secret),
                ("RefreshToken", config.refresh_token),
            )
            if not value
        ]
        if missing:
            raise InterfaceError(f"AuthScheme=OAuth2 needs {' and '.join(missing)}.")


def parse(dsn: str | None = None, **kwargs: Any) -> ConnectionConfig:
    """Parse a connection string and keyword arguments (no saved connection lookup)."""
    return build_config(raw_properties(dsn, kwargs))
