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
                    {"param": "status", "column": "status", "kind": "eq",
                     "values": ["draft", "open"],    # what Stripe accepts (null: any)
                     "match": "exact",               # or "case_insensitive", "wildcard"
                     "null_column": null}],          # pending=true <=> invoice IS NULL
        "required": [],                      # list params Stripe requires (besides path params)
        "defaults": {},                      # scan defaults that change meaning: {"status": "all"}
        "hidden_by_default": {},             # param -> column values Stripe's list hides
                                             # when the param is not sent
        "scan_union": null,                  # {"param": "active", "values": [...], "why": ...}
        "paginated": true,                   # takes limit / starting_after / ending_before
        "single": null,                      # an endpoint of one object (GET /v1/balance):
                                             # {"unnest": [...], "kind_column": ..., "carry": [...]}
        "deletable": false,                  # deleted objects retrieve as {"deleted": true}
        "shared_ids": [],                    # ids that are names, the same under every parent
        "polymorphic": false,                # rows come in several object shapes
        "notes": [],                         # what a user should know (hidden rows, gaps)
        "search_fields": []                  # fields the Search API query language accepts
     }]}

A column may also carry `"includable": true`: Stripe leaves the field out of responses
unless it is expanded (`expand[]=data.<field>` on a list, `expand[]=<field>` on a retrieve).

Column types are DuckDB type names, spelled by the constants below (VARCHAR, BIGINT,
DOUBLE, BOOLEAN, DECIMAL(38,12), TIMESTAMP WITH TIME ZONE, JSON).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FilterKind = Literal["eq", "range"]
MatchMode = Literal["exact", "case_insensitive", "wildcard"]

SCHEMA = "stripe"  # the one schema every table lives in: the engine's and the dialect's
DIALECT = "duckdb"  # the SQL the column types are written in and the engine runs (sqlglot's name)

# The column types of the catalog (DuckDB type names). One spelling, used by the generator,
# the model and every reader, so a type is compared with a name, never a string literal.
VARCHAR = "VARCHAR"
BIGINT = "BIGINT"
DOUBLE = "DOUBLE"
BOOLEAN = "BOOLEAN"
JSON = "JSON"
TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
DECIMAL = "DECIMAL(38,12)"
SQL_TYPES = (VARCHAR, BIGINT, DOUBLE, BOOLEAN, DECIMAL, TIMESTAMP, JSON)


@dataclass(frozen=True)
class Column:
    """One column of a table.

    `expand` lists the object types an expandable reference can expand to; `references`
    names the table whose `id` it holds (for joins and foreign keys). A `filter_only` column
    is a list parameter that is not a field of the object (for example
    `invoices.subscription`): rows carry the value the query's equality constrained it to,
    so the engine's re-check of the predicate holds; without such a constraint it is NULL.
    `embedded_list` names the child table holding the full list when Stripe truncates an
    embedded list (`invoices.lines` → `invoices_lines`). An `includable` field is left out
    of Stripe's responses unless the request expands it (`customers.subscriptions` since
    API 2020-08-27): a scan that needs it must ask for it, else it reads as absent.
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
    includable: bool = False


@dataclass(frozen=True)
class Filter:
    """A list parameter the planner may send, and the column it narrows.

    kind "eq": `param=value` keeps rows whose column equals value (IN is one call per value).
    kind "range": `param[gt|gte|lt|lte]=n` and `param=n` on an integer or unix-time column.
    `column` is the returned field the parameter filters, which may be named otherwise
    (`invoiceitems?created=` filters the items' `date`).

    `values` are the values Stripe accepts for the parameter (the `Literal` of stripe-python's
    ListParams), None when any is. They are not the column's `enum`: an object may hold a
    value its list cannot filter on (`topups.status` can be `reversed`, the list's `status`
    cannot), and the list may take values no object holds (`subscriptions?status=all`).
    Sending any other value is a 400, so a predicate on one is left to the engine.

    `match` says how Stripe compares: "exact", "case_insensitive" (promotion codes' `code`)
    or "wildcard" (`events?type=charge.*`), as the parameter's documentation says.

    `null_column`, for a boolean parameter that tests a field for null rather than naming
    a value (`invoiceitems?pending=true` lists the items whose `invoice` is null): the
    column it tests; `true` keeps the rows where it is null, `false` the others.
    """

    param: str
    column: str
    kind: FilterKind = "eq"
    values: tuple[str, ...] | None = None
    match: MatchMode = "exact"
    null_column: str | None = None

    def accepts(self, value: str) -> bool:
        """Whether Stripe takes `value` (as sent, `true`/`false` for booleans) for this param."""
        return self.values is None or value in self.values


@dataclass(frozen=True)
class ScanUnion:
    """How to read a table whose unfiltered list leaves rows out and no single value of a
    parameter selects them all: one list call per value of `param`, rows de-duplicated by id
    (`prices`: `active=true` and `active=false`, because the plain list returns active
    prices only). `why` is the documentation that says so, for EXPLAIN and the docs.
    """

    param: str
    values: tuple[str, ...]
    why: str = ""


@dataclass(frozen=True)
class Single:
    """A table read from an endpoint that returns one object, not a list (`/v1/account`,
    `/v1/balance`): one GET with no list parameters, so no predicate or LIMIT reaches it.

    With no `unnest` the object is the table's one row. Otherwise each row is one entry
    of the object's arrays at the dotted `unnest` paths (`available`, `issuing.available`),
    with `kind_column` holding the path it came from and the object's `carry` fields
    (`livemode`) copied in; a missing array gives no rows.
    """

    unnest: tuple[str, ...] = ()
    kind_column: str | None = None
    carry: tuple[str, ...] = ()

    def rows(self, obj: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The table's rows of the object `obj`."""
        if not self.unnest:
            return [dict(obj)]
        carried = {name: obj.get(name) for name in self.carry}
        out: list[dict[str, Any]] = []
        for path in self.unnest:
            value: Any = obj
            for part in path.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            for entry in value if isinstance(value, list) else ():
                if isinstance(entry, Mapping):
                    row = {**carried, **entry}
                    if self.kind_column is not None:
                        row[self.kind_column] = path
                    out.append(row)
        return out


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
    """One Stripe list endpoint, exposed as a read-only table.

    `required` are the list parameters Stripe requires (path parameters aside); use
    `missing_required` to know which a request leaves out, counting a nested scan default
    (`scope[type]=account` gives `scope`). `hidden_by_default` maps a parameter to the
    column values Stripe's list leaves out when the parameter is not sent (subscriptions'
    `canceled`, prices' inactive ones); `defaults` or `scan_union` say how the driver reads
    the whole table anyway. `paginated` is False for the few lists that take no `limit`
    or cursors (`accounts_capabilities`, `reporting_report_types`): Stripe answers
    `parameter_unknown` to them, and one call returns every row. `deletable` tables keep
    deleted objects retrievable as `{"id", "object", "deleted": true}`, absent from lists.
    `shared_ids` are ids that are names, the same under every parent (capabilities).
    `single` marks a table whose endpoint (`list_path`) returns one object, not a list.
    """

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
    hidden_by_default: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scan_union: ScanUnion | None = None
    paginated: bool = True
    single: Single | None = None
    deletable: bool = False
    shared_ids: tuple[str, ...] = ()
    polymorphic: bool = False
    notes: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()

    def missing_required(self, sent: Iterable[str]) -> tuple[str, ...]:
        """The required params neither `sent` (names as sent, `scope[type]` counts for
        `scope`), the scan defaults, nor the parent key give (in the path, or per call for
        a query parameter, given by the query or fanned out over the parent table)."""
        given = {_base(name) for name in (*sent, *self.defaults)}
        if self.parent is not None:
            given.add(self.parent.param)
        return tuple(r for r in self.required if r not in given)

    def filter_by_param(self, param: str) -> Filter | None:
        """The filter sent as `param`, or None."""
        for f in self.filters:
            if f.param == param:
                return f
        return None

    @property
    def includable(self) -> tuple[str, ...]:
        """Names of the columns Stripe returns only when expanded."""
        return tuple(c.name for c in self.columns if c.includable)

    def column(self, name: str) -> Column | None:
        """The column called `name` (case-insensitive), or None."""
        return self._columns_by_name.get(name.lower())

    def filter_for(self, column: str) -> Filter | None:
        """The list parameter that narrows `column`, or None."""
        for f in self.filters:
            if f.column == column:
                return f
        return None

    def pushdown(self, column: str) -> str:
        """How a predicate on `column` reaches Stripe, as `describe` and docs/tables.md say
        it: `= / IN` or `range` (with the parameter when it has another name), the parent
        key of a child table, or "" when the engine alone applies it."""
        f = self.filter_for(column)
        how = {"eq": "= / IN", "range": "range"}[f.kind] if f else ""
        if f and f.param != column:
            how += f" (as `{f.param}`)"
        if self.parent and self.parent.column == column:
            how = how or ("= / IN (parent key)" if self.parent.in_ == "path" else "= / IN")
        return how

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
        """The top-level list table whose rows have `object == object_type`, or None
        (`accounts`, not the single-object `account`)."""
        for t in self.tables.values():
            if t.object == object_type and t.parent is None and t.single is None:
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


def _base(param: str) -> str:
    """`scope[type]` → `scope`."""
    return param.split("[", 1)[0]


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
                includable=c.get("includable", False),
            )
            for c in t["columns"]
        ),
        filters=tuple(
            Filter(
                param=f["param"],
                column=f["column"],
                kind=f.get("kind", "eq"),
                values=None if f.get("values") is None else tuple(f["values"]),
                match=f.get("match", "exact"),
                null_column=f.get("null_column"),
            )
            for f in t.get("filters", ())
        ),
        required=tuple(t.get("required", ())),
        defaults=dict(t.get("defaults", {})),
        hidden_by_default={k: tuple(v) for k, v in t.get("hidden_by_default", {}).items()},
        scan_union=(
            ScanUnion(union["param"], tuple(union["values"]), union.get("why", ""))
            if (union := t.get("scan_union"))
            else None
        ),
        paginated=t.get("paginated", True),
        single=(
            Single(
                tuple(single.get("unnest", ())),
                single.get("kind_column"),
                tuple(single.get("carry", ())),
            )
            if (single := t.get("single")) is not None
            else None
        ),
        deletable=t.get("deletable", False),
        shared_ids=tuple(t.get("shared_ids", ())),
        polymorphic=t.get("polymorphic", False),
        notes=tuple(t.get("notes", ())),
        search_fields=tuple(t.get("search_fields", ())),
    )
