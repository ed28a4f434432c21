"""References in saved values: `${ENV_VAR}` and `keyring:<service>/<entry>`, resolved late.

A saved connection may keep its secrets out of the file: `${STRIPE_KEY}` is replaced by
that environment variable when connecting, and `keyring:stripe_dbapi/prod/LiveAPIKey`
by the password the OS keyring holds for service `stripe_dbapi`, user `prod/LiveAPIKey`.
The `keyring` package is optional (`pip install 'stripe_dbapi[keyring]'`).
"""

from __future__ import annotations

import os
import re
from types import ModuleType

from stripe_dbapi.exceptions import InterfaceError

ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
KEYRING_PREFIX = "keyring:"
KEYRING_SERVICE = "stripe_dbapi"


def env_names(value: str) -> list[str]:
    """The environment variables a value refers to."""
    return ENV_RE.findall(value)


def keyring_reference(name: str, prop: str) -> str:
    """The reference stored in the file for a secret kept in the keyring."""
    return f"{KEYRING_PREFIX}{KEYRING_SERVICE}/{name}/{prop}"


def split_keyring_reference(value: str) -> tuple[str, str]:
    """`keyring:service/entry/…` → (service, entry)."""
    service, _, entry = value[len(KEYRING_PREFIX) :].partition("/")
    return service, entry


def keyring_module() -> ModuleType | None:
    """The `keyring` package, or None when it is not installed."""
    try:
        import keyring  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # optional extra: callers say what is missing when they need it
        return None
    return keyring


def require_keyring(why: str) -> ModuleType:
    """The `keyring` package, or InterfaceError telling how to install it."""
    module = keyring_module()
    if module is None:
        raise InterfaceError(
            f"{why} needs the `keyring` package: pip install 'stripe_dbapi[keyring]'."
        )
    return module


def resolve(name: str, prop: str, value: str) -> str:
    """The value with its references replaced; InterfaceError naming what is missing."""
    if value.startswith(KEYRING_PREFIX):
        service, entry = split_keyring_reference(value)
        keyring = require_keyring(
            f"The saved connection `{name}` keeps {prop} in the OS keyring; this"
        )
        try:
            secret = keyring.get_password(service, entry)
        except Exception as exc:  # keyring backends raise their own types; name the class only
            raise InterfaceError(
                f"The OS keyring could not give {prop} of the saved connection `{name}` "
                f"({type(exc).__name__})."
            ) from None
        if not secret:
            raise InterfaceError(
                f"The OS keyring has no entry `{service}/{entry}` for {prop} of the saved "
                f"connection `{name}`; save the connection again with --keyring."
            )
        return secret

    def substitute(match: re.Match[str]) -> str:
        variable = match.group(1)
        found = os.environ.get(variable)
        if not found:
            raise InterfaceError(
                f"The saved connection `{name}` reads {prop} from the environment variable "
                f"`{variable}`, which is not set."
            )
        return found

    return ENV_RE.sub(substitute, value)
