"""The catalog's model: what a Stripe table is, read from the generated JSON file.

The catalog is data (docs/architecture.md, principle 2). `catalog.json` is written by
`tools/generate_catalog.py` and read here into frozen dataclasses; nothing in this module
knows a particular table. The driver, the sandbox, the SQLAlchemy dialect and the docs all
read the catalog through this model.

JSON layout (one object; `tables` is a list sorted by name)::

    {"api_version": "2026-10-28.endive",
     "tables": [{
        "name": "invoices_lines",            # list path after /v1/, "/" -> "_", {param} dropped
        "description": "...",
        "object": "line_item",               # the `object` value of its rows
        "list_path": "/v1/invoices/{invoice}/lines",
        "retrieve_path": null,               # e.g. "/v1/customers/{id}"; parent keys by column name
        "search_path": null,                 # e.g. "/v1/customers/search"
        "parent": {"table": "invoices", "column": "invoice", "param": "invoice", "in": "path"},
        "children": [],                      # tables whose parent is this table
        "columns": [{"name": "id", "type": "VARCHAR", "nullable": false,
                     "description": "...", "enum": null, "expand": null,
                     "references": null, "filter_only": false, "embedded_list": null}],
        "filters": [{"param": "created", "column": "created", "kind": "range"},
                    {"param": "customer", "column": "customer", "kind": "eq"}],
        "required": [],                      # list params Stripe requires (besides path params)
        "defaults": {},                      # scan defaults that change meaning: {"status": "all"}
        "polymorphic": false,                # rows come in several object shapes
        "notes": [],                         # what a user should know (hidden rows, gaps)
        "search_fields": []                  # fields the Search API query language accepts
     }]}

Column types are DuckDB type names: VARCHAR, BIGINT, DOUBLE, BOOLEAN, DECIMAL(38,12),
TIMESTAMP WITH TIME ZONE, JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FilterKind = Literal["eq", "range"]

SCHEMA = "stripe"  # the one schema every table lives in: the engine's and the dialect's
DIALECT = "duckdb"  # the SQL the column types are written in and the engine runs (sqlglot's name)

TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
DECIMAL = "DECIMAL(38,12)"
SQL_TYPES = ("VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", DECIMAL, TIMESTAMP, "JSON")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    `expand` lists the object types an expandable reference can expand to; `references`
    names the table whose `id` it holds (for joins and foreign keys). A `filter_only` column
    is a list parameter that is not a field of the object (for example
    `invoices.subscription`): rows carry the value the query's equality constrained it to,
    so the engine's re-check of the predicate holds; without such a constraint it is NULL.
    `embedded_list` names the child table holding the full list when Stripe truncates an
    embedded list (`invoices.lines` → `invoices_lines`).
    """

    name: str
    type: str
    nullable: bool = True
    description: str = ""
    enum: tuple[str, ...] | None = None
    expand: tuple[str, ...] | None = None
    references: str | None = None
    filter_only: bool = False
    embedded_list: str | None = None


@dataclass(frozen=True)
class Filter:
    """A list parameter the planner may send, and the column it narrows.

    kind "eq": `param=value` keeps rows whose column equals value (IN is one call per value).
    kind "range": `param[gt|gte|lt|lte]=n` and `param=n` on an integer or unix-time column.
    """

    param: str
    column: str
    kind: FilterKind = "eq"


@dataclass(frozen=True)
class Parent:
    """How a child table hangs off its parent.

    `in` is "path" when the parent id is part of the list path
    (`/v1/invoices/{invoice}/lines`), "query" when it is a required list parameter
    (`/v1/subscription_items?subscription=…`). `table` is None when there is no table to fan
    out from; a query must then give `column`.
    """

    table: str | None
    column: str
    param: str
    in_: Literal["path", "query"] = "path"


@dataclass(frozen=True)
class Table:
    """One Stripe list endpoint, exposed as a read-only table."""

    name: str
    object: str
    list_path: str
    columns: tuple[Column, ...]
    description: str = ""
    retrieve_path: str | None = None
    search_path: str | None = None
    parent: Parent | None = None
    children: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    required: tuple[str, ...] = ()
    defaults: Mapping[str, str] = field(default_factory=dict)
    polymorphic: bool = False
    notes: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()

    def column(self, name: str) -> Column | None:
        """The column called `name` (case-insensitive), or None."""
        return self._columns_by_name.get(name.lower())

    def filter_for(self, column: str) -> Filter | None:
        """The list parameter that narrows `column`, or None."""
        for f in self.filters:
            if f.column == column:
                return f
        return None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def _columns_by_name(self) -> dict[str, Column]:
        cached = self.__dict__.get("_by_name")
        if cached is None:
            cached = {c.name.lower(): c for c in self.columns}
            object.__setattr__(self, "_by_name", cached)
        return cached


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every table, by name, and the API version they describe (hashed by identity)."""

    api_version: str
    tables: Mapping[str, Table]

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables.values())

    def __len__(self) -> int:
        return len(self.tables)

    def get(self, name: str) -> Table | None:
        """The table called `name` (case-insensitive), or None."""
        return self.tables.get(name.lower())

    def by_object(self, object_type: str) -> Table | None:
        """The top-level table whose rows have `object == object_type`, or None."""
        for t in self.tables.values():
            if t.object == object_type and t.parent is None:
                return t
        return None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalog:
        return cls(
            api_version=data["api_version"],
            tables={t["name"]: _table(t) for t in data["tables"]},
        )

    @classmethod
    def load(cls, path: Path) -> Catalog:
        with path.open(encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))


def _tuple_or_none(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if value else None


def _table(t: Mapping[str, Any]) -> Table:
    parent = t.get("parent")
    return Table(
        name=t["name"],
        object=t["object"],
        list_path=t["list_path"],
        description=t.get("description", ""),
        retrieve_path=t.get("retrieve_path"),
        search_path=t.get("search_path"),
        parent=(
            Parent(
                table=parent.get("table"),
                column=parent["column"],
                param=parent["param"],
                in_=parent.get("in", "path"),
            )
            if parent
            else None
        ),
        children=tuple(t.get("children", ())),
        columns=tuple(
            Column(
                name=c["name"],
                type=c["type"],
                nullable=c.get("nullable", True),
                description=c.get("description", ""),
                enum=_tuple_or_none(c.get("enum")),
                expand=_tuple_or_none(c.get("expand")),
                references=c.get("references"),
                filter_only=c.get("filter_only", False),
                embedded_list=c.get("embedded_list"),
            )
            for c in t["columns"]
        ),
        filters=tuple(
            Filter(param=f["param"], column=f["column"], kind=f.get("kind", "eq"))
            for f in t.get("filters", ())
        ),
        required=tuple(t.get("required", ())),
        defaults=dict(t.get("defaults", {})),
        polymorphic=t.get("polymorphic", False),
        notes=tuple(t.get("notes", ())),
        search_fields=tuple(t.get("search_fields", ())),
    )
