"""Rows for every table the core generators do not cover, driven by the catalog alone.

A table's rows are copies of Stripe's example object for its `object` type (or, when the
fixtures lack one, values made from its columns' types) with fresh ids and times. A child
table whose rows are also a top-level table's rows (`/v1/charges/{charge}/refunds` holds
`refunds`) groups those rows by the parent column; any other child table gets a few rows
under a few parents. `link` then points every reference column at a row that exists.
"""

from __future__ import annotations

from collections.abc import Iterable

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Table
from stripe_dbapi.sandbox.builder import DAY, TIMESTAMP_TYPE, Builder

_TOP_LEVEL_ROWS = 12
_CHILD_PARENTS = 3


def ordered(tables: Iterable[Table], get) -> list[Table]:  # type: ignore[no-untyped-def]
    """Tables with every parent before its children."""

    def depth(t: Table, seen: int = 0) -> int:
        parent = get(t.parent.table) if t.parent and t.parent.table else None
        return 0 if parent is None or seen > 5 else 1 + depth(parent, seen + 1)

    return sorted(tables, key=lambda t: (depth(t), t.name))


def build(b: Builder) -> None:
    """Generate rows for every catalog table that has none yet."""
    for table in ordered(b.catalog, b.catalog.get):
        if table.single is not None:
            continue  # one object, not rows (`Dataset.singles`)
        if table.parent is None:
            if not b.rows.get(table.name):
                for t in b.times(b.count(_TOP_LEVEL_ROWS, 3)):
                    b.add(table.name, _row(b, table, t))
        elif not b.children.get(table.name):
            _children(b, table)


def _row(b: Builder, table: Table, t: int) -> Row:
    row = b.new(table.name)
    rng = b.rng
    for column in table.columns:
        value = row.get(column.name)
        if column.type == TIMESTAMP_TYPE and isinstance(value, int):
            row[column.name] = t if column.name == "created" else t + rng.randint(0, 30 * DAY)
        elif column.name == "status" and column.enum:
            row["status"] = rng.choice(column.enum)
    if "created" in row or table.column("created"):
        row["created"] = t
    _scope(b, table, row)
    return row


def _scope(b: Builder, table: Table, row: Row) -> None:
    """Make the row answer the list call the catalog says callers make.

    Scan defaults (`tax_locations` is read with `type=performance`) become the row's value;
    a required filter-only parameter (`billing_meters_event_summaries?customer=`) gets a
    relationship to an existing object, so some value of it returns the row.
    """
    parent_param = table.parent.param if table.parent else None
    for f in table.filters:
        column = table.column(f.column)
        if column is None or f.kind != "eq":
            continue
        if f.param in table.defaults and not column.filter_only:
            row[f.column] = table.defaults[f.param]
        elif f.param in table.required and f.param != parent_param and column.filter_only:
            targets = b.rows.get(column.references or "", [])
            value = b.rng.choice(targets)["id"] if targets else f"{f.param}_sandbox"
            b.relate(table.name, row["id"], f.column, value)


def _parent_ids(b: Builder, table: Table) -> list[str]:
    assert table.parent is not None
    name = table.parent.table
    rows = b.rows.get(name or "", []) or [
        r for rs in b.children.get(name or "", {}).values() for r in rs
    ]
    ids = [r["id"] for r in rows if isinstance(r.get("id"), str)]
    if not ids:
        # No table to fan out from: invent parent ids of the parameter's object type.
        return [b.ids.new(table.parent.param) for _ in range(2)]
    return ids


def _children(b: Builder, table: Table) -> None:
    assert table.parent is not None
    column = table.parent.column
    same = b.catalog.by_object(table.object)
    if same is not None and same.name != table.name and (rows := b.rows.get(same.name)):
        parent_set = set(_parent_ids(b, table))
        grouped = [r for r in rows if isinstance(r.get(column), str) and r[column] in parent_set]
        if grouped:
            for r in grouped:
                b.add_child(table.name, r[column], r)
            return
    parents = _parent_ids(b, table)
    rng = b.rng
    for parent in rng.sample(parents, k=min(_CHILD_PARENTS, len(parents))):
        for t in b.times(rng.randint(1, 3)):
            row = _row(b, table, t)
            col = table.column(column)
            if col is not None and not col.filter_only or column in row:
                row[column] = parent
            b.add_child(table.name, parent, row)


def link(b: Builder, rows_of: dict[str, list[Row]]) -> None:
    """Point every reference column holding an unknown id at an existing row (or null)."""
    rng = b.rng
    id_sets = {
        name: {r["id"] for r in rows if isinstance(r.get("id"), str)}
        for name, rows in rows_of.items()
    }
    for table in b.catalog:
        refs = []
        for column in table.columns:
            target = column.references
            if target is None and column.expand and len(column.expand) == 1:
                other = b.catalog.by_object(column.expand[0])
                target = other.name if other else None
            if target and target in id_sets and not column.filter_only:
                refs.append((column, target, sorted(id_sets[target])))
        if not refs:
            continue
        for row in rows_of.get(table.name, ()):
            for column, target, choices in refs:
                value = row.get(column.name)
                if isinstance(value, str) and value not in id_sets[target]:
                    row[column.name] = rng.choice(choices) if choices else None
