"""Rewrites of the query tree before analysis, each one function `tree -> None`. Pure.

They make the user's SQL mean what it says once Stripe's conventions are known: a JSON
`->` that sqlglot mistook for a lambda, and integers compared with unix-time columns read
as seconds since the epoch.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from stripe_dbapi.catalog.model import DIALECT, TIMESTAMP, Table
from stripe_dbapi.query import pushdown


def json_arrows_in_arguments(tree: exp.Expr) -> None:
    """`f(col->'key')` parses as a lambda in sqlglot's DuckDB dialect; a lambda whose body
    is a constant is a JSON `->` (no lambda returns a constant), so make it one again."""
    for node in list(tree.find_all(exp.Lambda)):
        params = node.expressions
        if len(params) == 1 and isinstance(node.this, exp.Literal):
            arrow = sqlglot.parse_one(
                f"({params[0].sql(DIALECT)} -> {node.this.sql(DIALECT)})", dialect=DIALECT
            )
            node.replace(arrow)


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def unix_seconds_as_timestamps(tree: exp.Expr, tables: list[Table]) -> None:
    """`created > 1780000000`: an integer compared with a unix-time column means seconds
    since the epoch (as Stripe sends them), so it becomes `to_timestamp(1780000000)`."""
    timestamps = {c.name.lower() for t in tables for c in t.columns if c.type == TIMESTAMP} - {
        c.name.lower() for t in tables for c in t.columns if c.type != TIMESTAMP
    }
    if not timestamps:
        return

    def is_stamp(node: exp.Expr) -> bool:
        return isinstance(node, exp.Column) and node.name.lower() in timestamps

    def seconds(node: exp.Expr) -> None:
        value = pushdown.constant(node)
        if isinstance(value, int) and not isinstance(value, bool):
            node.replace(exp.UnixToTime(this=node.copy()))

    for node in list(tree.find_all(*_COMPARISONS, exp.Between, exp.In)):
        if isinstance(node, _COMPARISONS):
            if is_stamp(node.left):
                seconds(node.right)
            elif is_stamp(node.right):
                seconds(node.left)
        elif is_stamp(node.this):
            others = (
                [node.args["low"], node.args["high"]]
                if isinstance(node, exp.Between)
                else list(node.expressions)
            )
            for other in others:
                seconds(other)
