"""Analysis: which Stripe tables a query reads, and what it says about each. Pure.

Every reference to a catalog table becomes a `TableRef`, tagged in the tree with its scan
index. A qualified copy of the query (sqlglot's `qualify`, with predicates moved down
through CTEs and derived tables) then tells, per scan, which conjuncts filter it, which
columns it needs, and the LIMIT its scope puts on it. Anything qualification cannot
follow means planning without pushdown, which is always correct.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.pushdown_predicates import pushdown_predicates
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.schema import MappingSchema

from stripe_dbapi._compat import find_all_in_scope
from stripe_dbapi.catalog.model import DIALECT, SCHEMA, TIMESTAMP, Catalog
from stripe_dbapi.exceptions import ProgrammingError, did_you_mean
from stripe_dbapi.query import joins, pushdown

logger = logging.getLogger(__name__)

MAX_ANALYSED_ANDS = 200  # longer AND chains are planned without pushdown (see analyse)
_PASS_THROUGH_SCHEMAS = {"information_schema", "pg_catalog"}
_META_KEY = "stripe_scan"


@dataclass
class TableRef:
    node: exp.Table
    table: str
    alias: str


# What a reference to a Stripe table may carry besides its name and alias. The planner
# replaces the reference by its scan and keeps its joins (a parenthesized join); a sample,
# a PIVOT/UNPIVOT or column aliases (`AS c(a, b)`) apply to the table's rows as the engine
# reads them, so such a reference is made `(SELECT * FROM t) AS alias <those>` first.
_DERIVED_ARGS = ("sample", "pivots")
_REFERENCE_ARGS = {"this", "db", "catalog", "alias", "joins", *_DERIVED_ARGS}
_CLAUSE_NAMES = {
    "hints": "table hint",
    "when": "time-travel",
    "version": "time-travel",
    "system_time": "time-travel",
    "changes": "CHANGES",
    "partition": "PARTITION",
    "only": "ONLY",
    "ordinality": "WITH ORDINALITY",
    "indexed": "INDEXED BY",
}


def _plain_reference(node: exp.Table) -> exp.Table:
    """The table reference to scan: `node` itself, or, when it carries a sample, a pivot
    or column aliases, the plain reference inside the derived table that now holds them.
    Dropping them with the reference would answer over the raw rows without a word."""
    for key, value in node.args.items():
        if value and key not in _REFERENCE_ARGS:
            clause = _CLAUSE_NAMES.get(key, key.upper())
            raise ProgrammingError(f"A Stripe table takes no {clause} clause (`{node.name}`).")
    alias = node.args.get("alias")
    columns = list(alias.columns) if isinstance(alias, exp.TableAlias) else []
    if not columns and not any(node.args.get(key) for key in _DERIVED_ARGS):
        return node
    inner = exp.Table(this=node.this.copy(), db=node.args.get("db"), catalog=node.args.get("catalog"))
    derived = exp.Subquery(
        this=exp.select("*").from_(inner),
        alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name), columns=columns),
        **{key: node.args[key] for key in (*_DERIVED_ARGS, "joins") if node.args.get(key)},
    )
    node.replace(derived)
    return inner


def table_refs(tree: exp.Expr, catalog: Catalog) -> list[TableRef]:
    """Every reference to a Stripe table, tagged in the tree with its scan index."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    refs: list[TableRef] = []
    for node in list(tree.find_all(exp.Table)):
        if not isinstance(node.this, exp.Identifier):
            continue  # a table function such as range(3)
        db = node.db.lower()
        name = node.name.lower()
        if db in _PASS_THROUGH_SCHEMAS:
            continue
        if node.catalog and node.catalog.lower() not in ("memory", SCHEMA):
            raise ProgrammingError(
                f"Unknown catalog `{node.catalog}`; Stripe tables live in `stripe`."
            )
        if db not in ("", SCHEMA, "main"):
            raise ProgrammingError(f"Unknown schema `{node.db}`; Stripe tables live in `stripe`.")
        if db == "" and name in ctes:
            continue
        if catalog.get(name) is None:
            raise ProgrammingError(
                f"Unknown table `{node.name}`{did_you_mean(name, list(catalog.tables))}"
            )
        node = _plain_reference(node)
        alias = node.alias_or_name
        node.meta[_META_KEY] = len(refs)
        node.set("db", None)
        node.set("catalog", None)
        node.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        refs.append(TableRef(node=node, table=name, alias=alias))
    return refs


@dataclass
class ScanFacts:
    """What the query says about one scan: its predicates, the columns it uses, its LIMIT."""

    predicates: list[exp.Expr] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    all_columns: bool = False
    limit: int | None = None
    limit_ok: bool = False  # the scope is a bare filter over this scan alone
    notes: list[str] = field(default_factory=list)  # join pushdown, for EXPLAIN
    compared: set[str] = field(default_factory=set)  # columns used in WHERE, ON, HAVING …
    # Equi-joins by which this scan may be read with the keys of another (see joins.py).
    keyed: list[joins.KeyedCandidate] = field(default_factory=list)


@lru_cache(maxsize=4)
def _schema(catalog: Catalog) -> MappingSchema:
    return MappingSchema(
        {t.name: {c.name: c.type for c in t.columns} for t in catalog},
        dialect=DIALECT,
    )


@dataclass
class Analysis:
    """The facts per scan index, and the integer literals that are unix seconds.

    `seconds` holds the tags (see `tag_integers`) of integer literals compared with a
    unix-time column of a Stripe table, followed through CTEs and derived tables; `ok` is
    False when qualification failed and nothing is known (plan without pushdown).
    """

    facts: dict[int, ScanFacts] = field(default_factory=dict)
    seconds: set[int] = field(default_factory=set)
    ok: bool = False


_LITERAL_TAG = "stripe_literal"
_HOME_TAG = "stripe_home"
_OPAQUE = "stripe_opaque"


def tag_integers(tree: exp.Expr) -> None:
    """Number every integer literal, so analysis of a copy can name them in `tree`."""
    for n, node in enumerate(tree.find_all(exp.Literal)):
        if not node.is_string:
            node.meta[_LITERAL_TAG] = n


def analyse(
    tree: exp.Expr, refs: list[TableRef], catalog: Catalog, scalars: frozenset[str] = frozenset()
) -> Analysis:
    """Facts per scan index, read from a qualified copy; nothing known when that fails.

    `scalars` names the engine's scalar functions: a LIMIT goes with a scan only when
    every function of its scope is known to be one (an unknown name may be an aggregate).
    """
    if not refs:
        return Analysis(ok=True)
    if tree.find(exp.TableSample) is not None:
        # A sample is drawn before the WHERE and the LIMIT of its scope (DuckDB's order):
        # sending either to Stripe would sample other rows. Nothing is pushed.
        logger.debug("no pushdown: the query samples rows")
        return Analysis()
    if sum(1 for node in tree.walk() if isinstance(node, exp.And)) > MAX_ANALYSED_ANDS:
        # sqlglot's qualification takes time quadratic in the length of an AND chain
        # (1,500 conditions: ~20 s); such generated queries run without pushdown.
        logger.debug("no pushdown: more than %d AND-ed conditions", MAX_ANALYSED_ANDS)
        return Analysis()
    copy = tree.copy()
    _protect_from_simplifier(copy)
    _tag_homes(copy)
    try:
        qualified = qualify(
            copy,
            schema=_schema(catalog),
            dialect=DIALECT,
            quote_identifiers=False,
            expand_stars=True,
            validate_qualify_columns=True,
        )
        # Move conditions written over a CTE or derived table down to the table they
        # filter (sqlglot keeps the query's meaning), so they can be sent to Stripe.
        # Unix seconds are found before pushdown_predicates: its simplifier merges equal
        # conjuncts, and a literal of a merged one would otherwise be missed in the query.
        seconds = _unix_seconds(traverse_scope(qualified), refs, catalog)
        qualified = pushdown_predicates(qualified)
        scopes = traverse_scope(qualified)
    except OptimizeError as exc:
        text = str(exc)
        m = re.search(r"Column '([^']+)' could not be resolved", text)
        if m:
            _unknown_column(m.group(1).split(".")[-1], tree, refs, catalog)
        # Valid SQL that qualification does not follow (a whole-row reference, say):
        # plan without pushdown and with every column, which is always correct.
        logger.debug("no pushdown: qualification failed: %s", text)
        return Analysis()
    except Exception as exc:  # noqa: BLE001 - analysis is an optimization: any failure of
        # sqlglot's optimizer on valid SQL means planning without pushdown, never an error.
        logger.debug("no pushdown: analysis failed: %r", exc)
        return Analysis()

    as_timestamps(qualified, seconds)
    facts: dict[int, ScanFacts] = {i: ScanFacts() for i in range(len(refs))}
    # Whatever qualification left unexpanded (COLUMNS(…), a star it could not follow)
    # needs every column of every scan.
    star_anywhere = (
        any(not isinstance(s.parent, exp.Count) for s in qualified.find_all(exp.Star))
        or qualified.find(exp.Columns, exp.Pivot) is not None
    )
    aliases: dict[str, list[int]] = {}
    for node in qualified.find_all(exp.Table):
        index = node.meta.get(_META_KEY)
        if index is not None:
            aliases.setdefault(node.alias_or_name, []).append(index)
    for column in qualified.find_all(exp.Column):
        for index in aliases.get(column.table, ()):
            facts[index].columns.add(column.name.lower())
            if column.find_ancestor(exp.Where, exp.Join, exp.Having, exp.Qualify, exp.Group):
                facts[index].compared.add(column.name.lower())
    # The engine runs the query as written, not the qualified copy: a column the copy
    # lost (`x IS NULL OR x IS NOT NULL` simplified away, `* EXCLUDE (x)` expanded) is
    # still named there, so every column name written in the query is read too.
    # A qualifier that names a scan's alias keeps the name to that scan.
    scan_aliases = {ref.alias.lower() for ref in refs}
    for column in tree.find_all(exp.Column):
        qualifier = column.table.lower()
        for index, ref in enumerate(refs):
            if qualifier in scan_aliases and qualifier != ref.alias.lower():
                continue
            if catalog.tables[ref.table].column(column.name) is not None:
                facts[index].columns.add(column.name.lower())
    for index in range(len(refs)):
        facts[index].all_columns = star_anywhere
    for whole_row in qualified.find_all(exp.TableColumn):  # `to_json(c)`: every column of c
        for index in aliases.get(whole_row.name, ()):
            facts[index].all_columns = True

    for scope in scopes:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        scans_here = {
            alias: source.meta[_META_KEY]
            for alias, source in scope.sources.items()
            if isinstance(source, exp.Table) and _META_KEY in source.meta
        }
        if not scans_here:
            continue
        preds = [p for p in pushdown.conjuncts(select) if not _crossed_distinct_on(p, select)]
        for alias, index in scans_here.items():
            facts[index].predicates.extend(p for p in preds if _only_refers_to(p, alias))
        known = {i: list(facts[i].predicates) for i in scans_here.values()}
        column_type = _column_types(scans_here, refs, catalog)
        for index, pred, note in joins.derived_predicates(select, scans_here, known, column_type):
            facts[index].predicates.append(pred)
            facts[index].notes.append(note)
        for candidate in joins.keyed_candidates(select, scans_here, column_type):
            facts[candidate.target].keyed.append(candidate)
        if len(scope.sources) == 1 and len(scans_here) == 1 and not select.args.get("joins"):
            index = next(iter(scans_here.values()))
            alias = next(iter(scans_here))
            limit = _limit_rows(select, alias, scalars)
            if limit is not None:
                facts[index].limit = limit
                facts[index].limit_ok = len(preds) == len(facts[index].predicates)
    return Analysis(facts, seconds, ok=True)


def _column_types(
    scans: dict[str, int], refs: list[TableRef], catalog: Catalog
) -> joins.ColumnType:
    """(alias, column) → the column's catalog type, for the scans of one scope."""

    def column_type(alias: str, name: str) -> str | None:
        index = scans.get(alias)
        if index is None:
            return None
        column = catalog.tables[refs[index].table].column(name)
        return column.type if column is not None else None

    return column_type


def _protect_from_simplifier(tree: exp.Expr) -> None:
    """Keep sqlglot's simplifier (run by pushdown_predicates) from changing what a
    condition means in the analysis copy.

    It turns `date_trunc('day', created) > TIMESTAMPTZ '… +02:00'` into a range on
    `created` whose bound it rounds in the literal's offset, while DuckDB truncates in
    UTC, and `BETWEEN SYMMETRIC` into a plain range that is empty when the bounds are
    given high to low. Truncations are left opaque (the engine alone applies them); a
    symmetric BETWEEN becomes the plain one with its bounds in order, when they are
    constants, and opaque otherwise.
    """
    for trunc in list(tree.find_all(exp.DateTrunc, exp.TimestampTrunc, exp.DatetimeTrunc)):
        trunc.replace(exp.Anonymous(this=_OPAQUE, expressions=[trunc.copy()]))
    for node in list(tree.find_all(exp.Between)):
        if not node.args.get("symmetric"):
            continue
        low, high = node.args["low"], node.args["high"]
        lo, hi = pushdown.epoch_or_number(low), pushdown.epoch_or_number(high)
        if lo is None or hi is None:
            node.replace(exp.Anonymous(this=_OPAQUE, expressions=[node.copy()]))
            continue
        if lo > hi:
            low, high = high, low
        node.replace(exp.Between(this=node.this.copy(), low=low.copy(), high=high.copy()))


def _tag_homes(tree: exp.Expr) -> None:
    """Mark each WHERE conjunct with the SELECT it was written in (see _crossed_distinct_on)."""
    for n, select in enumerate(tree.find_all(exp.Select)):
        select.meta[_HOME_TAG] = n
        where = select.args.get("where")
        if where is not None:
            for part in pushdown.split_and(where.this):
                part.meta[_HOME_TAG] = n


def _crossed_distinct_on(pred: exp.Expr, select: exp.Select) -> bool:
    """True for a predicate sqlglot moved into `select` from outside across a DISTINCT ON.

    `DISTINCT ON` keeps one row per key before an outer filter runs, so a filter written
    outside it must not select the rows it picks from (sqlglot's pushdown does not know
    that). A moved predicate is kept only when no SELECT it entered has DISTINCT ON.
    """
    if pred.meta.get(_HOME_TAG) == select.meta.get(_HOME_TAG):
        return False
    node: exp.Expr | None = select
    while node is not None:
        if isinstance(node, exp.Select):
            if node.meta.get(_HOME_TAG) == pred.meta.get(_HOME_TAG):
                return False
            distinct = node.args.get("distinct")
            if distinct is not None and distinct.args.get("on") is not None:
                return True
        node = node.parent
    return False


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _unix_seconds(scopes: list[Scope], refs: list[TableRef], catalog: Catalog) -> set[int]:
    """Tags of integer literals compared with a Stripe table's unix-time column.

    The column is followed to its source through CTEs and derived tables, so a user's own
    column that happens to be called `created` (`epoch(created) AS created`) keeps its
    integers.
    """
    out: set[int] = set()
    for scope in scopes:
        for node in find_all_in_scope(scope.expression, *_COMPARISONS, exp.Between, exp.In):
            if isinstance(node, _COMPARISONS):
                pairs = [(node.left, node.right), (node.right, node.left)]
            elif isinstance(node, exp.Between):
                pairs = [(node.this, node.args["low"]), (node.this, node.args["high"])]
            else:
                pairs = [(node.this, v) for v in node.expressions]
            for column, other in pairs:
                tag = other.meta.get(_LITERAL_TAG) if isinstance(other, exp.Literal) else None
                if tag is None or not isinstance(column, exp.Column):
                    continue
                if isinstance(pushdown.constant(other), int) and _is_stamp(
                    column, scope, refs, catalog
                ):
                    out.add(tag)
    return out


def _is_stamp(column: exp.Column, scope: Scope, refs: list[TableRef], catalog: Catalog) -> bool:
    """True when `column` reads a TIMESTAMP column of a Stripe table, unchanged."""
    for _ in range(64):  # CTEs nest; a bound keeps a malformed tree from looping
        source = scope.sources.get(column.table)
        if isinstance(source, exp.Table):
            index = source.meta.get(_META_KEY)
            if index is None:
                return False
            found = catalog.tables[refs[index].table].column(column.name)
            return found is not None and found.type == TIMESTAMP
        if not isinstance(source, Scope) or not isinstance(source.expression, exp.Select):
            return False
        inner = next((s for s in source.expression.selects if s.alias_or_name == column.name), None)
        if isinstance(inner, exp.Alias):
            inner = inner.this
        if not isinstance(inner, exp.Column):
            return False
        column, scope = inner, source
    return False


def as_timestamps(tree: exp.Expr, seconds: set[int]) -> None:
    """`1780000000` → `to_timestamp(1780000000)` for each integer literal tagged in `seconds`."""
    if not seconds:
        return
    for node in list(tree.find_all(exp.Literal)):
        if node.meta.get(_LITERAL_TAG) in seconds and not isinstance(node.parent, exp.UnixToTime):
            node.replace(exp.UnixToTime(this=node.copy()))


def _only_refers_to(pred: exp.Expr, alias: str) -> bool:
    columns = list(pred.find_all(exp.Column))
    if not columns or any(c.table != alias for c in columns):
        return False
    return not any(isinstance(n, (exp.Subquery, exp.Query)) for n in pred.find_all(exp.Query))


def _limit_rows(select: exp.Select, alias: str, scalars: frozenset[str]) -> int | None:
    """LIMIT + OFFSET when Stripe's newest-first order can satisfy it, else None."""
    limit = select.args.get("limit")
    if limit is None or not isinstance(limit, exp.Limit):
        return None
    options = limit.args.get("limit_options")
    if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
        return None  # a share of the rows, or ties past n: Stripe's limit cannot say it
    count = pushdown.constant(limit.expression)
    offset_node = select.args.get("offset")
    offset = pushdown.constant(offset_node.expression) if offset_node is not None else 0
    if not isinstance(count, int) or not isinstance(offset, int) or count < 0 or offset < 0:
        return None
    if select.args.get("group") or select.args.get("having") or select.args.get("distinct"):
        return None
    if select.args.get("qualify") or not row_wise_expressions(select, scalars):
        return None
    order = select.args.get("order")
    if order is not None:
        keys = order.expressions
        if len(keys) != 1:
            return None
        key = keys[0]
        if not (key.args.get("desc") and _is_created(key.this, select, alias)):
            return None
    return count + offset


def _is_created(node: exp.Expr, select: exp.Select, alias: str) -> bool:
    """True when an ORDER BY key is the scan's own `created` (Stripe's order).

    An unqualified name is the select list's alias first: `amount AS created` orders by
    amount, and only a projection that is the column itself orders as Stripe does.
    """
    if not isinstance(node, exp.Column):
        return False
    if not node.table:
        projected = next((s for s in select.selects if s.alias_or_name == node.name), None)
        if projected is None:
            return False
        node = projected.this if isinstance(projected, exp.Alias) else projected
        if not isinstance(node, exp.Column):
            return False
    return node.table == alias and node.name.lower() == "created"


_ROW_WISE_ARGS = {"expressions", "from_", "from", "where"}
# Known functions that are not one value per row: aggregates and windows are classes of
# their own in sqlglot; these make rows or read state.
_NOT_SCALAR = (exp.AggFunc, exp.Window, exp.Explode, exp.Unnest, exp.GenerateSeries)
_STATEFUL = {"nextval", "currval", "row_number", "unnest", "generate_series", "range"}


def is_row_wise(tree: exp.Expr, scalars: frozenset[str]) -> bool:
    """True for `SELECT <expressions> FROM <one table> [WHERE …]` whose every output row
    depends on one input row only: the engine may then run it on each page as it arrives
    (the first row after one page), since the union of the per-page answers is the answer.
    """
    if not isinstance(tree, exp.Select) or tree.find(exp.TableSample) is not None:
        return False  # a sample per page would be one sample per page
    if any(value for key, value in tree.args.items() if key not in _ROW_WISE_ARGS):
        return False  # joins, GROUP BY, ORDER BY, LIMIT, DISTINCT, WITH, QUALIFY …
    return row_wise_expressions(tree, scalars)


def row_wise_expressions(select: exp.Select, scalars: frozenset[str]) -> bool:
    """True when every function in `select` (subqueries aside) is known to be scalar.

    By positive proof only: a function sqlglot does not know (`mean`, `fsum`, `histogram`
    … parse as anonymous) counts as scalar only when the engine's catalogue of scalar
    functions (`scalars`, from DuckDB's `duckdb_functions()`) names it; an unknown name
    may be an aggregate, which per page would answer once per page.
    """
    for node in select.find_all(exp.Func, exp.Query, exp.Subquery):
        if node is select:
            continue
        if isinstance(node, (exp.Query, exp.Subquery, *_NOT_SCALAR)):
            return False
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name == _OPAQUE:
                continue  # a date_trunc hidden from the simplifier (see _opaque_truncations)
            if name not in scalars or name in _STATEFUL:
                return False
    return True


def _unknown_column(name: str, tree: exp.Expr, refs: list[TableRef], catalog: Catalog) -> None:
    """Raise "Unknown column" unless `name` is a column of some table in the query or an
    alias of one (a whole-row reference), which qualification alone cannot follow."""
    lowered = name.lower()
    names = {c.name for r in refs for c in catalog.tables[r.table].columns}
    aliases = {t.alias_or_name.lower() for t in tree.find_all(exp.Table)}
    aliases |= {s.alias.lower() for s in tree.find_all(exp.Subquery) if s.alias}
    aliases |= {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    if lowered in {n.lower() for n in names} or lowered in aliases:
        return
    raise ProgrammingError(f"Unknown column `{name}`{did_you_mean(name, sorted(names))}") from None
