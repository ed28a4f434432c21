"""Values of a list parameter that are not plain equality, kept as data.

What Stripe hides when a parameter is left out is a catalog fact (`hidden_by_default`:
subscriptions' `canceled`, prices' inactive ones); this table says which values stand for
several (`status=all`, `status=ended`). It is the only per-table knowledge of the server
and is documented in docs/sandbox.md.
"""

from __future__ import annotations

from collections.abc import Mapping

# table -> param -> value -> the column values it stands for (None: every value).
SPECIAL_VALUES: Mapping[str, Mapping[str, Mapping[str, frozenset[str] | None]]] = {
    "subscriptions": {
        "status": {"all": None, "ended": frozenset({"canceled", "incomplete_expired"})}
    },
}
