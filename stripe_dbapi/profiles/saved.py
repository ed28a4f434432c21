"""Saved connections, the part below `connect()`: read, list, write and update them.

`connect("ConnectionName=…")` starts from `saved_properties(name)`; rotated OAuth2 refresh
tokens come back through `update_properties`. Nothing here opens a connection: testing a
connection before saving it (`profiles.save(test=True)`, `profiles.test`) needs the
driver itself and lives one layer up, in `profiles/__init__.py`.

The store is one INI file (see `store.py` for where it lives, why INI, and how writes stay
atomic and safe across processes). Values are kept as written: a `${ENV_VAR}` or
`keyring:` reference is resolved only when connecting (`refs.py`). Nothing here logs
or raises with a secret in it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stripe_dbapi.connstr import (
    ConnectionConfig,
    build_config,
    convert,
    format_value,
    mask_secret,
    property_hint,
    raw_properties,
    split_connection_string,
)
from stripe_dbapi.exceptions import InterfaceError, did_you_mean
from stripe_dbapi.profiles import refs, store
from stripe_dbapi.profiles.store import config_path
from stripe_dbapi.properties import BY_ATTR, Property, lookup

__all__ = [
    "SavedConnection",
    "config_path",
    "delete",
    "exists",
    "list_connections",
    "load",
    "masked_properties",
    "missing_secrets",
    "parse_properties",
    "refresh_token_writer",
    "resolved_config",
    "save",
    "saved_properties",
    "update_properties",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedConnection:
    """What `list_connections()` tells about one saved connection: never a secret."""

    name: str
    auth_scheme: str
    account_id: str | None
    target: str  # "sandbox" or the ApiBase, as written


# -- reading --------------------------------------------------------------------------


def exists(name: str) -> bool:
    """Whether a connection of that name is saved."""
    return name in store.read().sections


def load(name: str) -> dict[str, str]:
    """The saved `{Property: value}` as written in the file: references left unresolved."""
    return dict(_section(store.read(), name).properties)


def saved_properties(name: str) -> dict[str, str]:
    """The saved `{Property: value}` with `${ENV}` and keyring references resolved.

    This is what `connect("ConnectionName=…")` starts from. InterfaceError when the name is
    unknown, the file is damaged (the message names the file and line), a variable is
    not set, or a resolved value is not valid for its property.
    """
    doc = store.read()
    section = _section(doc, name)
    resolved: dict[str, str] = {}
    for key, value in section.properties.items():
        if not store.is_reference(value):
            resolved[key] = value
            continue
        resolved[key] = refs.resolve(name, key, value)
        try:
            convert(_known_property(key), resolved[key])
        except InterfaceError as exc:
            line = section.lines.get(key)
            where = f"{doc.path}, line {line}" if line else str(doc.path)
            raise InterfaceError(f"{where} ([{name}] {key}, resolved): {exc}") from None
    return resolved


def list_connections() -> list[SavedConnection]:
    """Every saved connection's name, scheme, account and target, in file order."""
    out = []
    for section in store.read().sections.values():
        props = section.properties
        sandbox = props.get("Sandbox", "")
        is_sandbox = not store.is_reference(sandbox) and bool(
            sandbox and convert(_known_property("Sandbox"), sandbox)
        )
        out.append(
            SavedConnection(
                name=section.name,
                auth_scheme=props.get("AuthScheme", BY_ATTR["auth_scheme"].default),
                account_id=props.get("AccountId"),
                target="sandbox"
                if is_sandbox
                else props.get("ApiBase", BY_ATTR["api_base"].default),
            )
        )
    return out


def masked_properties(name: str) -> dict[str, str]:
    """The saved properties for display: secrets masked, references shown as written."""
    shown = {}
    for key, value in load(name).items():
        if _known_property(key).secret and not store.is_reference(value):
            value = mask_secret(value).strip("'")
        shown[key] = value
    return shown


# -- writing --------------------------------------------------------------------------


def parse_properties(properties_or_connection_string: str | Mapping[str, Any]) -> dict[str, str]:
    """`{Property: value}` under canonical property names, values as written (no lookup).

    Unknown keys are an InterfaceError with a did-you-mean; a ConnectionName is refused,
    since a saved connection cannot start from another one.
    """
    source = properties_or_connection_string
    pairs = split_connection_string(source) if isinstance(source, str) else list(source.items())
    out: dict[str, str] = {}
    for key, value in pairs:
        prop = lookup(str(key))
        if prop is None:
            raise InterfaceError(f"Unknown connection property `{key}`{property_hint(str(key))}")
        if prop.name == "ConnectionName":
            raise InterfaceError("A saved connection cannot name another one (ConnectionName).")
        if value is None:
            continue
        text = value if isinstance(value, str) else format_value(prop, value)
        out[prop.name] = store.check_value(prop.name, text)
    return out


def missing_secrets(properties: Mapping[str, str]) -> list[str]:
    """The secret properties the scheme needs and `properties` lacks (none for the sandbox)."""
    sandbox = properties.get("Sandbox")
    if sandbox and not store.is_reference(sandbox) and convert(_known_property("Sandbox"), sandbox):
        return []
    scheme = properties.get("AuthScheme", BY_ATTR["auth_scheme"].default)
    if store.is_reference(scheme):
        return []
    scheme = convert(_known_property("AuthScheme"), scheme)
    needed = ["LiveAPIKey"] if scheme == "APIKey" else ["ClientSecret", "RefreshToken"]
    return [key for key in needed if not properties.get(key)]


def save(
    name: str,
    properties_or_connection_string: str | Mapping[str, Any],
    *,
    force: bool = False,
    use_keyring: bool = False,
    verify: Callable[[ConnectionConfig], None] | None = None,
) -> Path:
    """Save a connection under `name` as given (no test) and return the file's path.

    An existing name needs `force`. With `use_keyring` every secret that is not already a
    reference goes to the OS keyring and the file keeps a `keyring:` reference. `verify`,
    when given, is called with the resolved config once the properties are known to be
    valid and before anything is written; whatever it raises leaves the file untouched
    (`profiles.save(test=True)` passes one that opens the connection).
    """
    store.check_name(name)
    props = parse_properties(properties_or_connection_string)
    if not force and exists(name):
        raise _exists_error(name)
    keyring = refs.require_keyring("Keeping secrets in the OS keyring") if use_keyring else None
    if verify is not None:
        verify(resolved_config(name, props))
    with store.locked() as doc:
        if name in doc.sections and not force:
            raise _exists_error(name)
        old = doc.sections.get(name)
        stored = dict(props)
        if keyring is not None:
            for key, value in props.items():
                if _known_property(key).secret and not store.is_reference(value):
                    keyring.set_password(refs.KEYRING_SERVICE, f"{name}/{key}", value)
                    stored[key] = refs.keyring_reference(name, key)
        doc.set(name, stored)
        store.write(doc)
    if old is not None:
        _forget_keyring_entries(name, old.properties, keep=set(stored.values()))
    logger.info("saved connection %s in %s", name, doc.path)
    return doc.path


def delete(name: str) -> None:
    """Remove a saved connection (and the keyring entries it referred to)."""
    with store.locked() as doc:
        section = _section(doc, name)
        del doc.sections[name]
        store.write(doc)
    _forget_keyring_entries(name, section.properties, keep=set())
    logger.info("deleted connection %s from %s", name, doc.path)


def update_properties(name: str, updates: Mapping[str, Any]) -> bool:
    """Change some properties of a saved connection in place, atomically.

    Meant for values that change under the driver, such as a rotated OAuth2 refresh
    token. A property stored as a `${ENV}` reference is left untouched (the variable is
    the user's to change): a warning is logged and the result is False. A keyring
    reference has its keyring entry updated. True when every value was saved.
    """
    changes = parse_properties(updates)
    saved_all = True
    with store.locked() as doc:
        section = _section(doc, name)
        props = dict(section.properties)
        for key, value in changes.items():
            current = props.get(key, "")
            if refs.env_names(current):
                logger.warning(
                    "The new %s of saved connection %s was not saved: the connection reads it "
                    "from %s; update that variable.",
                    key,
                    name,
                    current,
                )
                saved_all = False
            elif current.startswith(refs.KEYRING_PREFIX):
                saved_all = _set_keyring_entry(name, key, current, value) and saved_all
            else:
                props[key] = value
        if props != section.properties:
            doc.sections[name] = store.Section(name, props)  # keeps its place in the file
            store.write(doc)
    return saved_all


def refresh_token_writer(name: str) -> Callable[[str], None]:
    """The `on_rotate` callback of OAuth2 credentials read from saved connection `name`.

    It writes a rotated refresh token back, so that the stored token is never one Stripe
    has retired. It never raises (the connection works with the new token in memory and
    failing the query would not help); it says loudly, without the token, what the user
    must do when the token could not be saved.
    """

    def write(refresh_token: str) -> None:
        try:
            written = update_properties(name, {"RefreshToken": refresh_token})
        except Exception as exc:
            logger.warning(
                "Stripe rotated the refresh token of saved connection %r but saving it failed "
                "(%s); run `stripe-dbapi oauth authorize --save %s` before this session ends",
                name,
                type(exc).__name__,
                name,
            )
            return
        if not written:
            logger.warning(
                "Stripe rotated the refresh token of saved connection %r, whose RefreshToken "
                "is an environment variable reference; update that variable with the new token "
                "(Connection.client.credentials.refresh_token) or authorize again",
                name,
            )

    return write


def resolved_config(name: str, props: Mapping[str, str]) -> ConnectionConfig:
    """The config that properties about to be saved as `name` stand for, references resolved."""
    resolved = {key: refs.resolve(name, key, value) for key, value in props.items()}
    return build_config(raw_properties(None, resolved))


# -- helpers --------------------------------------------------------------------------


def _section(doc: store.Document, name: str) -> store.Section:
    section = doc.sections.get(name)
    if section is None:
        raise InterfaceError(f"No saved connection named `{name}`{_did_you_mean(doc, name)}")
    return section


def _did_you_mean(doc: store.Document, name: str) -> str:
    return did_you_mean(name, list(doc.sections), otherwise=f" in {doc.path}.")


def _exists_error(name: str) -> InterfaceError:
    return InterfaceError(
        f"A saved connection named `{name}` already exists; use --force (force=True) to replace it."
    )


def _known_property(key: str) -> Property:
    prop = lookup(key)
    assert prop is not None, key
    return prop


def _set_keyring_entry(name: str, key: str, reference: str, value: str) -> bool:
    keyring = refs.keyring_module()
    if keyring is None:
        logger.warning(
            "The new %s of saved connection %s was not saved: it lives in the OS keyring and "
            "the keyring package is not installed.",
            key,
            name,
        )
        return False
    try:
        keyring.set_password(*refs.split_keyring_reference(reference), value)
    except Exception as exc:  # any backend failure: report its class, never the value
        logger.warning(
            "The new %s of saved connection %s was not saved in the OS keyring (%s).",
            key,
            name,
            type(exc).__name__,
        )
        return False
    return True


def _forget_keyring_entries(name: str, properties: Mapping[str, str], keep: set[str]) -> None:
    """Delete the keyring entries this connection owned and no longer refers to."""
    own = refs.keyring_reference(name, "")
    stale = [v for v in properties.values() if v.startswith(own) and v not in keep]
    if not stale:
        return
    keyring = refs.keyring_module()
    if keyring is None:
        logger.warning("Keyring entries of connection %s remain (keyring not installed).", name)
        return
    for reference in stale:
        # an entry already gone is what we want; other backend errors leave a harmless orphan
        with contextlib.suppress(Exception):
            keyring.delete_password(*refs.split_keyring_reference(reference))
