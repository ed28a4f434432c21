"""Join pushdown: what one side of an equi-join says about the other. Pure.

Two rules, both about the equalities `x.a = y.b` of a join (an ON conjunct of the join
that brings in `x` or `y`, or a WHERE conjunct of an implicit join):

**Constants carry across** (`derived_predicates`). `SELECT … FROM charges ch JOIN customers
c ON c.id = ch.customer WHERE ch.customer IN ('cus_1', 'cus_2')` implies `c.id IN
('cus_1', 'cus_2')` for every row the join keeps, so the customers scan becomes two
retrieves; `invoices i JOIN invoices_lines l ON l.invoice = i.id WHERE i.id = 'in_1'`
implies `l.invoice = 'in_1'`, one list of that invoice's lines instead of a fan-out over
every invoice. Any column pair of the same type carries an `=` or `IN` of constants, and
what it derives carries on (`a.x = b.y AND b.y = c.z` narrows `c` from `a`). The source
is a conjunct the scan of `x` already receives (WHERE, or an inner join's ON), or one
derived before; OR, NOT and anything but `=`/`IN` of constants carry nothing.

**Run-time keyed reads** (`keyed_candidates`). With no constant to carry, `y` may still be
read by key once `x` has been read: `y` is fetched by the distinct values of `x.a` (see
`plan.KeyedFetch`), which the planner offers and the scan layer decides at run time.

Which side may be narrowed (docs/architecture.md, principle 1): the narrowed side must not
be a preserved side of an outer join, whose unmatched rows are returned. So an inner join
narrows both sides, a LEFT JOIN only the table it brings in, a RIGHT JOIN only the tables
before it, a FULL JOIN (and a SEMI, ANTI or ASOF join) neither; once the FROM list holds
an outer join, WHERE equalities narrow nothing. The derived predicate is implied by the
query, so the engine, which runs the query as written, needs nothing more; pushing it only
narrows what is fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from stripe_dbapi.catalog.model import BIGINT, BOOLEAN, DIALECT, TIMESTAMP, VARCHAR
from stripe_dbapi.query import pushdown

# Column types whose `=` is plain value equality in the engine, so that `x.a = y.b` and
# `x.a = v` give `y.b = v`; JSON and decimals compare by rules of their own.
_TRANSFERABLE = {VARCHAR, BIGINT, BOOLEAN, TIMESTAMP}
MAX_DERIVED = 400  # predicates one scope may derive (a bound on pathological ON chains)

ColumnType = Callable[[str, str], "str | None"]  # (alias, column) → catalog type, or None


@dataclass(frozen=True)
class KeyedCandidate:
    """`target.column` may be read by the values of `source.source_column` (see plan)."""

    target: int
    column: str
    source: int
    source_alias: str
    source_column: str
    equality: str


def derived_predicates(
    select: exp.Select,
    scans: Mapping[str, int],
    predicates: Mapping[int, Sequence[exp.Expr]],
    column_type: ColumnType,
) -> list[tuple[int, exp.Expr, str]]:
    """(scan index, predicate, note for EXPLAIN) for each narrowing found, transitively."""
    out: list[tuple[int, exp.Expr, str]] = []
    known = {index: list(preds) for index, preds in predicates.items()}
    seen = {(index, p.sql(DIALECT)) for index, preds in known.items() for p in preds}
    pairs = _column_pairs(select, scans, column_type)
    changed = True
    while changed and len(out) < MAX_DERIVED:
        changed = False
        for eq, x_col, y_col in pairs:
            for pred in list(known.get(scans[x_col.table], ())):
                derived = _transfer(pred, x_col, y_col)
                if derived is None:
                    continue
                key = (scans[y_col.table], derived.sql(DIALECT))
                if key in seen:
                    continue
                seen.add(key)
                note = (
                    f"join pushdown: {derived.sql(DIALECT)} follows from "
                    f"{pred.sql(DIALECT)} and {eq.sql(DIALECT)}"
                )
                out.append((key[0], derived, note))
                known.setdefault(key[0], []).append(derived)
                changed = True
    return out


def keyed_candidates(
    select: exp.Select, scans: Mapping[str, int], column_type: ColumnType
) -> list[KeyedCandidate]:
    """Each (target, source) pair where the target side may be read by the source's keys.

    Only VARCHAR columns (ids): their values are read back from the source's rows and sent
    as ids or parameters, and string equality is what the engine's join applies.
    """
    out = []
    for eq, x_col, y_col in _column_pairs(select, scans, column_type):
        if column_type(y_col.table, y_col.name) != VARCHAR:
            continue
        out.append(
            KeyedCandidate(
                target=scans[y_col.table],
                column=y_col.name.lower(),
                source=scans[x_col.table],
                source_alias=x_col.table,
                source_column=x_col.name.lower(),
                equality=eq.sql(DIALECT),
            )
        )
    return out


def _column_pairs(
    select: exp.Select, scans: Mapping[str, int], column_type: ColumnType
) -> list[tuple[exp.EQ, exp.Column, exp.Column]]:
    """(equality, x column, y column) for each direction `y` may be narrowed from `x`."""
    pairs = []
    for eq, narrowable in _equalities(select, set(scans)):
        for x_col, y_col in ((eq.left, eq.right), (eq.right, eq.left)):
            if not (isinstance(x_col, exp.Column) and isinstance(y_col, exp.Column)):
                continue
            x, y = x_col.table, y_col.table
            if x == y or x not in scans or y not in narrowable:
                continue
            x_type = column_type(x, x_col.name)
            if x_type is None or x_type not in _TRANSFERABLE:
                continue
            if column_type(y, y_col.name) != x_type:
                continue
            pairs.append((eq, x_col, y_col))
    return pairs


def _equalities(select: exp.Select, aliases: set[str]) -> list[tuple[exp.EQ, set[str]]]:
    """Column equalities of the joins, with the aliases each may narrow."""
    joins = select.args.get("joins") or []
    found: list[tuple[exp.EQ, set[str]]] = []
    source = select.args.get("from") or select.args.get("from_")
    first = source.this if source is not None else None
    before = {first.alias_or_name} & aliases if isinstance(first, exp.Table) else set()
    outer = False
    for join in joins:
        side = (join.side or "").upper()
        kind = (join.kind or "").upper()
        joined = join.this.alias_or_name if isinstance(join.this, exp.Table) else None
        if kind in ("ANTI", "SEMI", "ASOF") or side == "FULL":
            outer = True
            narrowable: set[str] = set()
        elif side == "LEFT":
            outer = True
            narrowable = {joined} & aliases if joined else set()
        elif side == "RIGHT":
            outer = True
            narrowable = set(before)  # the tables before it supply the NULLs
        else:
            narrowable = set(aliases)
        if joined:
            before.add(joined)
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
    """`pred` (x.col = constant, or x.col IN (constants)) restated on `y.col`, else None."""
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
