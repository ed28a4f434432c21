"""Join pushdown: constants on one side of a join on `id` narrow the other side's scan.

`SELECT … FROM charges ch JOIN customers c ON c.id = ch.customer WHERE ch.customer IN
('cus_1', 'cus_2')` implies `c.id IN ('cus_1', 'cus_2')` for every row the join keeps, so
the customers scan becomes two retrieves instead of a scan of every customer. The rule:

- the join condition equates `x.col = y.id` (an ON conjunct of the join that brings in
  `x` or `y`, or a WHERE conjunct of an implicit join);
- `x` is constrained by `x.col = constant` or `x.col IN (constants)` in the WHERE or in
  an inner join's ON (the conjuncts the scan of `x` already receives);
- `y` is not the preserved side of an outer join: an inner join, or `y` brought in by a
  LEFT JOIN (its unmatched rows are never returned). RIGHT and FULL joins are skipped.

The derived predicate is implied by the query, so the engine, which runs the query as
written, needs nothing more; pushing it only narrows what is fetched (principle 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp

from stripe_dbapi.catalog.model import DIALECT
from stripe_dbapi.query import pushdown


def derived_predicates(
    select: exp.Select, scans: Mapping[str, int], predicates: Mapping[int, Sequence[exp.Expr]]
) -> list[tuple[int, exp.Expr, str]]:
    """(scan index, predicate on `y.id`, note for EXPLAIN) for each narrowing found."""
    out: list[tuple[int, exp.Expr, str]] = []
    for eq, narrowable in _equalities(select, set(scans)):
        for x_col, y_col in ((eq.left, eq.right), (eq.right, eq.left)):
            if not (isinstance(x_col, exp.Column) and isinstance(y_col, exp.Column)):
                continue
            x, y = x_col.table, y_col.table
            if y_col.name.lower() != "id" or x == y or x not in scans or y not in narrowable:
                continue
            for pred in predicates.get(scans[x], ()):
                derived = _transfer(pred, x_col, y_col)
                if derived is not None:
                    note = (
                        f"join pushdown: {derived.sql(DIALECT)} follows from "
                        f"{pred.sql(DIALECT)} and {eq.sql(DIALECT)}"
                    )
                    out.append((scans[y], derived, note))
    return out


def _equalities(select: exp.Select, aliases: set[str]) -> list[tuple[exp.EQ, set[str]]]:
    """Column equalities of the joins, with the aliases each may narrow."""
    joins = select.args.get("joins") or []
    found: list[tuple[exp.EQ, set[str]]] = []
    outer = False
    for join in joins:
        side = (join.side or "").upper()
        kind = (join.kind or "").upper()
        if kind in ("ANTI", "SEMI", "ASOF") or side in ("RIGHT", "FULL"):
            outer = True
            continue
        joined = join.this.alias_or_name if isinstance(join.this, exp.Table) else None
        if side == "LEFT":
            outer = True
            narrowable = {joined} & aliases if joined else set()
        else:
            narrowable = set(aliases)
        on = join.args.get("on")
        if on is not None and narrowable:
            found.extend((eq, narrowable) for eq in _eqs(on))
    where = select.args.get("where")
    if where is not None and not outer:
        found.extend((eq, set(aliases)) for eq in _eqs(where.this))
    return found


def _eqs(node: exp.Expr) -> list[exp.EQ]:
    return [part for part in pushdown.split_and(node) if isinstance(part, exp.EQ)]


def _transfer(pred: exp.Expr, x_col: exp.Column, y_col: exp.Column) -> exp.Expr | None:
    """`pred` (x.col = constant, or x.col IN (constants)) restated on `y.id`, else None."""
    if isinstance(pred, exp.EQ):
        column, other = pred.left, pred.right
        if not _same(column, x_col):
            column, other = other, column
        if _same(column, x_col) and isinstance(other, exp.Literal):
            return exp.EQ(this=y_col.copy(), expression=other.copy())
        return None
    if isinstance(pred, exp.In) and not pred.args.get("query") and _same(pred.this, x_col):
        values = pred.expressions
        if values and all(isinstance(v, exp.Literal) for v in values):
            return exp.In(this=y_col.copy(), expressions=[v.copy() for v in values])
    return None


def _same(node: exp.Expr, column: exp.Column) -> bool:
    return (
        isinstance(node, exp.Column)
        and node.table == column.table
        and node.name.lower() == column.name.lower()
    )
