"""The requests the planner makes, checked against Stripe's contract as stripe-python types it.

The oracle is stripe-python 16.1.0 itself, read here independently of
`tools/generate_catalog.py`: each list method of each `*Service` class names its path (in
its source) and its `…ListParams` TypedDict (in its signature). From the TypedDict, with
`typing.get_type_hints`: the accepted parameters, the required ones, the `Literal` values
each takes, which ones take a range (`int | {gt, gte, lt, lte}`), and whether the list
paginates (`limit`, `starting_after`).

For every catalog table, every filter kind (=, IN and range; with a value Stripe accepts and,
where the parameter takes a closed set, one it does not) and the table's scan defaults,
`plan_query` plans a query, and every request of the plan (calls, fan-out templates, their
parent scans) must send only accepted parameters with accepted values, every required
parameter, and `limit` only where the list paginates. A single-object table (`/v1/balance`)
is held to its GET method's `…RetrieveParams` the same way (it takes no `limit`), and no
predicate or LIMIT of a query on it reaches Stripe. A full scan of a table whose plain
list hides rows reads them anyway (a scan default or a union of calls), and a scan that
reads an includable column expands it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, Literal, Union
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
import stripe.params
import typing_extensions
from stripe._request_options import RequestOptions

from stripe_dbapi.catalog import BIGINT, BOOLEAN, TIMESTAMP, Catalog, Table, load_catalog
from stripe_dbapi.exceptions import ProgrammingError
from stripe_dbapi.query.plan import Call, Plan, Scan
from stripe_dbapi.query.planner import plan_query

RANGE_KEYS = {"gt", "gte", "lt", "lte"}
PLACEHOLDER = re.compile(r"\{\w+\}")


# --------------------------------------------------------------------------- the oracle


@dataclass(frozen=True)
class Contract:
    """What one Stripe list endpoint takes, per stripe-python's ListParams."""

    path: str
    accepted: frozenset[str]
    required: frozenset[str]
    values: dict[str, frozenset[str]]  # param -> the Literal values it takes
    ranges: frozenset[str]
    structured: frozenset[str]  # params with no plain `name=value` form (only ranges …)

    @property
    def paginated(self) -> bool:
        return {"limit", "starting_after"} <= self.accepted


def _members(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [m for a in typing.get_args(tp) for m in _members(a)]
    return [tp]


def _contract(path: str, params_cls: type) -> Contract:
    module = vars(sys.modules[params_cls.__module__])
    own = {}
    for name, raw in params_cls.__annotations__.items():
        if name in RequestOptions.__annotations__:
            continue  # api_key, stripe_account …: options, not list parameters
        holder = type("_One", (), {"__annotations__": {name: raw}})
        own[name] = typing.get_type_hints(holder, globalns=module)[name]
    values: dict[str, frozenset[str]] = {}
    ranges: set[str] = set()
    structured: set[str] = set()
    for name, tp in own.items():
        members = _members(tp)
        literals = [
            a for m in members if typing.get_origin(m) is Literal for a in typing.get_args(m)
        ]
        literals = [v for v in literals if v != ""]  # Literal['']: "unset", not a value
        if literals and not all(isinstance(v, bool) for v in literals):
            values[name] = frozenset(str(v) for v in literals)
        if any(
            typing_extensions.is_typeddict(m) and set(m.__annotations__) <= RANGE_KEYS
            for m in members
        ):
            ranges.add(name)
        if int not in members and not literals and str not in members and bool not in members:
            structured.add(name)  # no plain `name=value` form
    return Contract(
        path=path,
        accepted=frozenset(own),
        required=frozenset(params_cls.__required_keys__) & frozenset(own),
        values=values,
        ranges=frozenset(ranges),
        structured=frozenset(structured),
    )


@cache
def contracts() -> dict[str, Contract]:
    """Every v1 list endpoint of stripe-python: list path -> Contract."""
    out: dict[str, Contract] = {}
    for module, cls in _service_classes():
        method = cls.__dict__.get("list")
        if method is None:
            continue
        source = inspect.getsource(method)
        path = re.search(r'"(/v1/[^"]*)"', source)
        annotation = str(inspect.signature(method).parameters["params"].annotation)
        name = re.search(r"(\w+ListParams)", annotation)
        if path is None or name is None:
            continue
        namespace = module.__name__.removeprefix("stripe.").rsplit(".", 1)[0]
        holder = stripe.params
        if namespace and not namespace.startswith("_"):
            holder = importlib.import_module(f"stripe.params.{namespace}")
        out[path.group(1)] = _contract(path.group(1), getattr(holder, name.group(1)))
    return out


def _service_classes() -> Iterator[tuple[Any, type]]:
    """(module, class) of every v1 service class stripe-python defines."""
    for info in pkgutil.walk_packages(stripe.__path__, "stripe."):
        if not info.name.endswith("_service") or ".v2." in info.name:
            continue
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == module.__name__:
                yield module, cls


@cache
def object_contracts() -> dict[str, Contract]:
    """Every v1 GET of one object at a fixed path (no `{id}`): path -> Contract."""
    out: dict[str, Contract] = {}
    for _, cls in _service_classes():
        for name, method in vars(cls).items():
            if name == "list" or name.endswith("_async") or not inspect.isfunction(method):
                continue
            path = re.search(r'"get",\s*"(/v1/[^"{]*)"', inspect.getsource(method))
            params = inspect.signature(method).parameters.get("params")
            found = re.search(r"(\w+Params)", str(params.annotation)) if params else None
            if path is None or found is None:
                continue
            holder = getattr(stripe.params, found.group(1), None)
            if holder is not None:
                out[path.group(1)] = _contract(path.group(1), holder)
    return out


def contract_of(table: Table) -> Contract:
    """The contract of the endpoint a table reads: its list, or its one object's GET."""
    return (object_contracts() if table.single is not None else contracts())[table.list_path]


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Request:
    """One request of a plan: the table whose endpoint it hits, and what it sends."""

    table: Table
    call: Call
    params: tuple[tuple[str, str], ...]


def _path_table(path: str, catalog: Catalog) -> Table:
    for table in catalog:
        pattern = PLACEHOLDER.sub(r"[^/]+", table.list_path)
        if re.fullmatch(pattern, path):
            return table
    raise AssertionError(f"no catalog table lists {path}")


def requests_of(plan: Plan, catalog: Catalog) -> list[Request]:
    """Every list (or single-object) request of the plan, as `Call.describe()` renders
    its first page."""
    out: list[Request] = []

    def add(scan: Scan) -> None:
        calls = list(scan.calls)
        if scan.fanout is not None:
            add(scan.fanout.parent)
            calls.append(scan.fanout.template)
        for call in calls:
            if call.kind not in ("list", "object"):
                continue
            text = call.describe().removeprefix("GET ")
            parts = urlsplit(text)
            table = _path_table(parts.path, catalog)
            out.append(Request(table, call, tuple(parse_qsl(parts.query))))

    for scan in plan.scans:
        add(scan)
    return out


def violations(plan: Plan, catalog: Catalog) -> list[str]:
    """What the plan's requests send that Stripe does not take, or leave out that it needs."""
    problems: list[str] = []
    for r in requests_of(plan, catalog):
        contract = contract_of(r.table)
        sent = {}
        for name, value in r.params:
            base = name.split("[", 1)[0]
            sent.setdefault(base, []).append(value)
            if base not in contract.accepted:
                problems.append(f"{r.table.name}: `{name}` is not a parameter of the list")
            elif name.endswith("]") and base in contract.values:
                pass  # a nested key (scope[type]): not a value of the parameter itself
            elif base in contract.values and value not in contract.values[base]:
                problems.append(f"{r.table.name}: `{name}={value}` is not an accepted value")
            if name.startswith(base + "[") and name[len(base) + 1 : -1] in RANGE_KEYS:
                if base not in contract.ranges:
                    problems.append(f"{r.table.name}: `{base}` takes no range")
            elif name == base and base in contract.structured:
                problems.append(f"{r.table.name}: `{name}={value}` needs a nested form")
        in_path = {p.strip("{}") for p in PLACEHOLDER.findall(r.table.list_path)}
        for name in sorted(contract.required - set(sent) - in_path):
            problems.append(f"{r.table.name}: required `{name}` is missing")
        if "limit" in sent and not contract.paginated:
            problems.append(f"{r.table.name}: `limit` sent to a list that takes none")
    return problems


# --------------------------------------------------------------------------- cases


def _literal(table: Table, column: str, value: str | None = None, n: int = 0) -> str:
    """A SQL constant of the column's type (`value` for text and booleans)."""
    col = table.column(column)
    kind = col.type if col is not None else "VARCHAR"
    if kind == BOOLEAN:
        return value or ("true", "false")[n % 2]
    if kind == BIGINT:
        return str(100 + n)
    if kind == TIMESTAMP:
        return f"TIMESTAMP '2026-06-0{1 + n % 9} 00:00:00+00'"
    return "'" + (value or f"x_sandbox{n}").replace("'", "''") + "'"


def _parent_key(table: Table) -> list[str]:
    """The parent key as an equality, so a filter case lists directly (no fan-out)."""
    if table.parent is None:
        return []
    return [f"{table.parent.column} = 'x_parent'"]


def _required_conditions(table: Table, skip: str | None = None) -> list[str]:
    """Equalities that give the params the table needs and no default or parent gives."""
    conditions = []
    for param in table.missing_required(()):
        f = table.filter_by_param(param)
        if f is not None and f.column != skip:
            value = f.values[0] if f.values else None
            conditions.append(f"{f.column} = {_literal(table, f.column, value)}")
    return conditions


def _sql(table: Table, conditions: list[str], columns: str = "*") -> str:
    where = " AND ".join(conditions)
    return f"SELECT {columns} FROM {table.name}" + (f" WHERE {where}" if where else "")


@dataclass(frozen=True)
class Case:
    id: str
    table: str
    sql: str
    kind: str  # "scan", "eq", "in", "range", "eq-unaccepted", "in-unaccepted"
    gives: frozenset[str] = frozenset()  # the list params the query constrains


def _filter_case(
    table: Table, param: str, rest: list[str], gives: frozenset[str], kind: str, condition: str
) -> Case:
    name = f"{table.name}-{param}-{kind}"
    return Case(name, table.name, _sql(table, [*rest, condition]), kind, gives)


def cases() -> list[Case]:
    catalog = load_catalog()
    out: list[Case] = []
    for table in catalog:
        base = _required_conditions(table)
        required = frozenset(table.missing_required(()))
        out.append(Case(f"{table.name}-scan", table.name, _sql(table, base), "scan", required))
        for f in table.filters:
            col = table.column(f.column)
            if col is None or (table.parent and f.param == table.parent.param):
                continue
            rest = _parent_key(table) + _required_conditions(table, skip=f.column)
            case = partial(_filter_case, table, f.param, rest, required | {f.param})
            if f.kind == "range":
                out.append(case("range", f"{f.column} >= {_literal(table, f.column)}"))
                continue
            good = list(f.values or ())[:2] or [None, None]
            lits = [_literal(table, f.column, v, n) for n, v in enumerate(good)]
            out.append(case("eq", f"{f.column} = {lits[0]}"))
            out.append(case("in", f"{f.column} IN ({', '.join(dict.fromkeys(lits))})"))
            if f.values is not None:
                bad = next((v for v in col.enum or () if v not in f.values), "zz_unaccepted")
                bad_lit = _literal(table, f.column, bad)
                out.append(case("eq-unaccepted", f"{f.column} = {bad_lit}"))
                out.append(case("in-unaccepted", f"{f.column} IN ({lits[0]}, {bad_lit})"))
    return out


def _params() -> list[Any]:
    return [pytest.param(case, id=case.id) for case in cases()]


# --------------------------------------------------------------------------- tests


def test_the_oracle_knows_every_catalog_table() -> None:
    catalog = load_catalog()
    missing = [t.name for t in catalog if t.single is None and t.list_path not in contracts()]
    assert missing == []
    singles = [t.name for t in catalog if t.single is not None]
    assert sorted(singles) == ["account", "balance"]
    assert all(t.list_path in object_contracts() for t in catalog if t.single is not None)
    assert object_contracts()["/v1/balance"].accepted == {"expand"}
    assert not contracts()["/v1/accounts/{account}/capabilities"].paginated
    assert "reversed" not in contracts()["/v1/topups"].values["status"]


@pytest.mark.parametrize("case", _params())
def test_requests_follow_stripes_contract(case: Case) -> None:
    catalog = load_catalog()
    table = catalog.tables[case.table]
    try:
        plan = plan_query(case.sql, catalog)
    except ProgrammingError as exc:
        # Only a query that cannot give what Stripe needs may be refused.
        needs = table.missing_required(()) or (table.parent and table.parent.table is None)
        assert needs, f"{case.sql}: {exc}"
        return
    assert violations(plan, catalog) == [], case.sql
    if case.kind == "scan":
        for r in requests_of(plan, catalog):
            if r.table is table:
                sent = dict(r.params)
                for name, value in table.defaults.items():
                    assert sent.get(name) == value, f"scan default {name}={value} not sent"


def _single_cases() -> list[Any]:
    """Every column of every single-object table, constrained, with a LIMIT."""
    return [
        pytest.param(table.name, column.name, id=f"{table.name}-{column.name}")
        for table in load_catalog()
        if table.single is not None
        for column in table.columns
    ]


@pytest.mark.parametrize(("name", "column"), _single_cases())
def test_nothing_of_a_query_reaches_a_single_object_endpoint(name: str, column: str) -> None:
    """No list parameters: every predicate (an id too) and the LIMIT stay with the engine."""
    catalog = load_catalog()
    table = catalog.tables[name]
    literal = _literal(table, column)
    sql = f"SELECT * FROM {name} WHERE {column} = {literal} AND {column} IN ({literal}) LIMIT 1"
    plan = plan_query(sql, catalog)
    assert [c.describe() for s in plan.scans for c in s.calls] == [f"GET {table.list_path}"]
    assert violations(plan, catalog) == []
    assert all(status == "dropped" for s in plan.scans for _, status in s.predicates)


def _whole_table_cases() -> list[Any]:
    """Tables whose plain list hides rows: a full scan must still read every one."""
    return [
        pytest.param(table.name, param, id=f"{table.name}-{param}")
        for table in load_catalog()
        for param in table.hidden_by_default
    ]


@pytest.mark.parametrize(("name", "param"), _whole_table_cases())
def test_a_full_scan_reads_the_rows_stripe_hides_by_default(name: str, param: str) -> None:
    catalog = load_catalog()
    table = catalog.tables[name]
    plan = plan_query(f"SELECT * FROM {name}", catalog)
    sent = [dict(r.params).get(param) for r in requests_of(plan, catalog) if r.table is table]
    if param in table.defaults:
        assert sent and all(v == table.defaults[param] for v in sent)
        return
    union = table.scan_union
    assert union is not None and union.param == param
    assert sorted(v for v in sent if v is not None) == sorted(union.values), sent


def _includable_cases() -> list[Any]:
    return [
        pytest.param(t.name, column, id=f"{t.name}-{column}")
        for t in load_catalog()
        for column in t.includable
    ]


@pytest.mark.parametrize(("name", "column"), _includable_cases())
def test_an_includable_column_is_asked_for(name: str, column: str) -> None:
    catalog = load_catalog()
    table = catalog.tables[name]
    where = " AND ".join(_parent_key(table) + _required_conditions(table))
    sql = f"SELECT id, {column} FROM {name}" + (f" WHERE {where}" if where else "")
    plan = plan_query(sql, catalog)
    requests = [r for r in requests_of(plan, catalog) if r.table is table]
    assert requests
    for r in requests:
        assert ("expand[]", f"data.{column}") in r.params, r.call.describe()
    one = plan_query(f"SELECT {column} FROM {name} WHERE id = 'x_1'", catalog)
    retrieves = [c for s in one.scans for c in s.calls if c.kind == "retrieve"]
    for call in retrieves:
        assert ("expand[]", column) in call.params, call.describe()
