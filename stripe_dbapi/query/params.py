"""Query parameters bound into the parsed SQL as typed literals, never pasted into text.

Placeholders are `?` (a sequence of values), `$1` (a sequence, by position) or `:name` (a
mapping). A value becomes an AST node — a string literal, a number, a typed cast — so no
quote or `%` in it can change the query.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from stripe_dbapi.catalog.model import DIALECT
from stripe_dbapi.exceptions import DataError, NotSupportedError, ProgrammingError


def literal(value: Any) -> exp.Expr:
    """A Python value as a typed SQL literal node."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return _number(str(value), value < 0)
    if isinstance(value, float):
        if not math.isfinite(value):
            return exp.cast(exp.Literal.string(repr(value)), "DOUBLE")
        return _number(repr(value), value < 0)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ProgrammingError(f"Parameter value {value} is not a finite number.")
        return exp.cast(exp.Literal.string(str(value)), "DECIMAL(38, 12)")
    if isinstance(value, str):
        check_text(value, "A parameter")
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMPTZ")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, dt.time):
        return exp.cast(exp.Literal.string(value.isoformat()), "TIME")
    if isinstance(value, (bytes, bytearray, memoryview)):
        # DuckDB's blob literal: every byte as \xHH, so no byte can end the string.
        text = "".join(f"\\x{b:02X}" for b in bytes(value))
        return exp.cast(exp.Literal.string(text), "BLOB")
    if isinstance(value, (dict, list, tuple)):
        try:
            text = json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise ProgrammingError(
                f"Parameter value of type {type(value).__name__} cannot be sent as JSON."
            ) from exc
        return exp.cast(exp.Literal.string(text), "JSON")
    raise NotSupportedError(f"Parameters of type {type(value).__name__} are not supported.")


def _number(text: str, negative: bool) -> exp.Expr:
    if negative:
        return exp.Neg(this=exp.Literal.number(text[1:]))
    return exp.Literal.number(text)


def check_text(text: str, what: str) -> None:
    """Raise DataError unless `text` can be written as UTF-8: a lone surrogate (from a
    bad decode, say) is no text for the engine, nor for a Stripe request, which used to
    fail as a connection error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DataError(
            f"{what} holds a lone surrogate ({text[exc.start]!r} at position {exc.start}), "
            "which is not text."
        ) from None


def bind(tree: exp.Expr, params: Sequence[Any] | Mapping[str, Any] | None) -> exp.Expr:
    """Replace every placeholder in `tree` by its parameter's literal (in place).

    A wrong number of parameters, a missing name, or a mix of styles is a ProgrammingError:
    sqlglot would otherwise leave unmatched placeholders in the query.
    """
    if params is not None and not isinstance(params, (Sequence, Mapping)):
        raise ProgrammingError(
            f"Parameters must be a sequence or a mapping, not {type(params).__name__}."
        )
    holders = list(tree.find_all(exp.Placeholder))
    if params is None:
        params = ()
    if not holders:
        if params:
            raise ProgrammingError(
                f"The query has no placeholders but {len(params)} parameters were given."
            )
        return tree
    names = [str(h.this) if h.this is not None else "" for h in holders]
    if all(not n for n in names):
        if isinstance(params, Mapping):
            raise ProgrammingError(
                "The query uses `?` placeholders; pass parameters as a sequence."
            )
        if isinstance(params, (str, bytes)):
            raise ProgrammingError("Parameters must be a sequence or a mapping, not a string.")
        values = list(params)
        if len(values) != len(holders):
            raise ProgrammingError(
                f"The query has {len(holders)} placeholders but {len(values)} parameters "
                "were given."
            )
        for holder, value in zip(_in_text_order(tree, holders), values):
            holder.replace(literal(value))
        return tree
    if any(not n for n in names):
        raise ProgrammingError("The query mixes `?` with named or numbered placeholders.")
    if all(n.isdigit() for n in names):
        if isinstance(params, (Mapping, str, bytes)):
            raise ProgrammingError("The query uses `$1` placeholders; pass a sequence.")
        values = list(params)
        for holder in holders:
            position = int(str(holder.this))
            if not 1 <= position <= len(values):
                raise ProgrammingError(
                    f"Placeholder ${position} has no parameter ({len(values)} given)."
                )
            holder.replace(literal(values[position - 1]))
        return tree
    if not isinstance(params, Mapping):
        raise ProgrammingError("The query uses `:name` placeholders; pass parameters as a mapping.")
    for holder, name in zip(holders, names):
        if name not in params:
            raise ProgrammingError(f"No parameter was given for `:{name}`.")
        holder.replace(literal(params[name]))
    return tree


def _in_text_order(tree: exp.Expr, holders: list[exp.Placeholder]) -> list[exp.Placeholder]:
    """The `?` placeholders in the order they are written, which is the order of the values.

    sqlglot's tree walk is not that order (a SELECT's LIMIT comes before its WHERE and its
    WITH last), so each placeholder is named for a moment and found in the SQL text.
    """
    if len(holders) < 2:
        return holders
    marks = [f"stripe_dbapi_q{i}x" for i in range(len(holders))]
    for holder, mark in zip(holders, marks):
        holder.set("this", mark)
    try:
        text = tree.sql(dialect=DIALECT)
    finally:
        for holder in holders:
            holder.set("this", None)
    order = sorted(range(len(holders)), key=lambda i: text.find(marks[i]))
    return [holders[i] for i in order]
