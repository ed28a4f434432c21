"""The PEP 249 exception hierarchy, and the one table that maps Stripe errors onto it.

Every failure that leaves the package is one of these classes. API errors keep what Stripe
said about them (HTTP status, error code, request id) so that a user can quote the request
id to Stripe support.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from stripe_dbapi.redact import redact_tokens

# How every "cannot connect" message starts (connect, OAuth2 token endpoint, TEST): one
# prefix that the CLI, saved-connection tests and users can recognise.
UNAVAILABLE = "Connection unavailable"


class Warning(Exception):  # noqa: A001 - the name is mandated by PEP 249
    """Important warnings, such as data truncation (PEP 249)."""


class Error(Exception):
    """Base class of every error this package raises (PEP 249)."""

    def __init__(
        self,
        message: str = "",
        *,
        http_status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        # Whatever put it there (a key typed into the wrong property, a server echoing a
        # header), nothing shaped like a Stripe secret leaves the package in a message.
        message = redact_tokens(message)
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.request_id = request_id


class InterfaceError(Error):
    """Misuse of the driver itself: a bad connection string, a closed object."""


class DatabaseError(Error):
    """Errors related to the data source (PEP 249)."""


class DataError(DatabaseError):
    """A value that cannot be processed: bad conversion, out of range."""


class OperationalError(DatabaseError):
    """Stripe is unreachable, timed out, rejected the credentials, or failed."""


class IntegrityError(DatabaseError):
    """Relational integrity is affected; never raised by a read-only driver but required."""


class InternalError(DatabaseError):
    """The driver reached a state it should not: a bug worth reporting."""


class ProgrammingError(DatabaseError):
    """The query is wrong: syntax, unknown table or column, wrong parameter count."""


class NotSupportedError(DatabaseError):
    """The query asks for something the driver does not do, such as a write."""


def did_you_mean(
    name: str, choices: Mapping[str, str] | Iterable[str], otherwise: str = "."
) -> str:
    """`; did you mean `X`?` for the choice closest to a mistyped `name`, else `otherwise`.

    `choices` are matched case-insensitively: a mapping gives, for each lower-cased key,
    the spelling to show.
    """
    shown = dict(choices) if isinstance(choices, Mapping) else {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(shown), n=1, cutoff=0.6)
    return f"; did you mean `{shown[close[0]]}`?" if close else otherwise


def error_for_status(http_status: int) -> type[Error]:
    """The PEP 249 class for a Stripe HTTP error status.

    400/404 mean the request was wrong for the data (a bad filter value, a missing object):
    ProgrammingError. 401/403 mean the credentials do not allow it, and 429/5xx that Stripe
    could not answer: both OperationalError, since retrying or reconnecting may help.
    """
    return _STATUS_MAP.get(http_status, OperationalError if http_status >= 500 else DatabaseError)


_STATUS_MAP: dict[int, type[Error]] = {
    400: ProgrammingError,
    401: OperationalError,
    402: DatabaseError,
    403: OperationalError,
    404: ProgrammingError,
    409: OperationalError,
    429: OperationalError,
}

__all__ = [
    "UNAVAILABLE",
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Warning",
    "did_you_mean",
    "error_for_status",
]
