"""The served path (indexes, pre-encoded objects) answers byte for byte as the reference.

`SandboxAPI.handle` is the straightforward definition (every row tested, objects copied
and expanded); `SandboxAPI.respond` is what the server sends. For every catalog table this
sends both the same requests: plain pages, limits, both cursors, every filter with values
taken from the rows (and values no row has), range bounds of each kind, filters combined
with each other and with cursors, default exclusions, `expand[]` of every expandable
field, nested and includable, retrieves and searches, and the bad requests among them:
the bodies must be the same bytes, or the errors the same.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from stripe_dbapi.catalog import Table
from stripe_dbapi.sandbox import data
from stripe_dbapi.sandbox.api import SandboxAPI
from stripe_dbapi.sandbox.encoded import dumps
from stripe_dbapi.sandbox.errors import ApiError
from stripe_dbapi.sandbox.filters import field_values, text
from stripe_dbapi.sandbox.params import Params

Request = tuple[str, Params]


@pytest.fixture(scope="module")
def api() -> SandboxAPI:
    return SandboxAPI(data.generate(0, 1.0))


def _answer(call: Any, method: str, path: str, params: Params) -> tuple[str, Any]:
    try:
        return "ok", call(method, path, params)
    except ApiError as exc:
        return "error", (exc.status, exc.body())


def _check(api: SandboxAPI, path: str, params: Params) -> None:
    kind, reference = _answer(api.handle, "GET", path, params)
    got_kind, got = _answer(api.respond, "GET", path, params)
    assert got_kind == kind, (path, params)
    if kind == "ok":
        assert got == dumps(reference), (path, params)
    else:
        assert got == reference, (path, params)


def _expand_paths(api: SandboxAPI, table: Table) -> list[str]:
    catalog = api.dataset.catalog
    out = [c.name for c in table.columns if c.expand or c.references or c.includable]
    nested = []
    for name in out:
        column = table.column(name)
        target = catalog.get(column.references or "") if column else None
        if target is None and column is not None and column.expand:
            target = catalog.by_object(column.expand[0])
        for sub in target.columns if target else ():
            if sub.expand or sub.references:
                nested.append(f"{name}.{sub.name}")
                break
    return out + nested


def _filter_values(table: Table, rows: list[dict], relations: dict) -> Iterator[tuple[str, Any]]:
    rng = random.Random(table.name)
    sample = rng.sample(rows, k=min(len(rows), 4))
    for f in table.filters:
        column = table.column(f.column)
        rel = relations if column is not None and column.filter_only else None
        if f.kind == "range":
            values = sorted(
                {
                    v
                    for r in rows
                    if isinstance(
                        v := r.get(f.column, rel and rel.get(r["id"], {}).get(f.column)), int
                    )
                }
            )
            if not values:
                yield f.param, {"gte": "0"}
                continue
            mid = values[len(values) // 2]
            lo, hi = values[len(values) // 4], values[3 * len(values) // 4]
            yield f.param, str(mid)
            for op in ("gt", "gte", "lt", "lte"):
                yield f.param, {op: str(mid)}
            yield f.param, {"gte": str(lo), "lt": str(hi)}
            yield f.param, {"gt": str(hi), "lte": str(lo)}  # empty
            yield f.param, {"gte": "soon"}
            continue
        if f.null_column is not None:
            yield from ((f.param, v) for v in ("true", "false", "maybe"))
            continue
        if f.values:
            yield from ((f.param, v) for v in f.values[:4])
            yield f.param, "not-a-value"
            continue
        found = sorted({v for r in sample for v in field_values(r, f.column, rel)})
        found += sorted({text(r.get(f.column)) for r in sample} - set(found))
        for v in found[:3]:
            yield f.param, v
            if f.match == "case_insensitive":
                yield f.param, v.upper()
            if f.match == "wildcard" and "." in v:
                yield f.param, v.split(".")[0] + ".*"
        if len(found) >= 2:
            yield f.param, found[:2]  # a list: any of them
        yield f.param, "zz_no_such_value"


def _list_requests(api: SandboxAPI, table: Table) -> Iterator[Request]:
    ds = api.dataset
    example = ds.example_params(table.name)
    if example is None:
        return
    path, base = example
    parent = table.parent
    parent_id = None if parent is None else ds.parent_of(table.name, ds[table.name][0]["id"])
    coll = ds.collection(table.name, parent_id)
    rows = coll.rows if coll is not None else []
    relations = ds.relations.get(table.name, {})
    ids = [r["id"] for r in rows]
    yield path, dict(base)
    if table.paginated:
        for limit in ("1", "3", "100", "0"):
            yield path, {**base, "limit": limit}
        for i in sorted({0, len(ids) // 2, len(ids) - 1}):
            for cursor in ("starting_after", "ending_before"):
                yield path, {**base, cursor: ids[i], "limit": "2"}
                yield path, {**base, cursor: ids[i]}
        yield path, {**base, "starting_after": "zz_missing"}
        yield path, {**base, "starting_after": ids[0], "ending_before": ids[-1]}
    filters = list(_filter_values(table, rows, relations))
    for param, value in filters:
        params = {**base, param: value}
        yield path, params
        if table.paginated and len(ids) > 2:
            yield path, {**params, "starting_after": ids[len(ids) // 3], "limit": "3"}
            yield path, {**params, "ending_before": ids[2 * len(ids) // 3], "limit": "3"}
    rng = random.Random(table.name + "pairs")
    for _ in range(min(12, len(filters) * 2)):
        (p1, v1), (p2, v2) = rng.sample(filters, 2) if len(filters) > 1 else (filters[0],) * 2
        params = {**base, p1: v1, p2: v2, "limit": rng.choice(("1", "5", "100"))}
        if table.paginated and ids and rng.random() < 0.5:
            params[rng.choice(("starting_after", "ending_before"))] = rng.choice(ids)
        yield path, params
    for expand in _expand_paths(api, table):
        yield path, {**base, "expand": [f"data.{expand}"], "limit": "100"}
    expands = _expand_paths(api, table)
    if len(expands) >= 2:
        yield path, {**base, "expand": [f"data.{e}" for e in expands], "limit": "100"}
    yield path, {**base, "expand": ["data.id"]}
    yield path, {**base, "expand": ["nodata"]}
    yield path, {**base, "expand": ["data.a.b.c.d"]}


def _retrieve_requests(api: SandboxAPI, table: Table) -> Iterator[Request]:
    if not table.retrieve_path or table.parent is not None:
        return
    rows = api.dataset[table.name]
    for row in rows[:3]:
        path = table.retrieve_path.replace("{" + _variable(table.retrieve_path) + "}", row["id"])
        yield path, {}
        for expand in _expand_paths(api, table):
            yield path, {"expand": [expand]}
    for deleted in list(api.dataset.deleted.get(table.name, {}))[:1]:
        yield table.retrieve_path.replace("{" + _variable(table.retrieve_path) + "}", deleted), {}


def _variable(path: str) -> str:
    return path.rsplit("{", 1)[1].rstrip("}")


def _search_requests(table: Table) -> Iterator[Request]:
    if not table.search_path:
        return
    field = table.search_fields[0] if table.search_fields else "created"
    for query in (f"{field}:null", f"-{field}:null", "created>1700000000", "nope:'x'", "a:'b' AND"):
        yield table.search_path, {"query": query, "limit": "7"}
        yield table.search_path, {"query": query, "limit": "7", "page": "page_b2Zmc2V0Ojc"}
    yield table.search_path, {"query": "created>1700000000", "expand": ["total_count"]}


def test_every_table_pages_the_same_on_both_paths(api: SandboxAPI) -> None:
    checked = 0
    for table in api.dataset.catalog:
        for path, params in _list_requests(api, table):
            _check(api, path, params)
            checked += 1
    assert checked > 3000


def test_retrieves_and_searches_are_the_same_on_both_paths(api: SandboxAPI) -> None:
    checked = 0
    for table in api.dataset.catalog:
        for path, params in [*_retrieve_requests(api, table), *_search_requests(table)]:
            _check(api, path, params)
            checked += 1
    assert checked > 300


def test_errors_outside_lists_are_the_same_on_both_paths(api: SandboxAPI) -> None:
    for method, path in (("POST", "/v1/charges"), ("GET", "/v1/nope"), ("GET", "/v1/account")):
        kind, reference = _answer(api.handle, method, path, {})
        got_kind, got = _answer(api.respond, method, path, {})
        assert (got_kind, got) == (kind, dumps(reference) if kind == "ok" else reference)


def _refuse(row: dict) -> bytes:
    raise AssertionError(f"{row['id']} was encoded afresh")


def test_expanded_pages_are_spliced_not_re_encoded(api: SandboxAPI) -> None:
    """The fast path does the work: an expanded charge is the charge's bytes with the
    customer's bytes spliced in (no fallback to encoding copies)."""
    table = api.dataset.catalog.get("charges")
    assert table is not None
    rows = [r for r in api.dataset["charges"][:200] if r.get("customer")]
    for row in rows:
        for paths in (["customer"], ["customer", "balance_transaction"], ["customer.test_clock"]):
            served = api._encoded.rows([row], table, paths, fallback=_refuse)
            assert b"".join(served[:-1]) == dumps(api._present(row, table, paths))
