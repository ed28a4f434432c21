"""What Stripe does to a list call beyond its plain parameters, kept as data.

The catalog says which scan defaults the driver sends (`subscriptions` is read with
`status=all`); this table says what Stripe does when such a parameter is left out, and
which values of it are not plain equality. It is the only per-table knowledge of the
server and is documented in docs/sandbox.md.
"""

from __future__ import annotations

from collections.abc import Mapping

# table -> param -> column values hidden when the param is not given.
HIDDEN_UNLESS_GIVEN: Mapping[str, Mapping[str, frozenset[str]]] = {
    "subscriptions": {"status": frozenset({"canceled"})},
}

# table -> param -> value -> the column values it stands for (None: every value).
SPECIAL_VALUES: Mapping[str, Mapping[str, Mapping[str, frozenset[str] | None]]] = {
    "subscriptions": {
        "status": {"all": None, "ended": frozenset({"canceled", "incomplete_expired"})}
    },
}
