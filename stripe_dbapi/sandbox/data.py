"""The sandbox's data set: deterministic for a (seed, scale), generated once per process.

`generate(seed, scale)` returns a `Dataset`: for every catalog table its rows newest first
(`created` descending, then `id` descending, the order Stripe lists them in); for child
tables also the rows under each parent id; and the relationships filter-only list
parameters narrow on (`invoices?subscription=`). The data set is shared by every server
started with the same arguments, so nothing may modify it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Catalog, Table, load_catalog
from stripe_dbapi.sandbox import core, generic
from stripe_dbapi.sandbox.builder import NOW, Builder
from stripe_dbapi.sandbox.templates import fixture

__all__ = ["NOW", "Collection", "Dataset", "generate"]


@dataclass(frozen=True)
class Collection:
    """One listable sequence of rows, newest first, with each id's position."""

    rows: list[Row]
    positions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[Row], hidden: dict[str, dict[str, Any]] | None = None) -> Collection:
        """`rows` newest first; `hidden` holds `created` for objects that lack the field."""
        key = sort_key
        if hidden:

            def key(row: Row) -> tuple[int, str]:
                created = row.get("created", hidden.get(row["id"], {}).get("created"))
                return (created if isinstance(created, int) else 0, str(row.get("id") or ""))

        ordered = sorted(rows, key=key, reverse=True)
        return cls(
            ordered, {r["id"]: i for i, r in enumerate(ordered) if isinstance(r.get("id"), str)}
        )


def sort_key(row: Row) -> tuple[int, str]:
    """Stripe's list order, ascending: by `created`, ties broken by `id`."""
    created = row.get("created")
    return (created if isinstance(created, int) else 0, str(row.get("id") or ""))


class Dataset(Mapping[str, list[Row]]):
    """Every table's rows (newest first), child rows by parent, and the account.

    Equal only to itself and hashed by identity (not by content, as a Mapping would be):
    a data set is built once and shared, and it keys the servers' API cache.
    """

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __init__(self, catalog: Catalog, seed: int, scale: float, b: Builder) -> None:
        self.catalog = catalog
        self.seed = seed
        self.scale = scale
        self.relations: dict[str, dict[str, dict[str, Any]]] = b.relations
        self.children: dict[str, dict[str, Collection]] = {
            name: {
                parent: Collection.of(rows, b.relations.get(name))
                for parent, rows in by_parent.items()
            }
            for name, by_parent in b.children.items()
            if catalog.get(name)
        }
        self._tables: dict[str, Collection] = {}
        for table in catalog:
            if table.parent is None:
                rows = b.rows.get(table.name, [])
            else:
                rows = [r for c in self.children.get(table.name, {}).values() for r in c.rows]
            self._tables[table.name] = Collection.of(rows, b.relations.get(table.name))
        self.account = _account(b)
        # The objects of the single-object endpoints (`Table.single`), by object type.
        self.singles: dict[str, Row] = {"account": self.account, "balance": _balance(b)}
        # table -> id -> the stub a retrieve of a deleted object answers (see `_deleted`).
        self.deleted: dict[str, dict[str, Row]] = {}

    def __getitem__(self, name: str) -> list[Row]:
        return self._tables[name].rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def collection(self, table: str, parent: str | None = None) -> Collection | None:
        """The rows a list call walks: the table's, or those under `parent` for a child."""
        if parent is None:
            return self._tables.get(table)
        return self.children.get(table, {}).get(parent)

    def find(self, table: str, object_id: str) -> Row | None:
        """The row of `table` with id `object_id`, or None."""
        coll = self._tables.get(table)
        if coll is None:
            return None
        pos = coll.positions.get(object_id)
        return None if pos is None else coll.rows[pos]

    def example_params(self, table: str) -> tuple[str, dict[str, str]] | None:
        """A list path and parameters that return at least one row of `table`, or None.

        For child tables this names a parent that has rows; required parameters and scan
        defaults take values from a row, so the call works as the catalog says to make it.
        """
        t = self.catalog.get(table)
        if t is None or not self[table]:
            return None
        row = self[table][0]
        path, params = t.list_path, {}
        if t.parent is not None:
            parent = self.parent_of(table, row["id"]) or ""
            if t.parent.in_ == "path":
                path = path.replace("{" + t.parent.param + "}", parent)
            else:
                params[t.parent.param] = parent
        related = self.relations.get(table, {}).get(row["id"], {})
        for f in t.filters:
            if f.param in t.required and f.param not in params:
                value = related.get(f.column, row.get(f.column))
                params[f.param] = str(value[0] if isinstance(value, list) else value)
        for name, value in t.defaults.items():
            params.setdefault(name, value)
        for name in t.required:
            if not any(k.split("[", 1)[0] == name for k in params):
                params[name] = "sandbox"
        return path, params

    def parent_of(self, table: str, object_id: str) -> str | None:
        """The parent id a child row hangs under, or None."""
        for parent, coll in self.children.get(table, {}).items():
            if object_id in coll.positions:
                return parent
        return None


# Per catalog (compared by identity), the data sets built over it by (seed, scale).
_CACHE: WeakKeyDictionary[Catalog, dict[tuple[int, float], Dataset]] = WeakKeyDictionary()
_LOCK = threading.Lock()


def generate(seed: int = 0, scale: float = 1.0, catalog: Catalog | None = None) -> Dataset:
    """The data set for (seed, scale), built on first use and cached for the process."""
    catalog = catalog or load_catalog()
    with _LOCK:
        built = _CACHE.setdefault(catalog, {})
        dataset = built.get((seed, float(scale)))
        if dataset is None:
            dataset = built[seed, float(scale)] = _build(catalog, seed, scale)
        return dataset


def _build(catalog: Catalog, seed: int, scale: float) -> Dataset:
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    b = Builder(catalog, seed, scale)
    core.build(b)
    generic.build(b)
    all_rows = {t.name: _rows_of(b, t) for t in catalog}
    generic.link(b, all_rows)
    _hide_filter_only_fields(b, catalog, all_rows)
    _shared_ids(b, catalog)
    dataset = Dataset(catalog, seed, scale, b)
    _embed_lists(dataset)
    dataset.deleted = _deleted(b, catalog)
    return dataset


def _shared_ids(b: Builder, catalog: Catalog) -> None:
    """Child rows whose ids are names (`accounts_capabilities`: `card_payments`,
    `transfers`) take them in order under each parent, the same names under every one."""
    for table in catalog:
        if not table.shared_ids:
            continue
        for parent, rows in b.children.get(table.name, {}).items():
            del rows[len(table.shared_ids) :]
            for row, name in zip(rows, table.shared_ids, strict=False):
                row["id"] = name
                if table.parent is not None and table.parent.column in row:
                    row[table.parent.column] = parent


def _deleted(b: Builder, catalog: Catalog) -> dict[str, dict[str, Row]]:
    """A few deleted objects per deletable top-level table, as Stripe answers a retrieve of
    one (`{"id", "object", "deleted": true}`); lists never show them. Made last, so the
    rows before them do not depend on them."""
    out: dict[str, dict[str, Row]] = {}
    for table in catalog:
        if not table.deletable or table.parent is not None:
            continue
        n = b.count(10, 2) if table.name == "customers" else 1
        ids = [b.ids.new(table.object) for _ in range(n)]
        out[table.name] = {i: {"id": i, "object": table.object, "deleted": True} for i in ids}
    return out


def _hide_filter_only_fields(b: Builder, catalog: Catalog, all_rows: dict[str, list[Row]]) -> None:
    """Move fields Stripe's objects lack (`invoiceitems.created`) into relationships."""
    for table in catalog:
        hidden = [c.name for c in table.columns if c.filter_only]
        for row in all_rows[table.name] if hidden else ():
            for name in hidden:
                if name in row and (table.parent is None or name != table.parent.column):
                    b.relate(table.name, row["id"], name, row.pop(name))


def _rows_of(b: Builder, table: Table) -> list[Row]:
    if table.parent is None:
        return b.rows.get(table.name, [])
    return [r for rows in b.children.get(table.name, {}).values() for r in rows]


def _embed_lists(ds: Dataset) -> None:
    """Fill each embedded list (`invoice.lines` …) with the first 10 of its rows.

    The rows are the child table's rows under this parent, or, for a top-level table, its
    rows whose reference column points at this row (`invoice.payments` holds the
    `invoice_payments` of the invoice).
    """
    for table in ds.catalog:
        for column in table.columns:
            target = ds.catalog.get(column.embedded_list or "")
            if target is None or target.name == table.name:
                continue
            groups, url = _embedded_groups(ds, table, target)
            if groups is None:
                continue
            for row in ds[table.name]:
                current = row.get(column.name)
                if isinstance(current, dict) and row["id"] in str(current.get("url")):
                    continue  # a core generator already built it
                data = groups.get(row["id"], [])
                row[column.name] = {
                    "object": "list",
                    "data": data[:10],
                    "has_more": len(data) > 10,
                    "total_count": len(data),
                    "url": url.replace("{}", row["id"]),
                }


def _embedded_groups(
    ds: Dataset, table: Table, target: Table
) -> tuple[dict[str, list[Row]] | None, str]:
    parent = target.parent
    if parent is not None and parent.table == table.name:
        groups = {pid: coll.rows for pid, coll in ds.children.get(target.name, {}).items()}
        if parent.in_ == "query":
            return groups, f"{target.list_path}?{parent.param}={{}}"
        return groups, target.list_path.replace("{" + parent.param + "}", "{}")
    if parent is None:
        for f in target.filters:
            ref = target.column(f.column)
            if f.kind == "eq" and ref is not None and ref.references == table.name:
                grouped: dict[str, list[Row]] = {}
                for r in ds[target.name]:
                    if isinstance(r.get(f.column), str):
                        grouped.setdefault(r[f.column], []).append(r)
                return grouped, f"{target.list_path}?{f.param}={{}}"
    return None, ""


def _balance(b: Builder) -> Row:
    """GET /v1/balance: per currency, the net of the balance transactions that are
    available and of those still pending (every currency in both lists, as Stripe does)."""
    sums: dict[str, dict[str, int]] = {}
    for bt in b.rows.get("balance_transactions", []):
        by_status = sums.setdefault(bt["currency"], {"available": 0, "pending": 0})
        by_status[bt["status"]] += bt["net"]

    def entries(status: str) -> list[Row]:
        return [
            {"amount": s[status], "currency": c, "source_types": {"card": s[status]}}
            for c, s in sorted(sums.items())
        ]

    return {
        "object": "balance",
        "available": entries("available"),
        "livemode": False,
        "pending": entries("pending"),
    }


def _account(b: Builder) -> Row:
    """The account the sandbox's API keys belong to (GET /v1/account)."""
    acct = dict(fixture("account") or {"object": "account"})
    acct.update(
        id=f"acct_sandbox{b.seed_tag}",
        email="owner@sandbox.example.com",
        country="US",
        default_currency="usd",
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
        created=NOW - 3 * 365 * 86400,
        business_profile=dict(
            acct.get("business_profile") or {}, name="Sandbox Co", url="https://sandbox.example.com"
        ),
        metadata={},
    )
    return acct
