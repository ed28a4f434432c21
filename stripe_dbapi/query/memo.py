"""Plans, and the analyses of queries, kept per exact text and parameter values (#15).

`analysis.analyse` (sqlglot's qualification and scope walks) is most of the planning time
of a small query. It is a pure function of the bound tree, the catalog and the engine's
scalar functions: it reads no clock (a `now()` bound is computed later, by
`pushdown.collect`, at the plan's own time) and no connection setting (`UseSearch` and
`Pushdown` apply after it). The bound tree is itself a pure function of the SQL text and
the parameters' literal nodes (`statement.parse`, `params.bind`, `analysis.table_refs`,
the rewrites and `tag_integers` are deterministic), so the key is the text, the catalog,
the scalar functions and, for each parameter, its type and the SQL of its literal. Only
parameters of the builtin types `params.literal` renders one way each are keyed; any
other value (a subclass, a list sent as JSON) plans without the memo.

What is kept is detached from the qualified tree it was read from, and every plan gets
its own copy of it: plans never share a node (they keep predicates as text anyway).

A whole Plan is kept too, under the same key and the settings that shape it (`UseSearch`,
`Pushdown`), when its planning never read the clock (no `now()` bound): it is then the
same plan at any time. A Plan is frozen values only, so every query may share it; a
repeated small query then skips the parse and the passes, about 3 ms of its ~9 (#15).
"""

from __future__ import annotations

import datetime as dt
import decimal
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from stripe_dbapi.catalog.model import DIALECT, Catalog
from stripe_dbapi.exceptions import Error
from stripe_dbapi.query import params as sqlparams
from stripe_dbapi.query.analysis import Analysis, ScanFacts
from stripe_dbapi.query.plan import Plan

KEPT = 128  # analyses kept, least recently used first out
KEPT_CHARS = 20_000  # longer texts are analysed every time, never kept

# The types `params.literal` renders as one literal node each, told apart by their SQL.
_KEYED_TYPES = frozenset(
    {type(None), bool, int, float, decimal.Decimal, str, bytes, dt.datetime, dt.date, dt.time}
)

_lock = threading.Lock()
_kept: OrderedDict[Hashable, Analysis] = OrderedDict()
_plans: OrderedDict[Hashable, Plan] = OrderedDict()


def params_key(params: Sequence[Any] | Mapping[str, Any] | None) -> Hashable | None:
    """The parameters as a key (each value's type and literal SQL), or None: not keyable."""
    try:
        if params is None:
            return ()
        if isinstance(params, Mapping):
            if not all(type(k) is str for k in params):
                return None
            return ("names", tuple((k, _value_key(params[k])) for k in sorted(params)))
        if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
            return None
        return ("positions", tuple(_value_key(v) for v in params))
    except (_NotKeyable, Error):
        return None


class _NotKeyable(Exception):
    pass


def _value_key(value: Any) -> tuple[type, str]:
    if type(value) not in _KEYED_TYPES:
        raise _NotKeyable
    return type(value), sqlparams.literal(value).sql(DIALECT)


def analysed(
    sql: str,
    params: Hashable | None,
    catalog: Catalog,
    scalars: frozenset[str],
    analyse: Callable[[], Analysis],
) -> Analysis:
    """`analyse()`'s result, kept for the key (`params` from `params_key`); a fresh copy."""
    if params is None or len(sql) > KEPT_CHARS:
        return _copy(analyse())
    key = (sql, params, catalog, scalars)
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
    if kept is None:
        kept = _copy(analyse())
        with _lock:
            _kept[key] = kept
            _kept.move_to_end(key)
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
    return _copy(kept)


def plan_key(
    sql: Any,
    params: Sequence[Any] | Mapping[str, Any] | None,
    catalog: Catalog,
    scalars: frozenset[str],
    settings: tuple[bool, bool],
) -> Hashable | None:
    """The key a plan is kept under, or None: not kept (not a string, too long, or
    parameters `params_key` cannot tell apart). `settings`: (use_search, pushdown)."""
    if not isinstance(sql, str) or len(sql) > KEPT_CHARS:
        return None
    keyed = params_key(params)
    return None if keyed is None else (sql, keyed, catalog, scalars, settings)


def kept_plan(key: Hashable) -> Plan | None:
    with _lock:
        plan = _plans.get(key)
        if plan is not None:
            _plans.move_to_end(key)
    return plan


def keep_plan(key: Hashable, plan: Plan) -> None:
    with _lock:
        _plans[key] = plan
        _plans.move_to_end(key)
        while len(_plans) > KEPT:
            _plans.popitem(last=False)


def forget() -> None:
    """Drop every kept plan and analysis (tests)."""
    with _lock:
        _kept.clear()
        _plans.clear()


def _copy(found: Analysis) -> Analysis:
    """The analysis with containers of its own and predicates detached from any tree."""
    return Analysis(
        {i: _copy_facts(f) for i, f in found.facts.items()}, set(found.seconds), ok=found.ok
    )


def _copy_facts(facts: ScanFacts) -> ScanFacts:
    return replace(
        facts,
        predicates=[p.copy() for p in facts.predicates],
        columns=set(facts.columns),
        notes=list(facts.notes),
        compared=set(facts.compared),
        keyed=list(facts.keyed),  # frozen KeyedCandidate values
    )
