"""The workbench the data generators share: seeded RNG, ids, templates and the rows so far.

Generators (`core.py` for Stripe's central objects, `generic.py` for every other table)
add rows here; `data.py` then completes references and embedded lists, sorts and indexes
them. Times are anchored at `NOW` (2026-11-01T00:00:00Z), never the wall clock, so a seed
gives the same data on any day.
"""

from __future__ import annotations

import json
import random
from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Catalog, Column, Table
from stripe_dbapi.catalog.model import BIGINT, BOOLEAN, DOUBLE, JSON
from stripe_dbapi.sandbox.ids import IdMaker
from stripe_dbapi.sandbox.templates import fixture

NOW = 1793491200  # 2026-11-01T00:00:00Z
DAY = 86400
YEAR = 365 * DAY
HISTORY = 2 * YEAR
TIMESTAMP_TYPE = "TIMESTAMP WITH TIME ZONE"


class Builder:
    """Rows under construction for one (seed, scale) data set."""

    def __init__(self, catalog: Catalog, seed: int, scale: float) -> None:
        self.catalog = catalog
        self.scale = scale
        self.seed_tag = f"{seed:010d}" if seed >= 0 else f"n{-seed:09d}"
        self.rng = random.Random(seed)
        self.ids = IdMaker(self.rng)
        self.rows: dict[str, list[Row]] = {}
        self.children: dict[str, dict[str, list[Row]]] = {}
        self.relations: dict[str, dict[str, dict[str, Any]]] = {}
        self._templates: dict[tuple[str, str], Row] = {}

    # -- sizes and times ------------------------------------------------------------

    def count(self, at_scale_one: int, minimum: int = 1) -> int:
        """How many objects to make: `at_scale_one` times the scale, at least `minimum`."""
        return max(minimum, round(at_scale_one * self.scale))

    def times(self, n: int, start: int = NOW - HISTORY, end: int = NOW) -> list[int]:
        """`n` creation times in [start, end), denser near `end`, many sharing a second
        (and, for large `n`, one burst of 5% in a single second)."""
        rng = self.rng
        span = max(1, end - start)
        out: list[int] = []
        if n >= 1000:
            # One batch import: 5% of the objects in a single second, as a bulk job makes
            # them. Pagination and created-range slicing must stay exact over such a second.
            burst = end - 1 - int(span * rng.uniform(0.2, 0.5))
            out.extend([burst] * (n * 5 // 100))
        while len(out) < n:
            t = end - 1 - int(span * rng.random() ** 2)
            out.extend([t] * (1 + (rng.random() < 0.3) * rng.randint(1, 4)))
        del out[n:]
        rng.shuffle(out)  # callers may take a prefix: spread the burst through it
        return out

    def after(self, t: int, max_delay: int) -> int:
        """A time up to `max_delay` seconds after `t`, never past NOW.

        The delay is drawn within what is left before NOW rather than clamped to it, so
        objects made near NOW do not pile up in its last second.
        """
        return t + self.rng.randint(0, max(0, min(max_delay, NOW - 1 - t)))

    # -- rows -----------------------------------------------------------------------

    def table(self, name: str) -> Table | None:
        return self.catalog.get(name)

    def template(self, table: str, object_type: str | None = None) -> Row:
        """The example object for `table`'s rows, with every catalog column present."""
        hit = self._templates.get((table, object_type or ""))
        if hit is not None:
            return hit
        t = self.catalog.get(table)
        obj = object_type or (t.object if t else table)
        key = (table, obj)
        cached = self._templates.get(key)
        if cached is None:
            fx = fixture(obj)
            cached = json.loads(json.dumps(fx)) if fx else {"id": None, "object": obj}
            cached["object"] = obj
            self.ids.register(obj, fx.get("id") if fx else None)
            if t is not None:
                for column in t.columns:
                    if column.name not in cached and not column.filter_only:
                        cached[column.name] = default_value(column)
            self._templates[key] = self._templates[(table, object_type or "")] = cached
        return cached

    def new(self, table: str, object_type: str | None = None, **fields: Any) -> Row:
        """A row for `table`: its template with a fresh id, livemode off and `fields`."""
        row = dict(self.template(table, object_type))
        row["id"] = self.ids.new(row["object"])
        if "livemode" in row:
            row["livemode"] = False
        row.update(fields)
        return row

    def add(self, table: str, row: Row) -> Row:
        self.rows.setdefault(table, []).append(row)
        return row

    def add_child(self, table: str, parent_id: str, row: Row) -> Row:
        self.children.setdefault(table, {}).setdefault(parent_id, []).append(row)
        return row

    def relate(self, table: str, row_id: str, column: str, value: Any) -> None:
        """Record a relationship a filter-only list parameter narrows on."""
        self.relations.setdefault(table, {}).setdefault(row_id, {})[column] = value


def default_value(column: Column) -> Any:
    """A neutral value for a column the example object lacks."""
    if column.nullable:
        return None
    if column.name == "metadata":
        return {}
    if column.enum:
        return column.enum[0]
    return {
        BIGINT: 0,
        DOUBLE: 0.0,
        BOOLEAN: False,
        JSON: {},
        TIMESTAMP_TYPE: NOW,
    }.get(column.type, "0" if column.type.startswith("DECIMAL") else "")
