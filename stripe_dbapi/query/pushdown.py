"""Predicates → per-column constraints a Stripe list call can honour. Pure.

Only conjuncts of a scope's WHERE (and of its inner joins' ON) are considered, and of
those only comparisons of one column with constants: `=`, `IN`, `<`, `<=`, `>`, `>=`,
`BETWEEN [SYMMETRIC]`. These are null-rejecting, so narrowing the scan to rows that
satisfy them never drops a row of the result, even on the inner side of a join; a
comparison with NULL is never true, so no row can match it. OR, NOT, functions of columns
and anything else is left to the engine, which re-applies every predicate anyway
(docs/architecture.md, principle 1). Whether a constraint is then sent exactly is decided
by `calls.py`, per call.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from stripe_dbapi._compat import DType
from stripe_dbapi.catalog.model import BIGINT, BOOLEAN, TIMESTAMP, VARCHAR

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

    @property
    def empty(self) -> bool:
        """True when no value can satisfy every constraint on the column."""
        if self.values is not None:
            return not self.values
        if self.low is None or self.high is None:
            return False
        (lo, lo_in), (hi, hi_in) = self.low, self.high
        return lo > hi or (lo == hi and not (lo_in and hi_in))

    def restrict_values(self, new: set[Any]) -> None:
        self.values = set(new) if self.values is None else self.values & set(new)
        self._values_in_range()

    def _values_in_range(self) -> None:
        """Values outside the range can never match: a list of values then says it all."""
        if self.values is None or (self.low is None and self.high is None):
            return
        self.values = {v for v in self.values if isinstance(v, (int, float)) and self._holds(v)}

    def _holds(self, value: float) -> bool:
        if self.low is not None and (
            value < self.low[0] or (value == self.low[0] and not self.low[1])
        ):
            return False
        return not (
            self.high is not None
            and (value > self.high[0] or (value == self.high[0] and not self.high[1]))
        )

    def restrict_low(self, value: float, inclusive: bool) -> None:
        if self.low is None or value > self.low[0] or (value == self.low[0] and not inclusive):
            self.low = (value, inclusive)
        self._values_in_range()

    def restrict_high(self, value: float, inclusive: bool) -> None:
        if self.high is None or value < self.high[0] or (value == self.high[0] and not inclusive):
            self.high = (value, inclusive)
        self._values_in_range()


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
        if to.is_type(DType.DATE):
            return _parse_date(text)
        if to.is_type(DType.TIMESTAMP, DType.TIMESTAMPNTZ):
            value = _parse_datetime(text)
            return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else _UNKNOWN
        if to.is_type(DType.TIMESTAMPTZ):
            return _parse_datetime(text)
        if to.is_type(DType.VARCHAR, DType.TEXT):
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


def epoch_or_number(node: exp.Expr) -> float | None:
    """A constant number, or a timestamp-ish constant as unix seconds, else None."""
    value = constant(node)
    if isinstance(value, bool) or value is _UNKNOWN:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return epoch_seconds(value)


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
    if sql_type == BIGINT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _UNKNOWN
        return value
    if sql_type == BOOLEAN:
        return value if isinstance(value, bool) else _UNKNOWN
    if sql_type == VARCHAR:
        return value if isinstance(value, str) else _UNKNOWN
    return _UNKNOWN


Use = tuple[str | None, bool]  # the column a predicate constrains, and whether widened


def collect(
    predicates: list[exp.Expr],
    alias: str,
    column_types: dict[str, str],
    now: Callable[[], float],
) -> tuple[dict[str, Bounds], list[Use]]:
    """Bounds per column of `alias` from `predicates`, and for each predicate the column
    it constrains (None: not a constraint a call can send; the engine applies it) and
    whether its bound is wider than the predicate (a moving `now()` bound).

    `column_types` maps the lower-cased names of the columns that may be pushed to their
    catalog types. A predicate is used when it compares one of those columns with a
    constant exactly as the engine would; `now()` is the plan's time, in unix seconds,
    read only for a `now()` bound (a plan that never reads it may be kept, memo.py).
    """
    bounds: dict[str, Bounds] = {}
    used: list[Use] = []
    for pred in predicates:
        moving = _moving_lower_bound(pred, alias, column_types, now)
        if moving is not None:
            name, seconds = moving
            bounds.setdefault(name, Bounds()).restrict_low(seconds, True)
            used.append((name, True))
        else:
            used.append((_absorb(pred, alias, column_types, bounds), False))
    return bounds, used


_NOW = {"now", "get_current_timestamp", "current_timestamp", "transaction_timestamp"}
# Months and years at their longest, so a bound computed with them is never above the
# engine's: the pushed range can only be wider.
_UNIT_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 31 * 86400,
    "year": 366 * 86400,
}


def _moving_lower_bound(
    pred: exp.Expr, alias: str, column_types: dict[str, str], now: Callable[[], float]
) -> tuple[str, float] | None:
    """(column, seconds) for `ts_col >[=] now() [± INTERVAL n unit]` (or `current_date`).

    The engine evaluates `now()` when the query runs, a moment after it is planned, so
    the bound computed at planning time, rounded down to the second, selects a superset:
    a widened constraint, never an exact one (so no LIMIT goes with it).
    """
    op = type(pred)
    if op not in FLIP or not isinstance(pred, exp.Binary):
        return None
    name, other = column_of(pred.left, alias, column_types), pred.right
    if name is None:
        name, other, op = column_of(pred.right, alias, column_types), pred.left, FLIP[op]
    if name is None or column_types[name] != TIMESTAMP or op not in (exp.GT, exp.GTE):
        return None
    seconds = _now_expression(other, now)
    return None if seconds is None else (name, float(math.floor(seconds)))


def _now_expression(node: exp.Expr, now: Callable[[], float]) -> float | None:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.CurrentTimestamp) or (
        isinstance(node, exp.Anonymous) and node.name.lower() in _NOW and not node.expressions
    ):
        return now()
    if isinstance(node, exp.CurrentDate):
        seconds = now()
        return seconds - seconds % 86400  # midnight UTC: the engine runs with TimeZone=UTC
    if isinstance(node, (exp.Sub, exp.Add)):
        base = _now_expression(node.this, now)
        span = _interval_seconds(node.expression, isinstance(node.this, exp.CurrentDate))
        if base is None or span is None:
            return None
        return base - span if isinstance(node, exp.Sub) else base + span
    return None


def _interval_seconds(node: exp.Expr, days: bool) -> float | None:
    """`INTERVAL n unit` (or a bare integer of days after `current_date`) in seconds."""
    if days and isinstance(node, exp.Literal) and not node.is_string:
        value = constant(node)
        return float(value) * 86400 if isinstance(value, int) else None
    if not isinstance(node, exp.Interval):
        return None
    amount = constant(node.this)
    unit = node.args.get("unit")
    name = unit.name.lower().rstrip("s") if unit is not None else ""
    if isinstance(amount, str):
        parts = amount.split()
        if len(parts) == 2 and not name:
            amount, name = parts[0], parts[1].lower().rstrip("s")
        try:
            amount = float(amount)
        except (TypeError, ValueError):
            return None
    if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount < 0:
        return None
    return float(amount) * _UNIT_SECONDS[name] if name in _UNIT_SECONDS else None


def column_of(node: exp.Expr, alias: str, column_types: dict[str, str]) -> str | None:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column) and node.table == alias:
        name = node.name.lower()
        if name in column_types:
            return name
    return None


FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}


def _absorb(
    pred: exp.Expr, alias: str, column_types: dict[str, str], bounds: dict[str, Bounds]
) -> str | None:
    """Fold `pred` into `bounds`; the column it constrains, or None when it is not used."""
    if isinstance(pred, exp.In) and not pred.args.get("query") and not pred.args.get("unnest"):
        name = column_of(pred.this, alias, column_types)
        if name is None or not pred.expressions:
            return None
        # NULL in an IN list never matches; the other values still select the rows.
        items = [v for v in pred.expressions if not _is_null(v)]
        values = [comparable(constant(v), column_types[name]) for v in items]
        if any(v is _UNKNOWN for v in values):
            return None
        bounds.setdefault(name, Bounds()).restrict_values(set(values))
        return name
    if isinstance(pred, exp.Between):
        name = column_of(pred.this, alias, column_types)
        if name is None:
            return None
        if _is_null(pred.args["low"]) or _is_null(pred.args["high"]):
            bounds.setdefault(name, Bounds()).restrict_values(set())
            return name
        low = comparable(constant(pred.args["low"]), column_types[name])
        high = comparable(constant(pred.args["high"]), column_types[name])
        if (
            low is _UNKNOWN
            or high is _UNKNOWN
            or isinstance(low, (str, bool))
            or isinstance(high, (str, bool))
        ):
            return None
        if pred.args.get("symmetric") and low > high:
            low, high = high, low  # BETWEEN SYMMETRIC: the bounds in either order
        b = bounds.setdefault(name, Bounds())
        b.restrict_low(low, True)
        b.restrict_high(high, True)
        return name
    op = type(pred)
    if op not in FLIP or not isinstance(pred, exp.Binary):
        return None
    left, right = pred.left, pred.right
    name = column_of(left, alias, column_types)
    other = right
    if name is None:
        name = column_of(right, alias, column_types)
        other = left
        op = FLIP[op]
    if name is None:
        return None
    if _is_null(other):
        bounds.setdefault(name, Bounds()).restrict_values(set())  # `x = NULL` is never true
        return name
    value = comparable(constant(other), column_types[name])
    if value is _UNKNOWN:
        return None
    if op is not exp.EQ and isinstance(value, (str, bool)):
        return None  # range comparisons of strings follow collation rules: leave them
    b = bounds.setdefault(name, Bounds())
    if op is exp.EQ:
        b.restrict_values({value})
    elif op is exp.GT:
        b.restrict_low(value, False)
    elif op is exp.GTE:
        b.restrict_low(value, True)
    elif op is exp.LT:
        b.restrict_high(value, False)
    else:
        b.restrict_high(value, True)
    return name


def _is_null(node: exp.Expr) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    return isinstance(node, exp.Null)


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
