"""Bounds on a table's columns → the Stripe calls of one scan, and what they express. Pure.

This is where Stripe's request shapes live: list paths with their parent key, `param=v`
and `param[gte]=n`, one call per IN value, retrieves by id, fan-out over a parent table,
scan defaults, required parameters. It follows the catalog's record of Stripe's contract:
no `limit` where a list takes none (`Table.paginated`), only values a parameter accepts
(`Filter.values`; any other is left to the engine), required parameters counted as given
by scan defaults (`Table.missing_required`), one call per value of a `scan_union`
(`prices`: active and inactive), `expand[]` for the includable columns a scan reads
(`Column.includable`), and the one parameterless GET of a single-object endpoint
(`Table.single`: `/v1/balance`, every predicate and LIMIT left to the engine). `build`
returns a frozen `Calls` value that records, for every constrained column, how *every*
call of the scan expresses it:

- "exact": each call sends the column's whole constraint, so each call's rows are exactly
  the rows that satisfy it (the column may be filled from the call's own parameters);
- "widened": each call sends a weaker condition (a superset of the rows);
- "dropped": at least one call does not send it, and the engine alone applies it.

The planner reads only this record to decide whether LIMIT may go to Stripe and whether
the engine may trust a filled value (docs/architecture.md, principle 8).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import quote

from stripe_dbapi.catalog.model import Catalog, Table
from stripe_dbapi.exceptions import ProgrammingError
from stripe_dbapi.query import pushdown
from stripe_dbapi.query.plan import Call, FanOut, Scan
from stripe_dbapi.stripe_api import MAX_CALLS, addressable

Exactness = Literal["exact", "widened", "dropped"]
CallsKind = Literal["none", "retrieve", "list", "search", "object"]
Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Calls:
    """The calls of one scan (or its fan-out) and how they express each column's bounds."""

    calls: tuple[Call, ...] = ()
    fanout: FanOut | None = None
    kind: CallsKind = "none"
    sent: Mapping[str, Exactness] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def exactness(self, column: str | None) -> Exactness:
        """How every call expresses the bounds of `column` (lower-cased); "dropped" if unsent."""
        if column is None:
            return "dropped"
        return self.sent.get(column, "dropped")


def build(
    table: Table,
    catalog: Catalog,
    bounds: dict[str, pushdown.Bounds],
    columns: tuple[str, ...] = (),
) -> Calls:
    """The fewest calls that cover `bounds`, with no LIMIT (see `with_limit`).

    `columns` are those the scan reads: the includable ones among them are expanded.
    """
    if any(b.empty for b in bounds.values()):
        sent: dict[str, Exactness] = dict.fromkeys(bounds, "exact")
        return Calls(kind="none", sent=sent, notes=("no row can match: no Stripe call",))
    if table.single is not None:
        # One object, no list parameters: nothing the query says can reach Stripe.
        note = f"one object: GET {table.list_path}, every predicate applied by the engine"
        return Calls((Call("object", table.list_path),), kind="object", notes=(note,))
    includes = tuple(c for c in table.includable if c in columns)
    retrieve = _retrieve_calls(table, bounds, includes, columns)
    if retrieve is not None:
        return retrieve
    return _list_calls(table, catalog, bounds, includes)


def _expand(includes: tuple[str, ...], on_list: bool) -> Params:
    """`expand[]` for includable fields: `data.<field>` on a list, `<field>` on a retrieve."""
    return [("expand[]", f"data.{c}" if on_list else c) for c in includes]


def with_limit(calls: Calls, max_rows: int) -> Calls:
    """`calls` asking Stripe for at most `max_rows` rows each.

    Only for a scan whose every predicate is exact in every call: each call's newest
    `max_rows` rows then hold the newest `max_rows` rows of the scan. Pages read in
    sequence are the fewest requests for that, so time slices and embedded lists go.
    """
    if max_rows == 0:
        return Calls(kind="none", sent=calls.sent, notes=(*calls.notes, "LIMIT 0: no Stripe call"))
    limited = tuple(
        c if c.kind in ("retrieve", "object") else _limited(c, max_rows) for c in calls.calls
    )
    fanout = calls.fanout
    if fanout is not None:
        fanout = replace(fanout, template=_limited(fanout.template, max_rows), embedded=None)
    return replace(calls, calls=limited, fanout=fanout)


def _limited(call: Call, max_rows: int) -> Call:
    return replace(call, max_rows=max_rows, slice=None)


# -- retrieves ---------------------------------------------------------------------------------


def _retrieve_calls(
    table: Table,
    bounds: dict[str, pushdown.Bounds],
    includes: tuple[str, ...],
    columns: tuple[str, ...],
) -> Calls | None:
    """One retrieve per id (and parent key, when the path needs one), or None.

    None too when a filter-only column the retrieve cannot fill is constrained, or is a
    parent key the scan reads: a retrieve returns no value for it, only a list call with
    its parameter (or a fan-out over the parent) does, so the ids go to the engine then.
    """
    ids = _values(bounds, "id")
    path = table.retrieve_path
    if ids is None or path is None or len(ids) > MAX_CALLS:
        return None
    parent = table.parent
    in_path = parent.column.lower() if parent and "{" + parent.column + "}" in path else None
    for name in bounds:
        column = table.column(name)
        if column is not None and column.filter_only and name != in_path:
            return None
    if parent is not None and in_path is None:
        column = table.column(parent.column)
        read = {c.lower() for c in columns}
        if column is not None and column.filter_only and parent.column.lower() in read:
            return None
    keys: list[Any] = [None]
    sent: dict[str, Exactness] = {"id": "exact"}
    if parent is not None and "{" + parent.column + "}" in path:
        parents = _values(bounds, parent.column)
        if parents is None or len(parents) * len(ids) > MAX_CALLS:
            return None
        keys = sorted(parents, key=str)
        sent[parent.column.lower()] = "exact"
    calls = []
    for key in keys:
        for object_id in sorted(ids, key=str):
            filled = path.replace("{id}", quote(str(object_id), safe=""))
            fill: tuple[tuple[str, str], ...] = ()
            if key is not None and parent is not None:
                filled = filled.replace("{" + parent.column + "}", quote(str(key), safe=""))
                fill = ((parent.column, str(key)),)
            calls.append(Call("retrieve", filled, tuple(_expand(includes, False)), None, fill))
    return Calls(tuple(calls), kind="retrieve", sent=sent)


# -- lists -------------------------------------------------------------------------------------


@dataclass
class _ListParams:
    """What one list call of the scan sends besides its parent key."""

    fixed: Params = field(default_factory=list)
    expansions: list[tuple[str, list[str]]] = field(default_factory=list)  # IN lists
    sent: dict[str, Exactness] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    impossible: bool = False  # a constraint no call can express matches no row

    def choices(self) -> list[Params]:
        """One parameter list per call: the product of the expanded IN lists."""
        lists = [[(param, v) for v in values] for param, values in self.expansions]
        return [list(combo) for combo in itertools.product(*lists)]


def _list_calls(
    table: Table,
    catalog: Catalog,
    bounds: dict[str, pushdown.Bounds],
    includes: tuple[str, ...],
) -> Calls:
    params = _list_params(table, bounds)
    if params is None or params.impossible:
        sent: dict[str, Exactness] = dict.fromkeys(bounds, "exact")
        note = "the ranges cannot all hold: no Stripe call"
        if params is not None:
            note = f"{params.notes[-1]}: no Stripe call"
        return Calls(kind="none", sent=sent, notes=(note,))
    parent = table.parent
    parent_values = _values(bounds, parent.column) if parent is not None else None
    if parent_values is not None and len(parent_values) * len(params.choices()) > MAX_CALLS:
        _drop_expansions(table, params, len(parent_values))
    too_many = parent_values is not None and len(parent_values) * len(params.choices()) > MAX_CALLS
    if (
        parent is not None
        and parent_values is not None
        and too_many
        and can_fan_out(table, catalog)
    ):
        params.notes.append(
            f"{parent.column} IN ({len(parent_values)} values) left to the engine: more than "
            f"{MAX_CALLS} calls; fan-out over {parent.table} instead"
        )
        parent_values = None
    if parent is not None and parent_values is None:
        return _fanout(table, catalog, params, includes)
    keys = sorted(parent_values, key=str) if parent_values is not None else [None]
    if parent is not None and parent.in_ == "path" and parent_values is not None:
        # A key such as '' or '..' names no object: no parent, no rows (and such a path
        # would read another endpoint's rows; the client never sends one).
        keys = [k for k in keys if _names_an_object(k)]
        if not keys:
            sent = dict.fromkeys(bounds, "exact")
            note = f"no {parent.column} of the query names an object: no Stripe call"
            return Calls(kind="none", sent=sent, notes=(note,))
    choices = params.choices()
    if len(keys) * len(choices) > MAX_CALLS:
        raise ProgrammingError(
            f"The query asks for {len(keys) * len(choices)} separate Stripe list calls on "
            f"`{table.name}`; narrow the IN lists (at most {MAX_CALLS})."
        )
    calls = []
    for key in keys:
        for combo in choices:
            path, extra, extra_fill = _path_for(table, key)
            calls.append(
                Call(
                    "list",
                    path,
                    tuple(params.fixed + extra + combo + _expand(includes, True)),
                    None,
                    tuple(_fills(table, params.fixed) + extra_fill + _fills(table, combo)),
                    _slice_param(table),
                    table.paginated,
                )
            )
    if parent is not None and parent_values is not None:
        params.sent[parent.column.lower()] = "exact"
    return Calls(tuple(calls), kind="list", sent=params.sent, notes=tuple(params.notes))


def _list_params(table: Table, bounds: dict[str, pushdown.Bounds]) -> _ListParams | None:
    """Fixed params, the IN lists to expand, and each column's exactness; None: no row."""
    out = _ListParams()
    parent_param = table.parent.param if table.parent else None
    sent_params: set[str] = set()
    for f in table.filters:
        if f.param == parent_param:
            continue  # the parent key goes in the path or per call (see _path_for)
        name = f.column.lower()
        b = bounds.get(name)
        if b is None or name in out.sent:
            continue
        if f.kind == "range" and b.values is None:
            ranges = pushdown.integer_range(b)
            if ranges is None:
                return None
            out.fixed.extend((f"{f.param}[{op}]", str(value)) for op, value in ranges)
            if ranges:
                sent_params.add(f.param)
                out.sent[name] = "exact"
            continue
        if b.values is None:
            continue  # a range on an equality-only parameter: the engine applies it
        kept = b.values
        if f.kind == "range":
            # Range parameters filter whole numbers (unix seconds): a fractional value
            # can never be equal to one.
            kept = {v for v in kept if float(v).is_integer()}
            if not kept:
                return None
        values = sorted((pushdown.value_text(v) for v in kept), key=str)
        refused = [v for v in values if not f.accepts(v)]
        if refused and _is_filter_only(table, f.param):
            # Rows carry the value their call was listed with, and no call can be listed
            # with a value Stripe does not take: such a value matches no row.
            values = [v for v in values if f.accepts(v)]
            out.notes.append(
                f"{f.column} = '{refused[0]}' matches no row: Stripe's `{f.param}` takes "
                f"only {', '.join(f.values or ())}"
            )
            if not values:
                out.impossible = True
                return out
        elif refused:
            # Stripe answers 400 to a value its list does not take: the list is read
            # without this filter (a superset) and the engine applies the predicate.
            out.sent[name] = "dropped"
            out.notes.append(
                f"{f.column} = '{refused[0]}' left to the engine: Stripe's `{f.param}` "
                f"takes only {', '.join(f.values or ())}"
            )
            continue
        if len(values) == 1:
            out.fixed.append((f.param, values[0]))
        elif len(values) > MAX_CALLS:
            out.notes.append(
                f"{f.column} IN ({len(values)} values) left to the engine: more than "
                f"{MAX_CALLS} calls"
            )
            continue
        else:
            out.expansions.append((f.param, values))
        sent_params.add(f.param)
        out.sent[name] = "exact"
    _drop_expansions(table, out, 1)
    for name, default in table.defaults.items():
        if name not in sent_params:
            out.fixed.append((name, default))
            out.notes.append(f"scan default {name}={default}")
    union = table.scan_union
    if union is not None and union.param not in sent_params:
        # Stripe's plain list hides rows no single value shows: one call per value, the
        # scan's rows de-duplicated by id.
        out.expansions.append((union.param, list(union.values)))
        out.notes.append(
            "union of "
            + " and ".join(f"{union.param}={v}" for v in union.values)
            + f": {union.why}"
        )
    missing = table.missing_required(sent_params)
    if missing:
        columns = ", ".join(f"`{_column_for(table, r)}`" for r in missing)
        raise ProgrammingError(
            f"Stripe needs {columns} to list `{table.name}`: add "
            f"WHERE {_column_for(table, missing[0])} = … to the query."
        )
    return out


def _drop_expansions(table: Table, params: _ListParams, keys: int) -> None:
    """Keep the IN lists' product within MAX_CALLS calls (times `keys` parent keys).

    A filter-only column's rows carry the value of their call, so its IN list must be
    expanded; of the others, the first one is, and the rest go to the engine while the
    product is too large or a second one would multiply the calls.
    """
    must = [e for e in params.expansions if _is_filter_only(table, e[0]) or _is_union(table, e[0])]
    may = [e for e in params.expansions if e not in must]
    kept = list(must)
    for expansion in may:
        product = keys * len(expansion[1])
        for _, values in kept:
            product *= len(values)
        if (len(kept) - len(must)) < 1 and product <= MAX_CALLS:
            kept.append(expansion)
            continue
        column = _column_for(table, expansion[0])
        params.sent[column.lower()] = "dropped"
        params.notes.append(f"IN on {column} left to the engine (one IN list is expanded)")
    params.expansions = [e for e in params.expansions if e in kept]


def _is_union(table: Table, param: str) -> bool:
    return table.scan_union is not None and table.scan_union.param == param


def _names_an_object(key: Any) -> bool:
    """False for a key that cannot be a path segment naming an object ('', '.', '..')."""
    return addressable("/" + quote(str(key), safe=""))


def _values(bounds: Mapping[str, pushdown.Bounds], column: str) -> set[Any] | None:
    b = bounds.get(column.lower())
    return b.values if b is not None else None


def _column_for(table: Table, param: str) -> str:
    for f in table.filters:
        if f.param == param:
            return f.column
    return param


def _is_filter_only(table: Table, param: str) -> bool:
    column = table.column(_column_for(table, param))
    return bool(column and column.filter_only)


def _fills(table: Table, params: Params) -> list[tuple[str, str]]:
    """The filter-only columns `params` set, as (column, value): rows carry them."""
    return [(_column_for(table, p), v) for p, v in params if _is_filter_only(table, p)]


def _path_for(table: Table, key: Any) -> tuple[str, Params, list[tuple[str, str]]]:
    parent = table.parent
    if parent is None or key is None:
        return table.list_path, [], []
    text = str(key)
    if parent.in_ == "path":
        path = table.list_path.replace("{" + parent.param + "}", quote(text, safe=""))
        return path, [], [(parent.column, text)]
    return table.list_path, [(parent.param, text)], [(parent.column, text)]


# -- fan-out -----------------------------------------------------------------------------------


def can_fan_out(table: Table, catalog: Catalog) -> bool:
    """True when a child table can be read through its parent table (a fan-out)."""
    parent = table.parent
    return parent is not None and parent.table is not None and catalog.get(parent.table) is not None


def _fanout(
    table: Table, catalog: Catalog, params: _ListParams, includes: tuple[str, ...]
) -> Calls:
    """One child call per parent row: the parent scanned whole, its ids put in the template."""
    parent = table.parent
    assert parent is not None
    if not can_fan_out(table, catalog):
        raise ProgrammingError(
            f"Stripe lists `{table.name}` only for one `{parent.column}` at a time: "
            f"add WHERE {parent.column} = … to the query."
        )
    assert parent.table is not None
    parent_table = catalog.tables[parent.table]
    in_path = parent.in_ == "path"
    path = (
        table.list_path.replace("{" + parent.param + "}", "{key}") if in_path else table.list_path
    )
    extra = [] if in_path else [(parent.param, "{key}")]
    choices = params.choices()
    if len(choices) > 1:
        # One template per fan-out: an expanded IN list would multiply every parent's call.
        for param, _ in params.expansions:
            if _is_union(table, param):
                raise ProgrammingError(
                    f"`{table.name}` is read as a union of calls and has no single call to "
                    f"fan out over {parent.table}; give `{parent.column}`."
                )
            column = _column_for(table, param)
            if _is_filter_only(table, param):
                raise ProgrammingError(
                    f"`{table.name}.{column}` IN (…) with a fan-out over {parent.table} would "
                    f"need one call per value and {parent.table} row; give `{parent.column}` "
                    "or one value."
                )
            params.sent[column.lower()] = "dropped"
        params.expansions = []
        choices = [[]]
    template = Call(
        "list",
        path,
        tuple(params.fixed + extra + choices[0] + _expand(includes, True)),
        None,
        tuple(_fills(table, params.fixed) + _fills(table, choices[0])),
        _slice_param(table),
        table.paginated,
    )
    unfiltered = not params.fixed and not choices[0]
    embedded = _embedded_field(parent_table, table) if unfiltered else None
    parent_scan = Scan(
        index=-1,
        table=parent_table.name,
        alias=parent_table.name,
        columns=("id",),
        calls=_whole_table_calls(parent_table, embedded),
    )
    fanout = FanOut(parent_scan, template, parent.param, in_path, parent.column, embedded)
    return Calls(fanout=fanout, kind="list", sent=params.sent, notes=tuple(params.notes))


def _whole_table_calls(table: Table, embedded: str | None) -> tuple[Call, ...]:
    """The calls that read every row of `table` (a fan-out's parent): its scan defaults,
    one call per value of its `scan_union`, and `expand[]` of the `embedded` child list
    when Stripe returns it only expanded (`charges.refunds`)."""
    fixed: Params = list(table.defaults.items())
    if embedded is not None and table.column(embedded) is not None and embedded in table.includable:
        fixed += _expand((embedded,), True)
    union = table.scan_union
    combos: list[Params] = [[(union.param, v)] for v in union.values] if union else [[]]
    return tuple(
        Call(
            "list",
            table.list_path,
            tuple(fixed + combo),
            slice=_slice_param(table),
            paginated=table.paginated,
        )
        for combo in combos
    )


def _slice_param(table: Table) -> str | None:
    """`created` when a list of `table` may be read in parallel time slices (no LIMIT); never
    for a list that takes no cursor."""
    if not table.paginated:
        return None
    for f in table.filters:
        if f.kind == "range" and f.param == "created" and f.column == "created":
            return "created"
    return None


def _embedded_field(parent: Table, child: Table) -> str | None:
    """The parent's column embedding the first items of `child`'s list, if any.

    Only for an unfiltered fan-out: an embedded list holds the child's items unfiltered,
    in the same object shape as the child endpoint's (invoice.lines items are the
    `line_item` objects /v1/invoices/{id}/lines lists; subscription.items the
    `subscription_item` objects of /v1/subscription_items).
    """
    for column in parent.columns:
        if column.embedded_list == child.name:
            return column.name
    return None
