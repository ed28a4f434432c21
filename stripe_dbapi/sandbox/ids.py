"""Stripe-looking object ids, drawn from the data set's seeded RNG.

Each object type gets the prefix and length Stripe uses for it, read from the example
object in the packaged fixtures (`ch_1Pgafu…` → `ch_`, 24 characters); object types the
fixtures lack get a prefix built from their name (`billing.alert` → `alert_`).
"""

from __future__ import annotations

import random
import re
import string

from stripe_dbapi.sandbox.templates import fixture

_ALNUM = string.ascii_letters + string.digits
_UPPER = string.ascii_uppercase + string.digits
# Byte -> character tables, so a random suffix is one `randbytes` and one `translate`.
_ALNUM_TABLE = bytes(ord(_ALNUM[i % len(_ALNUM)]) for i in range(256))
_UPPER_TABLE = bytes(ord(_UPPER[i % len(_UPPER)]) for i in range(256))
_STRIPE_ID = re.compile(r"^([a-z][a-z_]*?_)([0-9A-Za-z]{6,})$")
# Ids Stripe mints through a PaymentIntent start with "3" (ch_3…, pi_3…, re_3…, txn_3…).
_LEAD_THREE = frozenset({"ch_", "pi_", "re_", "txn_", "py_"})


class IdMaker:
    """Mints unique ids for one data set, in the order they are asked for."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()
        self._shapes: dict[str, tuple[str, str, int]] = {}

    def register(self, object_type: str, fixture_id: str | None) -> None:
        """Learn the id shape of `object_type` from its example object's id."""
        if object_type not in self._shapes:
            self._shapes[object_type] = _shape(object_type, fixture_id)

    def new(self, object_type: str) -> str:
        """A fresh id for an object of `object_type`."""
        if object_type not in self._shapes:
            example = fixture(object_type)
            self.register(object_type, example.get("id") if example else None)
        prefix, lead, length = self._shapes[object_type]
        return self.raw(prefix, length, lead)

    def raw(self, prefix: str, length: int, lead: str = "", table: bytes = _ALNUM_TABLE) -> str:
        """A fresh id `prefix + lead + random`, `length` characters after the prefix."""
        randbytes = self._rng.randbytes
        while True:
            value = prefix + lead + randbytes(length - len(lead)).translate(table).decode()
            if value not in self._seen:
                self._seen.add(value)
                return value

    def code(self, length: int = 8) -> str:
        """An upper-case code such as a coupon id or an invoice prefix."""
        return self.raw("", length, table=_UPPER_TABLE)


def _shape(object_type: str, fixture_id: str | None) -> tuple[str, str, int]:
    match = _STRIPE_ID.match(fixture_id or "")
    if match and match.group(1) != "obj_":
        prefix, suffix = match.groups()
        lead = "3" if prefix in _LEAD_THREE else (suffix[0] if suffix[0] == "1" else "")
        return prefix, lead, len(suffix)
    last = object_type.rsplit(".", 1)[-1]
    words = [w for w in last.split("_") if w]
    prefix = "".join(w[:4] for w in words)[:10] or "obj"
    return prefix + "_", "1", 24
