"""Queries the driver answers from their scan's pages without the engine. Pure.

`SELECT * FROM charges WHERE customer = ?` asks the engine for nothing but the scan's
columns and an equality it re-applies; yet a DuckDB query costs 5–8 ms to bind and run
whatever its input's size (measured with DuckDB 2.0.1 on a 48-column page), four times the
request it answers (issue #15). A query of that shape — plain columns of one scan that
needs no cast, under an AND of `column = literal`, `column IN (literals)` and `column IS
[NOT] NULL` whose literals have the column's own type — gets a `Direct` record: the engine
binds its projection once over no rows, for the names and types it would give, and each
page is then filtered and projected in Arrow (engine.py).

By positive proof only, as a page-by-page run is chosen: anything else — a function, a
cast, a comparison other than equality, a literal of another type, a JSON or timestamp
column in a filter, `* EXCLUDE` — leaves the query to the engine. The filters are still
re-applied to every row (principle 1), with Arrow's equality, which for text, integers
and booleans is the engine's. `Pushdown=false`, the fuzzer's reference, never uses it.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from stripe_dbapi.catalog.model import DIALECT, Table
from stripe_dbapi.query.plan import Direct, DirectFilter, Scan

INT64 = (-(2**63), 2**63 - 1)
# The catalog types a filter may compare, and the Python type of their literals.
_LITERAL_TYPES: dict[str, type] = {"VARCHAR": str, "BIGINT": int, "BOOLEAN": bool}
_LITERAL_MISSING = object()


def direct_form(tree: exp.Expr, scan: Scan, table: Table) -> Direct | None:
    """The Direct record of `tree`, the engine's SQL over the one scan `scan` (its table
    reference already replaced by the scan's stream), or None when the engine must run it."""
    if not isinstance(tree, exp.Select):
        return None
    if any(value for key, value in tree.args.items() if key not in _ARGS):
        return None
    source = tree.args.get("from_") or tree.args.get("from")
    relation = source.this if isinstance(source, exp.From) else None
    if not isinstance(relation, exp.Table) or relation.name != scan.stream_name:
        return None  # a casting projection (decimals), or not the scan at all
    alias = relation.alias_or_name.lower()
    columns = {name.lower(): name for name in scan.columns}
    sources: list[str] = []
    for expression in tree.expressions:
        picked = _projected(expression, alias, columns, scan.columns)
        if picked is None:
            return None
        sources.extend(picked)
    filters: list[DirectFilter] = []
    where = tree.args.get("where")
    if where is not None:
        for condition in _conjuncts(where.this):
            found = _filter(condition, alias, columns, table)
            if found is None:
                return None
            filters.append(found)
    return Direct(scan.table, _shape_sql(tree), tuple(sources), tuple(filters))


# A value of each literal type that stands for every other in the shape's WHERE.
_STAND_INS = {str: "''", int: "0", bool: "TRUE"}


def _shape_sql(tree: exp.Select) -> str:
    """The query with each filter literal replaced by a stand-in of its type: the engine
    binds it over no rows, so it resolves every name of the WHERE as well as of the
    projection (its rules, not ours: `"ä".paid` does not name `"Ä"`) and rejects what it
    would reject, while one binding serves every value of the same filters."""
    shape = tree.copy()
    where = shape.args.get("where")
    if where is not None:
        for node in list(where.find_all(exp.Literal, exp.Boolean)):
            if isinstance(node.parent, exp.Neg):
                node = node.parent
            value = _literal(node)
            if value is not _LITERAL_MISSING:
                node.replace(exp.maybe_parse(_STAND_INS[type(value)], dialect=DIALECT))
    return shape.sql(DIALECT)


_ARGS = {"expressions", "from_", "from", "where"}


def _projected(
    node: exp.Expr, alias: str, columns: dict[str, str], stream: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The scan columns one select item outputs, in order; None for anything else."""
    if isinstance(node, exp.Alias):
        inner = node.this
        if isinstance(inner, exp.Column) and not isinstance(inner.this, exp.Star):
            return _projected(inner, alias, columns, stream)
        return None
    if isinstance(node, exp.Star):
        return stream if not any(node.args.values()) else None
    if isinstance(node, exp.Column):
        if node.args.get("db") or node.args.get("catalog"):
            return None
        if node.table and node.table.lower() != alias:
            return None
        if isinstance(node.this, exp.Star):
            return stream if not any(node.this.args.values()) else None
        name = columns.get(node.name.lower())
        return None if name is None else (name,)
    return None


def _conjuncts(node: exp.Expr) -> Iterator[exp.Expr]:
    """The AND-ed conditions of a WHERE, left to right; without recursion, since a
    generated query may AND a thousand of them (a chain that deep)."""
    stack = [node]
    while stack:
        node = stack.pop()
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.And):
            stack.extend((node.right, node.left))
        else:
            yield node


def _filter(
    node: exp.Expr, alias: str, columns: dict[str, str], table: Table
) -> DirectFilter | None:
    """One conjunct as a DirectFilter, or None when only the engine may evaluate it."""
    negated = isinstance(node, exp.Not)
    if negated:
        node = node.this
        while isinstance(node, exp.Paren):
            node = node.this
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        name = _column(node.this, alias, columns)
        if name is None:
            return None
        return DirectFilter(name, "not_null" if negated else "null")
    if negated:
        return None
    if isinstance(node, exp.EQ):
        left, right = node.this, node.expression
        if not isinstance(left, exp.Column):
            left, right = right, left
        pair: tuple[exp.Expr, list[exp.Expr]] = (left, [right])
    elif isinstance(node, exp.In) and node.expressions and not node.args.get("query"):
        if node.args.get("unnest") or node.args.get("field"):
            return None
        pair = (node.this, list(node.expressions))
    else:
        return None
    name = _column(pair[0], alias, columns)
    if name is None:
        return None
    column = table.column(name)
    wanted = _LITERAL_TYPES.get(column.type) if column is not None else None
    if wanted is None:
        return None
    values: list[str | int | bool] = []
    for item in pair[1]:
        value = _literal(item)
        if type(value) is not wanted or not isinstance(value, (str, int)):
            return None
        values.append(value)
    return DirectFilter(name, "in", tuple(values))


def _column(node: exp.Expr, alias: str, columns: dict[str, str]) -> str | None:
    if not isinstance(node, exp.Column) or isinstance(node.this, exp.Star):
        return None
    if node.args.get("db") or node.args.get("catalog"):
        return None
    if node.table and node.table.lower() != alias:
        return None
    return columns.get(node.name.lower())


def _literal(node: exp.Expr) -> object:
    """A string, integer (within BIGINT) or boolean literal's value; a marker otherwise."""
    negative = isinstance(node, exp.Neg)
    if negative:
        node = node.this
    if isinstance(node, exp.Boolean) and not negative:
        return bool(node.this)
    if not isinstance(node, exp.Literal):
        return _LITERAL_MISSING
    if node.is_string:
        return _LITERAL_MISSING if negative else node.this
    text = node.this
    if not (text.isascii() and text.isdigit()):
        return _LITERAL_MISSING  # 1.5, 1e3, 0x10: the engine compares those
    value = -int(text) if negative else int(text)
    return value if INT64[0] <= value <= INT64[1] else _LITERAL_MISSING
