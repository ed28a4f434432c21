"""Predicates → per-column constraints a Stripe list call can honour. Pure.

Only conjuncts of a scope's WHERE (and of its inner joins' ON) are considered, and of
those only comparisons of one column with constants: `=`, `IN`, `<`, `<=`, `>`, `>=`,
`BETWEEN`. These are null-rejecting, so narrowing the scan to rows that satisfy them never
drops a row of the result, even on the inner side of a join. OR, NOT, functions of
columns and anything else is left to the engine, which re-applies every predicate anyway
(docs/architecture.md, principle 1).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from stripe_dbapi.catalog.model import TIMESTAMP

_UNKNOWN = object()


@dataclass
class Bounds:
    """What the query says about one column: allowed values and a range.

    `values` None means any value; an empty set means no row can match.
    Range ends are stored as (value, inclusive).
    """

    values: set[Any] | None = None
    low: tuple[float, bool] | None = None
    high: tuple[float, bool] | None = None
    texts: list[str] = field(default_factory=list)

    def restrict_values(self, new: set[Any]) -> None:
        self.values = set(new) if self.values is None else self.values & set(new)

    def restrict_low(self, value: float, inclusive: bool) -> None:
        if self.low is None or value > self.low[0] or (value == self.low[0] and not inclusive):
            self.low = (value, inclusive)

    def restrict_high(self, value: float, inclusive: bool) -> None:
        if self.high is None or value < self.high[0] or (value == self.high[0] and not inclusive):
            self.high = (value, inclusive)


def conjuncts(select: exp.Select) -> list[exp.Expr]:
    """The AND-ed parts of a SELECT's WHERE and of its inner joins' ON conditions."""
    parts: list[exp.Expr] = []
    where = select.args.get("where")
    if where is not None:
        parts.extend(split_and(where.this))
    for join in select.args.get("joins") or ():
        side = (join.side or "").upper()
        kind = (join.kind or "").upper()
        if side or kind in ("ANTI", "SEMI", "ASOF"):
            continue  # an outer join's ON does not filter the preserved side
        on = join.args.get("on")
        if on is not None:
            parts.extend(split_and(on))
    return parts


def split_and(node: exp.Expr) -> list[exp.Expr]:
    """The AND-ed parts of `node`, parentheses looked through, in written order."""
    # A loop, not recursion: `a AND b AND …` nests one level per AND, and a generated
    # WHERE with thousands of them would otherwise exceed Python's recursion limit.
    parts: list[exp.Expr] = []
    stack = [node]
    while stack:
        node = stack.pop()
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.And):
            stack.extend((node.right, node.left))
        else:
            parts.append(node)
    return parts


def constant(node: exp.Expr) -> Any:
    """The Python value of a constant expression, or `_UNKNOWN`."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return _UNKNOWN
    if isinstance(node, exp.Neg):
        inner = constant(node.this)
        return (
            -inner if isinstance(inner, (int, float)) and not isinstance(inner, bool) else _UNKNOWN
        )
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.UnixToTime) and not node.args.get("scale"):
        seconds = constant(node.this)
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
            try:
                return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
            except (OverflowError, OSError, ValueError):
                return _UNKNOWN
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
        to = node.to
        text = node.this.this
        if to.is_type(exp.DType.DATE):
            return _parse_date(text)
        if to.is_type(exp.DType.TIMESTAMP, exp.DType.TIMESTAMPNTZ):
            value = _parse_datetime(text)
            return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else _UNKNOWN
        if to.is_type(exp.DType.TIMESTAMPTZ):
            return _parse_datetime(text)
        if to.is_type(exp.DType.VARCHAR, exp.DType.TEXT):
            return text
    return _UNKNOWN


def _parse_date(text: str) -> Any:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return _UNKNOWN


def _parse_datetime(text: str) -> Any:
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return _UNKNOWN


def epoch_seconds(value: Any) -> float | None:
    """A timestamp-ish constant as unix seconds, the way the engine would compare it.

    Naive datetimes and dates are UTC because the engine runs with TimeZone=UTC.
    """
    if isinstance(value, str):
        value = _parse_datetime(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).timestamp()
    return None


def comparable(value: Any, sql_type: str) -> Any:
    """A constant converted to what a column of `sql_type` holds, or `_UNKNOWN`.

    Timestamps become unix seconds (a float when the constant has a fraction), integers
    stay numbers, strings stay strings; a value the engine would compare differently
    (an integer against a VARCHAR column, say) is `_UNKNOWN` and is not pushed.
    """
    if value is _UNKNOWN or value is None:
        return _UNKNOWN
    if sql_type == TIMESTAMP:
        seconds = epoch_seconds(value)
        return _UNKNOWN if seconds is None else seconds
    if sql_type == "BIGINT":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _UNKNOWN
        return value
    if sql_type == "BOOLEAN":
        return value if isinstance(value, bool) else _UNKNOWN
    if sql_type == "VARCHAR":
        return value if isinstance(value, str) else _UNKNOWN
    return _UNKNOWN


def collect(
    predicates: list[exp.Expr], alias: str, column_types: dict[str, str]
) -> tuple[dict[str, Bounds], list[exp.Expr]]:
    """Bounds per column of `alias` from `predicates`, and the predicates left unused.

    `column_types` maps the lower-cased names of the columns that may be pushed to their
    catalog types. A predicate is used when it compares one of those columns with a
    constant exactly as the engine would.
    """
    bounds: dict[str, Bounds] = {}
    rest: list[exp.Expr] = []
    for pred in predicates:
        if not _absorb(pred, alias, column_types, bounds):
            rest.append(pred)
    return bounds, rest


def _column_of(node: exp.Expr, alias: str, column_types: dict[str, str]) -> str | None:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column) and node.table == alias:
        name = node.name.lower()
        if name in column_types:
            return name
    return None


_FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}


def _absorb(
    pred: exp.Expr, alias: str, column_types: dict[str, str], bounds: dict[str, Bounds]
) -> bool:
    if isinstance(pred, exp.In) and not pred.args.get("query") and not pred.args.get("unnest"):
        name = _column_of(pred.this, alias, column_types)
        if name is None:
            return False
        values = [comparable(constant(v), column_types[name]) for v in pred.expressions]
        if not values or any(v is _UNKNOWN for v in values):
            return False
        b = bounds.setdefault(name, Bounds())
        b.restrict_values(set(values))
        b.texts.append(pred.sql("duckdb"))
        return True
    if isinstance(pred, exp.Between):
        name = _column_of(pred.this, alias, column_types)
        if name is None:
            return False
        low = comparable(constant(pred.args["low"]), column_types[name])
        high = comparable(constant(pred.args["high"]), column_types[name])
        if low is _UNKNOWN or high is _UNKNOWN or isinstance(low, str) or isinstance(high, str):
            return False
        b = bounds.setdefault(name, Bounds())
        b.restrict_low(low, True)
        b.restrict_high(high, True)
        b.texts.append(pred.sql("duckdb"))
        return True
    op = type(pred)
    if op not in _FLIP or not isinstance(pred, exp.Binary):
        return False
    left, right = pred.left, pred.right
    name = _column_of(left, alias, column_types)
    other = right
    if name is None:
        name = _column_of(right, alias, column_types)
        other = left
        op = _FLIP[op]
    if name is None:
        return False
    value = comparable(constant(other), column_types[name])
    if value is _UNKNOWN:
        return False
    b = bounds.setdefault(name, Bounds())
    if op is exp.EQ:
        b.restrict_values({value})
    elif isinstance(value, (str, bool)):
        return False  # range comparisons of strings follow collation rules: leave them
    elif op is exp.GT:
        b.restrict_low(value, False)
    elif op is exp.GTE:
        b.restrict_low(value, True)
    elif op is exp.LT:
        b.restrict_high(value, False)
    else:
        b.restrict_high(value, True)
    b.texts.append(pred.sql("duckdb"))
    return True


def integer_range(b: Bounds) -> list[tuple[str, int]] | None:
    """Stripe range parameters (`gt`, `gte`, `lt`, `lte`) for an integer-valued column.

    The column holds whole numbers (unix seconds), so a fractional bound becomes the
    equivalent whole one: `> 10.5` and `>= 10.5` are `gte=11`. Whole bounds keep the
    operator the query used. Returns None when the range is empty (no row can match).
    """
    out: list[tuple[str, int]] = []
    lowest = highest = None
    if b.low is not None:
        value, inclusive = b.low
        if float(value).is_integer():
            out.append(("gte" if inclusive else "gt", int(value)))
            lowest = int(value) if inclusive else int(value) + 1
        else:
            lowest = math.ceil(value)
            out.append(("gte", lowest))
    if b.high is not None:
        value, inclusive = b.high
        if float(value).is_integer():
            out.append(("lte" if inclusive else "lt", int(value)))
            highest = int(value) if inclusive else int(value) - 1
        else:
            highest = math.floor(value)
            out.append(("lte", highest))
    if lowest is not None and highest is not None and lowest > highest:
        return None
    return out


def value_text(value: Any) -> str:
    """A constant as a Stripe query parameter value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


UNKNOWN = _UNKNOWN


# -- the Search API ---------------------------------------------------------------------------

MAX_SEARCH_CLAUSES = 10  # Stripe's limit on clauses in one search query
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
    if op not in _FLIP or not isinstance(pred, exp.Binary):
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
    name = _column_of(pred.left, alias, column_types)
    other = pred.right
    if name is None:
        name, other, op = _column_of(pred.right, alias, column_types), pred.left, _FLIP[op]
    if name is None or name not in fields:
        return None
    value = comparable(constant(other), column_types[name])
    if value is _UNKNOWN:
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
