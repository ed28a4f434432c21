"""SQL + catalog → Plan. Pure: no network, no engine.

sqlglot parses the query (DuckDB dialect), parameters are bound as literals, every Stripe
table reference becomes a Scan, and the predicates each scan may send to Stripe are picked
from a qualified copy of the query (see `pushdown.py`). The SQL handed to the engine is
the user's query with each table reference replaced by a typed projection over the scan's
Arrow stream, so column names, functions and semantics stay DuckDB's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError, TokenError
from sqlglot.optimizer.pushdown_predicates import pushdown_predicates
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.schema import MappingSchema

from stripe_dbapi import joins, pushdown, sqlparams, typemap
from stripe_dbapi.catalog.model import TIMESTAMP, Catalog, Table
from stripe_dbapi.exceptions import NotSupportedError, ProgrammingError, did_you_mean
from stripe_dbapi.plan import Call, FanOut, Plan, Scan

logger = logging.getLogger(__name__)

DIALECT = "duckdb"
MAX_ANALYSED_ANDS = 200  # longer AND chains are planned without pushdown (see _analyse)
MAX_CALLS = 100  # IN lists and id look-ups beyond this fall back to one wider scan
_EXPLAIN_RE = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*explain(\s+analyze)?\s+", re.IGNORECASE | re.DOTALL
)
_PASS_THROUGH_SCHEMAS = {"information_schema", "pg_catalog"}
_WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Copy,
    exp.TruncateTable,
    exp.Attach,
    exp.Detach,
)
_META_KEY = "stripe_scan"


class _QuietCommandFallback(logging.Filter):
    """sqlglot warns on stderr when it parses unsupported syntax as a raw command; the
    planner refuses such statements with a clear error of its own, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "contains unsupported syntax" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietCommandFallback())


def plan_query(
    sql: str,
    catalog: Catalog,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    *,
    use_search: bool = False,
    pushdown: bool = True,
) -> Plan:
    """Plan one statement. Raises ProgrammingError / NotSupportedError for bad queries."""
    if not isinstance(sql, str):
        raise ProgrammingError(f"The query must be a string, not {type(sql).__name__}.")
    explain = False
    match = _EXPLAIN_RE.match(sql)
    if match:
        explain, sql = True, sql[match.end() :]
    tree = _parse(sql)
    sqlparams.bind(tree, params)
    refs = _table_refs(tree, catalog)
    _json_arrows_in_arguments(tree)
    _unix_seconds_as_timestamps(tree, [catalog.tables[r.table] for r in refs])
    row_wise = pushdown and len(refs) == 1 and _is_row_wise(tree)
    analysis = _analyse(tree, refs, catalog)
    scans = tuple(
        _plan_scan(i, ref, analysis.get(i), catalog, use_search)
        if pushdown
        else _reference_scan(i, ref, analysis.get(i), catalog)
        for i, ref in enumerate(refs)
    )
    for ref, scan in zip(refs, scans):
        ref.node.replace(_scan_relation(scan, catalog.tables[scan.table], ref.alias))
    work = _engine_work(tree)
    if row_wise:
        work = (*work, "runs on each page as it arrives")
    rescans = tree.find(exp.Pivot) is not None
    return Plan(
        tree.sql(DIALECT),
        scans,
        explain=explain,
        engine_work=work,
        rescans=rescans,
        row_wise=row_wise,
    )


# -- parsing -----------------------------------------------------------------------------


TOO_DEEP = "The query is nested too deeply to plan; simplify its nesting."


def _parse(sql: str) -> exp.Expr:
    if not sql.strip():
        raise ProgrammingError("The query is empty.")
    try:
        statements = [s for s in sqlglot.parse(sql, dialect=DIALECT) if s is not None]
    except ParseError as exc:
        raise ProgrammingError(f"SQL syntax error{_where(exc)}") from None
    except TokenError as exc:
        raise ProgrammingError(f"SQL syntax error: {_first_line(exc)}") from None
    except RecursionError:
        raise ProgrammingError(TOO_DEEP) from None
    except (SqlglotError, ValueError) as exc:
        raise ProgrammingError(f"The query could not be parsed: {_first_line(exc)}") from None
    if not statements:
        raise ProgrammingError("The query is empty.")
    if len(statements) > 1:
        raise ProgrammingError("Only one statement can be executed at a time.")
    tree = statements[0]
    if isinstance(tree, _WRITES) or (
        isinstance(tree, exp.Command) and str(tree.this).upper() in ("INSERT", "UPDATE", "DELETE")
    ):
        kind = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
        raise NotSupportedError(f"stripe_dbapi is read-only: {kind} statements are not supported.")
    if not isinstance(tree, (exp.Query, exp.Pivot)):  # DuckDB's PIVOT statement reads too
        kind = str(tree.this).upper() if isinstance(tree, exp.Command) else tree.key.upper()
        raise NotSupportedError(
            f"stripe_dbapi runs read-only queries (SELECT, WITH …, EXPLAIN); {kind} statements "
            "are not supported."
        )
    return tree


def _where(exc: ParseError) -> str:
    """` at line L, column C: <what>` from sqlglot's structured error, without token dumps."""
    if not exc.errors:
        return f": {_first_line(exc)}"
    err = exc.errors[0]
    what = re.sub(
        r"<Token token_type: [^,]+, text: ([^,]*),.*?>", r"`\1`", str(err.get("description", ""))
    )
    return f" at line {err.get('line')}, column {err.get('col')}: {what}"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- table references --------------------------------------------------------------------


@dataclass
class _Ref:
    node: exp.Table
    table: str
    alias: str


def _table_refs(tree: exp.Expr, catalog: Catalog) -> list[_Ref]:
    """Every reference to a Stripe table, tagged in the tree with its scan index."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    refs: list[_Ref] = []
    for node in list(tree.find_all(exp.Table)):
        if not isinstance(node.this, exp.Identifier):
            continue  # a table function such as range(3)
        db = node.db.lower()
        name = node.name.lower()
        if db in _PASS_THROUGH_SCHEMAS:
            continue
        if node.catalog and node.catalog.lower() not in ("memory", "stripe"):
            raise ProgrammingError(
                f"Unknown catalog `{node.catalog}`; Stripe tables live in `stripe`."
            )
        if db not in ("", "stripe", "main"):
            raise ProgrammingError(f"Unknown schema `{node.db}`; Stripe tables live in `stripe`.")
        if db == "" and name in ctes:
            continue
        if catalog.get(name) is None:
            raise ProgrammingError(
                f"Unknown table `{node.name}`{did_you_mean(name, list(catalog.tables))}"
            )
        alias = node.alias_or_name
        node.meta[_META_KEY] = len(refs)
        node.set("db", None)
        node.set("catalog", None)
        node.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        refs.append(_Ref(node=node, table=name, alias=alias))
    return refs


# -- analysis ------------------------------------------------------------------------------


@dataclass
class _ScanFacts:
    """What the query says about one scan: its predicates, the columns it uses, its LIMIT."""

    predicates: list[exp.Expr] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    all_columns: bool = False
    limit: int | None = None
    limit_ok: bool = False  # the scope is a bare filter over this scan alone
    notes: list[str] = field(default_factory=list)  # join pushdown, for EXPLAIN
    compared: set[str] = field(default_factory=set)  # columns used in WHERE, ON, HAVING …


@lru_cache(maxsize=4)
def _schema(catalog: Catalog) -> MappingSchema:
    return MappingSchema(
        {t.name: {c.name: c.type for c in t.columns} for t in catalog},
        dialect=DIALECT,
    )


def _analyse(tree: exp.Expr, refs: list[_Ref], catalog: Catalog) -> dict[int, _ScanFacts]:
    """Facts per scan index, read from a qualified copy; {} when qualification fails."""
    if not refs:
        return {}
    if sum(1 for node in tree.walk() if isinstance(node, exp.And)) > MAX_ANALYSED_ANDS:
        # sqlglot's qualification takes time quadratic in the length of an AND chain
        # (1,500 conditions: ~20 s); such generated queries run without pushdown.
        logger.debug("no pushdown: more than %d AND-ed conditions", MAX_ANALYSED_ANDS)
        return {}
    copy = tree.copy()
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
        return {}
    except Exception as exc:  # noqa: BLE001 - analysis is an optimization: any failure of
        # sqlglot's optimizer on valid SQL means planning without pushdown, never an error.
        logger.debug("no pushdown: analysis failed: %r", exc)
        return {}

    facts: dict[int, _ScanFacts] = {i: _ScanFacts() for i in range(len(refs))}
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
        preds = pushdown.conjuncts(select)
        for alias, index in scans_here.items():
            facts[index].predicates.extend(p for p in preds if _only_refers_to(p, alias))
        known = {i: list(facts[i].predicates) for i in scans_here.values()}
        for index, pred, note in joins.derived_predicates(select, scans_here, known):
            facts[index].predicates.append(pred)
            facts[index].notes.append(note)
        if len(scope.sources) == 1 and len(scans_here) == 1 and not select.args.get("joins"):
            index = next(iter(scans_here.values()))
            alias = next(iter(scans_here))
            limit = _limit_rows(select, alias)
            if limit is not None:
                facts[index].limit = limit
                facts[index].limit_ok = len(preds) == len(facts[index].predicates)
    return facts


def _only_refers_to(pred: exp.Expr, alias: str) -> bool:
    columns = list(pred.find_all(exp.Column))
    if not columns or any(c.table != alias for c in columns):
        return False
    return not any(isinstance(n, (exp.Subquery, exp.Query)) for n in pred.find_all(exp.Query))


def _limit_rows(select: exp.Select, alias: str) -> int | None:
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
    if select.args.get("qualify") or select.find(exp.AggFunc) or select.find(exp.Window):
        return None
    order = select.args.get("order")
    if order is not None:
        keys = order.expressions
        if len(keys) != 1:
            return None
        key = keys[0]
        column = key.this
        if not (
            isinstance(column, exp.Column)
            and column.name.lower() == "created"
            and column.table in ("", alias)
            and key.args.get("desc")
        ):
            return None
    return count + offset


_ROW_WISE_ARGS = {"expressions", "from_", "from", "where"}


def _is_row_wise(tree: exp.Expr) -> bool:
    """True for `SELECT <expressions> FROM <one table> [WHERE …]` whose every output row
    depends on one input row only: the engine may then run it on each page as it arrives
    (the first row after one page), since the union of the per-page answers is the answer."""
    if not isinstance(tree, exp.Select):
        return False
    if any(value for key, value in tree.args.items() if key not in _ROW_WISE_ARGS):
        return False  # joins, GROUP BY, ORDER BY, LIMIT, DISTINCT, WITH, QUALIFY …
    for node in tree.walk():
        kinds = (exp.AggFunc, exp.Window, exp.Query, exp.Subquery, exp.Explode)
        if isinstance(node, kinds) and node is not tree:
            return False
        if isinstance(node, exp.Anonymous) and node.name.lower() in _NOT_ROW_WISE:
            return False
    return True


# Functions whose value depends on other rows or on how many times they are called.
_NOT_ROW_WISE = {"nextval", "row_number", "unnest", "generate_series", "range"}


def _unknown_column(name: str, tree: exp.Expr, refs: list[_Ref], catalog: Catalog) -> None:
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


def _json_arrows_in_arguments(tree: exp.Expr) -> None:
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


def _unix_seconds_as_timestamps(tree: exp.Expr, tables: list[Table]) -> None:
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


# -- scans ---------------------------------------------------------------------------------


def _plan_scan(
    index: int, ref: _Ref, facts: _ScanFacts | None, catalog: Catalog, use_search: bool
) -> Scan:
    table = catalog.tables[ref.table]
    facts = facts or _ScanFacts(all_columns=True)
    columns = _needed_columns(table, facts)
    pushable = {
        f.column.lower(): column.type
        for f in table.filters
        if (column := table.column(f.column)) is not None
    }
    parent_column = table.column(table.parent.column) if table.parent is not None else None
    if parent_column is not None:
        pushable.setdefault(parent_column.name, parent_column.type)
    if table.retrieve_path:
        pushable["id"] = "VARCHAR"
    bounds, rest = pushdown.collect(facts.predicates, ref.alias, pushable)
    builder = _CallBuilder(table, catalog, bounds)
    _check_filter_only(table, bounds, facts)
    max_rows = facts.limit if facts.limit_ok and not rest else None
    calls, fanout = builder.build(max_rows)
    if use_search and fanout is None and table.search_path and table.search_fields:
        search = _search_call(table, ref.alias, facts, pushable, rest, builder)
        if search is not None:
            calls = [search]
    return Scan(
        index=index,
        table=table.name,
        alias=ref.alias,
        columns=columns,
        calls=tuple(calls),
        fanout=fanout,
        pushed=tuple(dict.fromkeys(builder.pushed)),
        notes=tuple(dict.fromkeys([*facts.notes, *builder.notes])),
    )


def _reference_scan(index: int, ref: _Ref, facts: _ScanFacts | None, catalog: Catalog) -> Scan:
    """Pushdown=false: a plain full read of the table, every column, no LIMIT, one call per
    parent in a fan-out (embedded lists unused), rows not merged across calls. Only what
    the table cannot be read or filled without is sent: required parameters, the parent key
    of a child without a parent table, and filter-only columns' = / IN constants."""
    table, facts = catalog.tables[ref.table], facts or _ScanFacts()
    keep = {c.name.lower() for c in table.columns if c.filter_only}
    keep |= {f.column.lower() for f in table.filters if f.param in table.required}
    filled: set[str] = set()  # the parent key, filled by the fan-out
    if table.parent is not None:
        fans_out = table.parent.table is not None and table.parent.table in catalog.tables
        (filled if fans_out else keep).add(table.parent.column.lower())
    types = {c.name.lower(): c.type for c in table.columns if c.name.lower() in keep - filled}
    bounds, _ = pushdown.collect(facts.predicates, ref.alias, types)
    _check_filter_only(table, bounds, _ScanFacts(compared=facts.compared - filled))
    builder = _CallBuilder(table, catalog, bounds)
    calls, fanout = builder.build(None)
    if any(note.startswith("IN on ") for note in builder.notes):
        raise NotSupportedError("Pushdown=false expands one IN list of filter-only columns.")
    return Scan(
        index,
        table.name,
        ref.alias,
        table.column_names,
        tuple(calls),
        fanout if fanout is None else replace(fanout, embedded=None),
        tuple(dict.fromkeys(builder.pushed)),
        ("Pushdown=false: reference read", *dict.fromkeys(builder.notes)),
        dedupe_by_id=False,
    )


def _search_call(
    table: Table,
    alias: str,
    facts: _ScanFacts,
    pushable: dict[str, str],
    rest: list[exp.Expr],
    builder: _CallBuilder,
) -> Call | None:
    """One Search API call, when it narrows something a list call cannot (UseSearch=true).

    Search is eventually consistent, so it is only used when the user opted in, and only
    when it sends a predicate the list endpoint could not; EXPLAIN says so.
    """
    if not builder.calls_are_lists:
        return None
    types = dict(pushable)
    for name in table.search_fields:
        column = table.column(name)
        if column is not None:
            types.setdefault(name, column.type)
    clauses = pushdown.search_clauses(facts.predicates, alias, table.search_fields, types)
    if not any(any(pred is r for r in rest) for _, pred in clauses):
        return None
    query = " AND ".join(text for text, _ in clauses)
    builder.pushed = [pred.sql(DIALECT) for _, pred in clauses]
    builder.notes = [
        "Search API (UseSearch=true): eventually consistent, new objects can take a "
        "minute to appear"
    ]
    return Call("search", table.search_path or "", (("query", query),))


def _needed_columns(table: Table, facts: _ScanFacts) -> tuple[str, ...]:
    if facts.all_columns:
        return table.column_names
    wanted = facts.columns | {"id"}
    return tuple(c.name for c in table.columns if c.name.lower() in wanted)


def _check_filter_only(table: Table, bounds: dict[str, pushdown.Bounds], facts: _ScanFacts) -> None:
    """A filter-only column holds a value only when the query gives it as a constant (= or
    IN); used any other way in a condition (a join, a subquery) it would silently match
    nothing, so that is an error instead."""
    for column in table.columns:
        if not column.filter_only:
            continue
        used = column.name.lower() in facts.compared
        b = bounds.get(column.name.lower())
        if used and (b is None or b.values is None):
            raise ProgrammingError(
                f"`{table.name}.{column.name}` is a filter-only column (Stripe does not return "
                "it): it can only be compared with constants, = or IN, in WHERE."
            )


class _CallBuilder:
    """Turns bounds on a table's columns into the fewest Stripe calls that cover them."""

    def __init__(self, table: Table, catalog: Catalog, bounds: dict[str, pushdown.Bounds]) -> None:
        self.table = table
        self.catalog = catalog
        self.bounds = bounds
        self.pushed: list[str] = []
        self.notes: list[str] = []
        self._kind = "none"

    @property
    def calls_are_lists(self) -> bool:
        """True unless the plan chose retrieves by id or found no row can match."""
        return self._kind == "list"

    def build(self, max_rows: int | None) -> tuple[list[Call], FanOut | None]:
        self._kind = "none"
        if max_rows == 0 or any(b.values == set() for b in self.bounds.values()):
            self.notes.append("no row can match: no Stripe call")
            return [], None
        retrieve = self._retrieve_calls()
        if retrieve is not None:
            self._kind = "retrieve"
            return retrieve, None
        params, choices, fill = self._list_params()
        if params is None:
            self.notes.append("the ranges cannot all hold: no Stripe call")
            return [], None
        self._kind = "list"
        parent = self.table.parent
        parent_values = self._values(parent.column) if parent else None
        if parent is not None and parent_values is None:
            return [], self._fanout(params, fill, max_rows)
        calls: list[Call] = []
        keys = sorted(parent_values, key=str) if parent_values is not None else [None]
        for key in keys:
            for combo in choices:
                path, extra, extra_fill = self._path_for(key)
                calls.append(
                    Call(
                        "list",
                        path,
                        tuple(params + extra + combo),
                        max_rows,
                        tuple(fill + extra_fill + _fills(self.table, combo)),
                        _slice_param(self.table, max_rows),
                    )
                )
        if len(calls) > MAX_CALLS:
            raise ProgrammingError(
                f"The query asks for {len(calls)} separate Stripe list calls on "
                f"`{self.table.name}`; narrow the IN lists (at most {MAX_CALLS})."
            )
        return calls, None

    def _values(self, column: str) -> set[Any] | None:
        b = self.bounds.get(column.lower())
        return b.values if b is not None else None

    def _retrieve_calls(self) -> list[Call] | None:
        ids = self._values("id")
        path = self.table.retrieve_path
        if ids is None or path is None or len(ids) > MAX_CALLS:
            return None
        parent_key: list[Any] = [None]
        if self.table.parent is not None and "{" + self.table.parent.column + "}" in path:
            parents = self._values(self.table.parent.column)
            if parents is None or len(parents) * len(ids) > MAX_CALLS:
                return None
            parent_key = sorted(parents, key=str)
        calls = []
        for key in parent_key:
            for object_id in sorted(ids, key=str):
                filled = path.replace("{id}", quote(str(object_id), safe=""))
                fill: tuple[tuple[str, str], ...] = ()
                if key is not None and self.table.parent is not None:
                    column = self.table.parent.column
                    filled = filled.replace("{" + column + "}", quote(str(key), safe=""))
                    fill = ((column, str(key)),)
                calls.append(Call("retrieve", filled, (), None, fill))
        self.pushed.extend(self.bounds["id"].texts)
        return calls

    def _list_params(
        self,
    ) -> tuple[list[tuple[str, str]] | None, list[list[tuple[str, str]]], list[tuple[str, str]]]:
        """Fixed params, the alternatives an IN list expands to, and the fill values."""
        params: list[tuple[str, str]] = []
        fill: list[tuple[str, str]] = []
        expand_param: str | None = None
        expand_values: list[str] = []
        sent_params: set[str] = set()
        parent_param = self.table.parent.param if self.table.parent else None
        for f in self.table.filters:
            if f.param == parent_param:
                continue  # the parent key goes in the path or per call (see _path_for)
            b = self.bounds.get(f.column.lower())
            if b is None:
                continue
            if f.kind == "range" and b.values is None:
                ranges = pushdown.integer_range(b)
                if ranges is None:
                    return None, [], []
                for op, value in ranges:
                    params.append((f"{f.param}[{op}]", str(value)))
                if ranges:
                    sent_params.add(f.param)
                    self.pushed.extend(b.texts)
                continue
            if b.values is None:
                continue
            values = sorted((pushdown.value_text(v) for v in b.values), key=str)
            if f.kind == "range" and not all(v.lstrip("-").isdigit() for v in values):
                continue
            if len(values) == 1:
                params.append((f.param, values[0]))
                sent_params.add(f.param)
                self.pushed.extend(b.texts)
            elif expand_param is None:
                expand_param, expand_values = f.param, values
                sent_params.add(f.param)
                self.pushed.extend(b.texts)
            else:
                self.notes.append(f"IN on {f.column} left to the engine (one IN list is expanded)")
        for name, default in self.table.defaults.items():
            if name not in sent_params:
                params.append((name, default))
                self.notes.append(f"scan default {name}={default}")
        missing = [r for r in self.table.required if r not in sent_params and r != parent_param]
        if missing:
            columns = ", ".join(f"`{self._column_for(r)}`" for r in missing)
            raise ProgrammingError(
                f"Stripe needs {columns} to list `{self.table.name}`: add "
                f"WHERE {self._column_for(missing[0])} = … to the query."
            )
        choices = [[(expand_param, v)] for v in expand_values] if expand_param else [[]]
        fill.extend((p, v) for p, v in params if self._is_filter_only(p))
        return params, choices, fill

    def _column_for(self, param: str) -> str:
        for f in self.table.filters:
            if f.param == param:
                return f.column
        return param

    def _is_filter_only(self, param: str) -> bool:
        column = self.table.column(self._column_for(param))
        return bool(column and column.filter_only)

    def _path_for(self, key: Any) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
        parent = self.table.parent
        if parent is None or key is None:
            return self.table.list_path, [], []
        text = str(key)
        self.pushed.extend(self.bounds[parent.column.lower()].texts)
        if parent.in_ == "path":
            path = self.table.list_path.replace("{" + parent.param + "}", quote(text, safe=""))
            return path, [], [(parent.column, text)]
        return self.table.list_path, [(parent.param, text)], [(parent.column, text)]

    def _fanout(
        self, params: list[tuple[str, str]], fill: list[tuple[str, str]], max_rows: int | None
    ) -> FanOut:
        parent = self.table.parent
        assert parent is not None
        if parent.table is None or self.catalog.get(parent.table) is None:
            raise ProgrammingError(
                f"Stripe lists `{self.table.name}` only for one `{parent.column}` at a time: "
                f"add WHERE {parent.column} = … to the query."
            )
        parent_table = self.catalog.tables[parent.table]
        parent_params = tuple(parent_table.defaults.items())
        parent_scan = Scan(
            index=-1,
            table=parent_table.name,
            alias=parent_table.name,
            columns=("id",),
            calls=(
                Call(
                    "list",
                    parent_table.list_path,
                    parent_params,
                    slice=_slice_param(parent_table, None),
                ),
            ),
        )
        in_path = parent.in_ == "path"
        path = (
            self.table.list_path.replace("{" + parent.param + "}", "{key}")
            if in_path
            else self.table.list_path
        )
        extra = [] if in_path else [(parent.param, "{key}")]
        template = Call(
            "list",
            path,
            tuple(params + extra),
            max_rows,
            tuple(fill),
            _slice_param(self.table, max_rows),
        )
        embedded = (
            _embedded_field(parent_table, self.table) if not params and max_rows is None else None
        )
        return FanOut(parent_scan, template, parent.param, in_path, parent.column, embedded)


def _slice_param(table: Table, max_rows: int | None) -> str | None:
    """`created` when a list of `table` may be read in parallel time slices.

    Only without a pushed LIMIT: with one, newest-first pages in sequence are already
    the fewest requests, and slices would fetch rows the LIMIT throws away.
    """
    if max_rows is not None:
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


def _fills(table: Table, combo: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for param, value in combo:
        for f in table.filters:
            column = table.column(f.column)
            if f.param == param and column is not None and column.filter_only:
                out.append((f.column, value))
    return out


# -- the engine's SQL ------------------------------------------------------------------------


def _scan_relation(scan: Scan, table: Table, alias: str) -> exp.Expr:
    """`(SELECT <typed columns> FROM __stripe_scan_N) AS alias`."""
    parts = []
    for name in scan.columns:
        column = table.column(name)
        assert column is not None
        quoted = typemap.quote_ident(column.name)
        cast = typemap.rule(column.type).cast.format(quoted)
        parts.append(cast if cast == quoted else f"{cast} AS {quoted}")
    inner = sqlglot.parse_one(
        f"SELECT {', '.join(parts)} FROM {typemap.quote_ident(scan.raw_name)}", dialect=DIALECT
    )
    return exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _engine_work(tree: exp.Expr) -> tuple[str, ...]:
    work = []
    if tree.find(exp.Join):
        work.append("joins")
    if tree.find(exp.Where):
        work.append("re-applies every filter")
    if tree.find(exp.Group) or tree.find(exp.AggFunc):
        work.append("aggregates")
    if tree.find(exp.Window):
        work.append("window functions")
    if tree.find(exp.Order):
        work.append("sorts")
    if tree.find(exp.Limit):
        work.append("limits")
    return tuple(work)
