"""SQL + catalog → Plan. Pure: no network, no engine.

The passes, in order: the statement gate (`statement.py`) parses one read-only query;
parameters are bound as typed literals (`params.py`); every Stripe table reference becomes
a scan (`analysis.table_refs`); a qualified copy tells what the query says about each scan
(`analysis.analyse`); `pushdown.collect` folds its predicates into per-column bounds, and
`calls.build` turns those into Stripe calls with a record of what each call expresses
exactly. LIMIT goes to Stripe, and a query runs page by page, only from that record. The
SQL handed to the engine is the user's query with each table reference replaced by a typed
projection over the scan's Arrow stream, so column names, functions and semantics stay
DuckDB's, and the engine re-applies every predicate.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from sqlglot import exp

from stripe_dbapi import typemap
from stripe_dbapi.catalog.model import DIALECT, VARCHAR, Catalog, Table
from stripe_dbapi.exceptions import Error, InternalError, ProgrammingError
from stripe_dbapi.query import (
    analysis,
    calls,
    direct,
    joins,
    memo,
    pushdown,
    rewrites,
    search,
    statement,
)
from stripe_dbapi.query import params as sqlparams
from stripe_dbapi.query.analysis import ScanFacts, TableRef
from stripe_dbapi.query.calls import Calls, Exactness
from stripe_dbapi.query.plan import KEY, Call, KeyedFetch, Plan, Scan
from stripe_dbapi.query.statement import TOO_DEEP

logger = logging.getLogger(__name__)

# The most calls a run-time keyed read may make instead of reading a whole table. A whole
# list costs a request per 100 rows (more when read in parallel slices), so 20 retrieves
# are fewer requests than a scan of any table of more than 2,000 rows, the usual size of
# a table joined by id; on a smaller table a keyed read costs at most 20 requests.
KEYED_MAX_CALLS = 20

DIRECT_NOTE = (
    "answered by the driver from each page (columns as they are, equality and NULL "
    "filters re-applied): the engine binds the query once, over no rows"
)
REFERENCE_NOTE = "Pushdown=false: reference read (every row of the table; the engine filters)"


def plan_query(
    sql: str,
    catalog: Catalog,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    *,
    use_search: bool = False,
    pushdown: bool = True,
    scalars: frozenset[str] = frozenset(),
    now: float | None = None,
) -> Plan:
    """Plan one statement; only PEP 249 errors leave (ProgrammingError, NotSupportedError …).

    `pushdown=False` is the reference mode: each scan reads its whole table (with the
    table's scan defaults) and the engine does everything else. `scalars` names the
    engine's scalar functions, the proof a query may run page by page (see analysis);
    `now` the time a `now()` bound is computed at (unix seconds; default: the clock).
    """
    key = memo.plan_key(sql, params, catalog, scalars, (use_search, pushdown))
    kept = memo.kept_plan(key) if key is not None else None
    if kept is not None:
        return kept
    clock = _Clock(now)
    try:
        plan = _plan(sql, catalog, params, use_search, pushdown, scalars, clock)
    except Error:
        raise
    except RecursionError:
        # sqlglot walks trees recursively: a pathologically nested query that parsed may
        # still exhaust the stack later, and must fail as a query error.
        raise ProgrammingError(TOO_DEEP) from None
    except Exception as exc:
        # Nothing but PEP 249 errors may leave the driver; this one is a bug to report.
        raise InternalError(
            f"stripe_dbapi could not plan this query ({type(exc).__name__}: {exc}); "
            "please report it with the query."
        ) from exc
    if key is not None and not clock.read:
        memo.keep_plan(key, plan)
    return plan


class _Clock:
    """The plan's time, read only for a `now()` bound (pushdown.py): a plan that never
    read it is the same plan at any time, and may be kept (memo.py)."""

    def __init__(self, now: float | None) -> None:
        self._now = now
        self.read = False

    def __call__(self) -> float:
        self.read = True
        if self._now is None:
            self._now = time.time()
        return self._now


def _plan(
    sql: str,
    catalog: Catalog,
    params: Sequence[Any] | Mapping[str, Any] | None,
    use_search: bool,
    pushdown_on: bool,
    scalars: frozenset[str],
    now: _Clock,
) -> Plan:
    if not isinstance(sql, str):
        raise ProgrammingError(f"The query must be a string, not {type(sql).__name__}.")
    sqlparams.check_text(sql, "The query")
    explain, sql = statement.split_explain(sql)
    tree = statement.parse(sql)
    sqlparams.bind(tree, params)
    refs = analysis.table_refs(tree, catalog)
    rewrites.json_arrows_in_arguments(tree)
    analysis.tag_integers(tree)
    found = memo.analysed(
        sql,
        memo.params_key(params),
        catalog,
        scalars,
        lambda: analysis.analyse(tree, refs, catalog, scalars),
    )
    if found.ok:
        analysis.as_timestamps(tree, found.seconds)
    else:
        rewrites.unix_seconds_as_timestamps(tree, [catalog.tables[r.table] for r in refs])
    row_wise = pushdown_on and len(refs) == 1 and analysis.is_row_wise(tree, scalars)
    positional = _positional(tree)
    facts = {i: _columns_only(f) for i, f in found.facts.items()} if positional else found.facts
    scans = tuple(
        _plan_scan(i, ref, facts.get(i), catalog, use_search, now)
        if pushdown_on
        else _reference_scan(i, ref, facts.get(i), catalog)
        for i, ref in enumerate(refs)
    )
    if pushdown_on:
        scans = _keyed_reads(scans, facts, catalog)
    if positional:
        scans = tuple(_in_stripe_order(scan) for scan in scans)
    for ref, scan in zip(refs, scans):
        relation = _scan_relation(scan, catalog.tables[scan.table], ref.alias)
        if ref.node.args.get("joins"):
            relation.set("joins", ref.node.args["joins"])  # `FROM (a JOIN b ON …)`
        ref.node.replace(relation)
    work = _engine_work(tree)
    answered = None
    if row_wise:
        answered = direct.direct_form(tree, scans[0], catalog.tables[scans[0].table])
        work = (*work, "runs on each page as it arrives")
        if answered is not None:
            work = (*work, DIRECT_NOTE)
    reads_twice = tree.find(exp.Pivot) is not None
    return Plan(
        tree.sql(DIALECT),
        scans,
        explain=explain,
        engine_work=work,
        reads_twice=reads_twice,
        row_wise=row_wise,
        direct=answered,
    )


# -- scans -------------------------------------------------------------------------------------


POSITIONAL_NOTE = (
    "POSITIONAL JOIN: read whole and in Stripe's order (rows pair by position: a filter, "
    "a LIMIT or a parallel read would re-pair them)"
)


def _positional(tree: exp.Expr) -> bool:
    """Whether a POSITIONAL JOIN pairs rows by their place in each scan: then the rows
    a scan returns, and their order, are part of the answer (principle 1)."""
    return any(j.text("method").upper() == "POSITIONAL" for j in tree.find_all(exp.Join))


def _columns_only(facts: ScanFacts) -> ScanFacts:
    """What a scan under a POSITIONAL JOIN may use: the columns, nothing that narrows."""
    return ScanFacts(columns=facts.columns, all_columns=facts.all_columns)


def _in_stripe_order(scan: Scan) -> Scan:
    """The scan read in sequence, so its rows come in Stripe's order (newest first)."""
    unsliced = tuple(replace(call, slice=None) for call in scan.calls)
    return replace(scan, calls=unsliced, notes=(POSITIONAL_NOTE, *scan.notes))


def _plan_scan(
    index: int,
    ref: TableRef,
    facts: ScanFacts | None,
    catalog: Catalog,
    use_search: bool,
    now: Callable[[], float],
) -> Scan:
    table = catalog.tables[ref.table]
    facts = facts or ScanFacts(all_columns=True)
    pushable = _pushable(table)
    bounds, used = pushdown.collect(facts.predicates, ref.alias, pushable, now)
    built = calls.build(table, catalog, bounds, _needed_columns(table, facts))
    statuses = [_status(built.exactness(column), widened) for column, widened in used]
    if use_search:
        searched = search.search_calls(
            table, ref.alias, facts.predicates, statuses, built, pushable
        )
        if searched is not None:
            built, statuses = searched
    _check_filter_only(table, built, facts)
    # LIMIT goes to Stripe only when every call carries every predicate of the scope
    # exactly: a predicate left to the engine (or widened) would filter rows out of the
    # `limit` newest that Stripe returns, and rows that exist would be missing.
    if facts.limit is not None and facts.limit_ok and all(s == "exact" for s in statuses):
        built = calls.with_limit(built, facts.limit)
    return _scan(index, ref, table, _needed_columns(table, facts), built, facts, statuses)


def _keyed_reads(
    scans: tuple[Scan, ...], facts: Mapping[int, ScanFacts], catalog: Catalog
) -> tuple[Scan, ...]:
    """Offer a run-time keyed read (`plan.KeyedFetch`) to each scan that reads its whole
    table and joins a selective scan on a column its calls can look up by value.

    The target sends nothing of its own predicates (every one is left to the engine, so
    the keyed calls lose nothing and the exactness record stays true); the source sends
    at least one (its rows are narrowed, so its keys may be few). A source is never keyed
    itself and a target is no one's source: each keyed read waits for one plain scan.
    """
    out = list(scans)
    targets: set[int] = set()
    sources: set[int] = set()
    for scan in scans:
        found = facts.get(scan.index)
        if found is None or scan.index in sources or not _reads_whole_table(scan):
            continue
        for candidate in found.keyed:
            source = out[candidate.source]
            if candidate.source in targets or not _narrowed(source):
                continue
            if candidate.source_column not in {c.lower() for c in source.columns}:
                continue
            keyed = _keyed_fetch(scan, candidate, found, catalog)
            if keyed is None:
                continue
            out[scan.index] = replace(scan, keyed=keyed)
            targets.add(scan.index)
            sources.add(candidate.source)
            break
    return tuple(out)


def _reads_whole_table(scan: Scan) -> bool:
    if scan.fanout is None and not any(call.kind == "list" for call in scan.calls):
        return False  # retrieves, a search, or no call at all: nothing to save
    return all(status == "dropped" for _, status in scan.predicates)


def _narrowed(scan: Scan) -> bool:
    """True when the scan's calls send some predicate: its rows are a selection."""
    if scan.keyed is not None:
        return False
    if scan.calls and all(call.kind == "retrieve" for call in scan.calls):
        return True
    return any(status != "dropped" for _, status in scan.predicates)


def _keyed_fetch(
    scan: Scan, candidate: joins.KeyedCandidate, facts: ScanFacts, catalog: Catalog
) -> KeyedFetch | None:
    """The keyed read of `scan` by `candidate`, or None when its calls cannot look the
    key up exactly (no filter on the column, a fan-out, a filter-only column the calls
    would not fill, or more than one call per key in a way the builder refuses)."""
    table = catalog.tables[scan.table]
    if any(f.kind == "range" and f.column.lower() == candidate.column for f in table.filters):
        return None  # a range parameter takes numbers, never an id
    bounds = {candidate.column: pushdown.Bounds(values={KEY})}
    try:
        built = calls.build(table, catalog, bounds, scan.columns)
        _check_filter_only(table, built, facts)
    except Error:
        return None
    if built.fanout is not None or built.kind not in ("retrieve", "list"):
        return None
    if built.exactness(candidate.column) != "exact" or not built.calls:
        return None
    if any(call.max_rows is not None for call in built.calls):
        return None
    encoded = quote(KEY, safe="")
    templates = tuple(replace(c, path=c.path.replace(encoded, KEY)) for c in built.calls)
    if not all(_mentions_key(call) for call in templates):
        return None
    return KeyedFetch(
        source=candidate.source,
        source_alias=candidate.source_alias,
        source_column=candidate.source_column,
        column=candidate.column,
        templates=templates,
        max_calls=KEYED_MAX_CALLS,
        equality=candidate.equality,
    )


def _mentions_key(call: Call) -> bool:
    return KEY in call.path or any(value == KEY for _, value in call.params)


def _reference_scan(
    index: int, ref: TableRef, facts: ScanFacts | None, catalog: Catalog
) -> Scan:
    """Pushdown=false: a plain full read of the table, every column, no LIMIT, no
    retrieves, no search, a child table read through its parent (one call per parent,
    embedded lists unused). Only what the table cannot be read or filled without is sent:
    its required parameters, the parent key of a child with no parent table to fan out
    from, and the `=`/IN constants of filter-only columns (rows carry those values).
    """
    table = catalog.tables[ref.table]
    facts = facts or ScanFacts()
    keep = {c.name.lower() for c in table.columns if c.filter_only}
    keep |= {f.column.lower() for f in table.filters if f.param in table.required}
    parent = table.parent
    if parent is not None:
        if calls.can_fan_out(table, catalog):
            keep.discard(parent.column.lower())  # the fan-out fills it for every row
        else:
            keep.add(parent.column.lower())
    types = {name: kind for name, kind in _pushable(table).items() if name in keep}
    bounds, _ = pushdown.collect(facts.predicates, ref.alias, types, lambda: 0.0)
    built = calls.build(table, catalog, bounds, table.column_names)
    if built.fanout is not None:
        built = replace(built, fanout=replace(built.fanout, embedded=None))
    _check_filter_only(table, built, facts)
    built = replace(built, notes=(REFERENCE_NOTE, *built.notes))
    return _scan(index, ref, table, table.column_names, built, ScanFacts(), [])


def _status(sent: Exactness, widened: bool) -> Exactness:
    """A predicate's exactness: how its column is sent, at best widened when its bound is."""
    return "widened" if widened and sent == "exact" else sent


def _scan(
    index: int,
    ref: TableRef,
    table: Table,
    columns: tuple[str, ...],
    built: Calls,
    facts: ScanFacts,
    statuses: list[Exactness],
) -> Scan:
    record = tuple((p.sql(DIALECT), s) for p, s in zip(facts.predicates, statuses))
    return Scan(
        index=index,
        table=table.name,
        alias=ref.alias,
        columns=columns,
        calls=built.calls,
        fanout=built.fanout,
        pushed=tuple(dict.fromkeys(text for text, s in record if s != "dropped")),
        notes=tuple(dict.fromkeys([*facts.notes, *built.notes])),
        predicates=record,
    )


def _pushable(table: Table) -> dict[str, str]:
    """The lower-cased columns a call may constrain, with their catalog types."""
    out = {
        f.column.lower(): column.type
        for f in table.filters
        if (column := table.column(f.column)) is not None
    }
    parent_column = table.column(table.parent.column) if table.parent is not None else None
    if parent_column is not None:
        out.setdefault(parent_column.name.lower(), parent_column.type)
    if table.retrieve_path:
        out["id"] = VARCHAR
    return out


def _needed_columns(table: Table, facts: ScanFacts) -> tuple[str, ...]:
    if facts.all_columns:
        return table.column_names
    wanted = facts.columns | {"id"}
    return tuple(c.name for c in table.columns if c.name.lower() in wanted)


def _check_filter_only(table: Table, built: Calls, facts: ScanFacts) -> None:
    """A filter-only column holds a value only where every call fills it (its own `=`/IN
    value, or the parent key of a fan-out); compared, grouped or joined on anywhere else it
    would silently match nothing, so that is an error instead."""
    if built.kind == "none":
        # No call: the constants of the query's own = and IN are all there is, and the
        # rule is the same as with calls (an error does not depend on the data).
        filled = {name for name, status in built.sent.items() if status == "exact"}
        if table.parent is not None and table.parent.table is not None:
            filled.add(table.parent.column.lower())  # a fan-out would fill the parent key
    else:
        filled = _filled_by_every_call(built)
    for column in table.columns:
        name = column.name.lower()
        if column.filter_only and name in facts.compared and name not in filled:
            raise ProgrammingError(
                f"`{table.name}.{column.name}` is a filter-only column (Stripe does not "
                "return it): it can only be compared with constants, = or IN, in WHERE."
            )


def _filled_by_every_call(built: Calls) -> set[str]:
    if built.fanout is not None:
        fan = built.fanout
        return {fan.column.lower()} | {name.lower() for name, _ in fan.template.filled}
    sets = [{name.lower() for name, _ in call.filled} for call in built.calls]
    return set.intersection(*sets) if sets else set()


# -- the engine's SQL --------------------------------------------------------------------------


def _scan_relation(scan: Scan, table: Table, alias: str) -> exp.Expr:
    """`"__stripe_scan_N" AS alias`, or `(SELECT <cast columns> FROM __stripe_scan_N) AS
    alias` when a column needs a cast (decimal text, typemap).

    The scan's stream holds exactly `scan.columns`, in that order, already of the
    catalog's types but for decimals: without a cast the stream is the table. Binding the
    projection of a wide table (48 columns for `SELECT * FROM charges`) cost a small
    query's DuckDB step 1–2 ms (issue #15). The inner SELECT is text the planner writes
    itself from the catalog (every name quoted by typemap), held as one verbatim node:
    parsing then re-rendering it was most of a small query's planning time.
    """
    typed = []
    for name in scan.columns:
        column = table.column(name)
        assert column is not None
        typed.append((column.name, column.type))
    select = _typed_select(tuple(typed), scan.stream_name)
    if select is None:
        stream = exp.to_identifier(scan.stream_name, quoted=True)
        return exp.Table(this=stream, alias=exp.TableAlias(this=exp.to_identifier(alias)))
    inner = exp.Var(this=select)
    return exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias)))


@functools.lru_cache(maxsize=1024)
def _typed_select(columns: tuple[tuple[str, str], ...], stream: str) -> str | None:
    """The scan's raw columns, given as (name, catalog type), cast to the catalog's types;
    None when no column needs a cast."""
    parts = []
    cast_any = False
    for name, sql_type in columns:
        quoted = typemap.quote_ident(name)
        cast = typemap.rule(sql_type).cast.format(quoted)
        cast_any = cast_any or cast != quoted
        parts.append(cast if cast == quoted else f"{cast} AS {quoted}")
    if not cast_any:
        return None
    return f"SELECT {', '.join(parts)} FROM {typemap.quote_ident(stream)}"


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
