"""The Search API: predicates → one `query=` call, when the user opted in. Pure.

Search is eventually consistent (new objects can take a minute to appear), so it is used
only with UseSearch=true, and only when it narrows something the list calls leave to the
engine. Stripe's `:` is a case-insensitive match, so every clause is "widened": the engine
re-applies the exact predicate, and no LIMIT goes with it.
"""

from __future__ import annotations

import math
from dataclasses import replace

from sqlglot import exp

from stripe_dbapi.catalog.model import Table
from stripe_dbapi.query.calls import Calls, Exactness
from stripe_dbapi.query.plan import Call
from stripe_dbapi.query.pushdown import FLIP, UNKNOWN, column_of, comparable, constant, value_text
from stripe_dbapi.stripe_api import MAX_SEARCH_CLAUSES

NOTE = "Search API (UseSearch=true): eventually consistent, new objects can take a minute to appear"


def search_calls(
    table: Table,
    alias: str,
    predicates: list[exp.Expr],
    statuses: list[Exactness],
    calls: Calls,
    column_types: dict[str, str],
) -> tuple[Calls, list[Exactness]] | None:
    """One search call instead of `calls`, with each predicate's exactness; or None.

    Only in place of list calls whose rows carry no value of their own (a filter-only
    column or a parent key filled from the call): a search call has no such value, so
    those rows would read NULL and fail the engine's re-check.
    """
    if calls.kind != "list" or calls.fanout is not None or not table.search_path:
        return None
    if not table.search_fields or any(call.filled for call in calls.calls):
        return None
    types = dict(column_types)
    for name in table.search_fields:
        column = table.column(name)
        if column is not None:
            types.setdefault(name, column.type)
    clauses = search_clauses(predicates, alias, table.search_fields, types)
    chosen = {id(pred) for _, pred in clauses}
    gains = any(id(p) in chosen and s == "dropped" for p, s in zip(predicates, statuses))
    if not gains:
        return None
    query = " AND ".join(text for text, _ in clauses)
    # The includable columns the list calls expand are expanded on the search too
    # (`expand[]=data.<field>`): never a NULL where Stripe holds a value.
    expands = tuple(p for p in calls.calls[0].params if p[0] == "expand[]") if calls.calls else ()
    call = Call("search", table.search_path, (("query", query), *expands))
    searched = replace(calls, calls=(call,), kind="search", sent={}, notes=(NOTE,))
    new: list[Exactness] = ["widened" if id(p) in chosen else "dropped" for p in predicates]
    return searched, new


_SEARCH_OPS = {exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}


def search_clauses(
    predicates: list[exp.Expr], alias: str, fields: tuple[str, ...], column_types: dict[str, str]
) -> list[tuple[str, exp.Expr]]:
    """Search-query clauses (`email:'a@b.c'`, `created>=1767225600`, `metadata['k']:'v'`)
    for the predicates the Search API can narrow, each with the predicate it came from.

    Stripe's `:` is a case-insensitive match, so every clause selects a superset of the
    rows its predicate keeps; the engine re-applies the exact predicate.
    """
    out: list[tuple[str, exp.Expr]] = []
    for pred in predicates:
        clause = _search_clause(pred, alias, fields, column_types)
        if clause is not None and len(out) < MAX_SEARCH_CLAUSES:
            out.append((clause, pred))
    return out


def _search_clause(
    pred: exp.Expr, alias: str, fields: tuple[str, ...], column_types: dict[str, str]
) -> str | None:
    op = type(pred)
    if op not in FLIP or not isinstance(pred, exp.Binary):
        return None
    left, right = pred.left, pred.right
    key = _metadata_key(left, alias) if "metadata" in fields else None
    if key is None and "metadata" in fields:
        key = _metadata_key(right, alias)
        left, right = right, left
    if key is not None:
        value = constant(right)
        if op is exp.EQ and isinstance(value, str):
            return f"metadata[{_quote(key)}]:{_quote(value)}"
        return None
    name = column_of(pred.left, alias, column_types)
    other = pred.right
    if name is None:
        name, other, op = column_of(pred.right, alias, column_types), pred.left, FLIP[op]
    if name is None or name not in fields:
        return None
    value = comparable(constant(other), column_types[name])
    if value is UNKNOWN:
        return None
    if op is exp.EQ:
        if isinstance(value, bool):
            return f"{name}:{_quote(value_text(value))}"
        if isinstance(value, str):
            return f"{name}:{_quote(value)}"
        return f"{name}:{value_text(value)}" if float(value).is_integer() else None
    if isinstance(value, (str, bool)):
        return None
    bound = math.ceil(value) if op in (exp.GT, exp.GTE) else math.floor(value)
    if bound != value:  # a fractional bound on whole seconds: widen to the whole second
        symbol = ">=" if op in (exp.GT, exp.GTE) else "<="
    else:
        symbol = _SEARCH_OPS[op]
    return f"{name}{symbol}{int(bound)}"


def _metadata_key(node: exp.Expr, alias: str) -> str | None:
    """`k` for `metadata->>'k'` on this alias, else None."""
    if not isinstance(node, exp.JSONExtractScalar):
        return None
    column = node.this
    if not (isinstance(column, exp.Column) and column.name.lower() == "metadata"):
        return None
    if column.table and column.table != alias:
        return None
    path = node.expression
    parts = path.expressions if isinstance(path, exp.JSONPath) else []
    keys = [p for p in parts if not isinstance(p, exp.JSONPathRoot)]
    if len(keys) == 1 and isinstance(keys[0], exp.JSONPathKey) and isinstance(keys[0].this, str):
        return keys[0].this
    return None


def _quote(value: str) -> str:
    """A Search API string literal: single quotes, with `\\` and `'` escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
