"""Saved connections: name a connection once, test it, and use it as `ConnectionName=…`.

    from stripe_dbapi import profiles
    profiles.save("prod", "AuthScheme=APIKey;LiveAPIKey=${STRIPE_PROD_KEY}")  # tests first
    profiles.test("prod")            # (True, "connection available")
    stripe_dbapi.connect("ConnectionName=prod;AccountId=acct_2")   # AccountId overrides

Two layers. Reading, listing and updating the saved connections (`saved.py`, over the INI
store of `store.py` and the `${ENV}`/keyring references of `refs.py`) sits below
`connect()`, which reads it. This module sits above `connect()`: testing a connection,
and saving one only once it answers, needs a working driver. `connection.py` imports
`profiles.saved` only, so there is no cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stripe_dbapi.connection import Connection, resolve_config
from stripe_dbapi.connstr import ConnectionConfig
from stripe_dbapi.exceptions import UNAVAILABLE, OperationalError
from stripe_dbapi.profiles import saved
from stripe_dbapi.profiles.saved import (
    SavedConnection,
    config_path,
    delete,
    exists,
    list_connections,
    load,
    masked_properties,
    missing_secrets,
    parse_properties,
    saved_properties,
    update_properties,
)
from stripe_dbapi.redact import Redactor

__all__ = [
    "AVAILABLE",
    "SavedConnection",
    "config_path",
    "delete",
    "exists",
    "list_connections",
    "load",
    "masked_properties",
    "missing_secrets",
    "parse_properties",
    "save",
    "saved_properties",
    "test",
    "update_properties",
]

AVAILABLE = "connection available"


def save(
    name: str,
    properties_or_connection_string: str | Mapping[str, Any],
    *,
    test: bool = True,
    force: bool = False,
    use_keyring: bool = False,
) -> Path:
    """Save a connection under `name` and return the file's path.

    With `test` (the default) the connection is opened and closed first; when that fails
    OperationalError("Connection unavailable: …") is raised and nothing is saved. An
    existing name needs `force`. With `use_keyring` every secret that is not already a
    reference goes to the OS keyring and the file keeps a `keyring:` reference.
    """
    return saved.save(
        name,
        properties_or_connection_string,
        force=force,
        use_keyring=use_keyring,
        verify=_require_available if test else None,
    )


def test(name_or_dsn: str) -> tuple[bool, str]:
    """TEST: open and close a connection; `(True, "connection available")` or
    `(False, "Connection unavailable: <reason>")`.

    A string with `=` is a connection string (which may itself name a ConnectionName),
    anything else the name of a saved connection. Mistakes in the properties are not a
    test result: they raise InterfaceError.
    """
    if "=" in name_or_dsn:
        config = resolve_config(name_or_dsn)
    else:
        config = resolve_config(None, ConnectionName=name_or_dsn)
    return _try_open(config)


test.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported


def _require_available(config: ConnectionConfig) -> None:
    ok, message = _try_open(config)
    if not ok:
        raise OperationalError(message)


def _try_open(config: ConnectionConfig) -> tuple[bool, str]:
    try:
        connection = Connection.open(config)
    except OperationalError as exc:
        message = Redactor(config.secrets).redact(str(exc))
        if not message.startswith(UNAVAILABLE):
            message = f"{UNAVAILABLE}: {message}"
        return False, message
    connection.close()
    return True, AVAILABLE
