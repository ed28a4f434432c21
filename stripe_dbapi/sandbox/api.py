"""The sandbox's API: a request (method, path, parsed parameters) in, a JSON body out.

Routes come from the catalog alone: each table's `list_path`, `retrieve_path` and
`search_path`, a single-object table's one object (`Table.single`: `/v1/balance`,
`/v1/account`) from `Dataset.singles`. Lists are newest first (`created`, then `id`,
descending) with exact `starting_after`/`ending_before` cursors; filters are the catalog's
("eq" on a column, a filter-only relationship or a nested field of that name; "range" with
`[gt|gte|lt|lte]`, see `filters.py`). Errors are raised as `ApiError` with Stripe's
wording. No I/O here.

Two ways to the same answer, sharing every validation: `handle` is the reference (each
row tested, objects copied and expanded, a dict out), `respond` what the server sends
(indexes and pre-encoded objects, bytes out). Tests hold them to the same bytes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Table
from stripe_dbapi.sandbox import index
from stripe_dbapi.sandbox.data import Collection, Dataset
from stripe_dbapi.sandbox.encoded import Encoded, dumps, envelope
from stripe_dbapi.sandbox.errors import (
    ApiError,
    invalid_integer,
    missing,
    missing_parameter,
    unknown_parameter,
)
from stripe_dbapi.sandbox.expand import Expander
from stripe_dbapi.sandbox.filters import Filter
from stripe_dbapi.sandbox.filters import build as filters_of
from stripe_dbapi.sandbox.params import Params, names
from stripe_dbapi.sandbox.search import SearchCache, SearchRequest, page_offset, scan_hits
from stripe_dbapi.sandbox.search_query import SearchSyntaxError, parse

_RANGE_OPS = ("gt", "gte", "lt", "lte")
_PAGING = frozenset({"limit", "starting_after", "ending_before", "expand"})
_PLACEHOLDER = re.compile(r"\{([^}]+)\}")
_EMPTY = Collection([])  # one object, so its index is cached under a stable id


@dataclass(frozen=True)
class _ListRequest:
    """A validated list request: the collection, its filters and where the page starts.
    `limit` None: a list that takes no `limit` (every matching row at once)."""

    coll: Collection
    filters: list[Filter]
    limit: int | None
    after: int | None
    before: int | None
    paths: list[str]
    url: str


class SandboxAPI:
    """Answers GET requests for every catalog table over one data set."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._expander = Expander(dataset)
        self._encoded = Encoded(self._expander)
        self._indexes: dict[int, index.CollectionIndex] = {}
        self._searches = SearchCache(dataset)
        routes: list[tuple[int, re.Pattern[str], str, Table, list[str]]] = []
        for table in dataset.catalog:
            for kind, path in (
                ("object" if table.single is not None else "list", table.list_path),
                ("retrieve", table.retrieve_path),
                ("search", table.search_path),
            ):
                if path:
                    variables = _PLACEHOLDER.findall(path)
                    pattern = re.compile(
                        "^"
                        + _PLACEHOLDER.sub(
                            "([^/]+)", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
                        )
                        + "/?$"
                    )
                    routes.append((len(variables), pattern, kind, table, variables))
        routes.sort(key=lambda r: r[0])
        self._routes = [(p, k, t, v) for _, p, k, t, v in routes]

    def handle(
        self, method: str, path: str, params: Params, account: str | None = None
    ) -> dict[str, Any]:
        """The response body, as the straightforward definition computes it: every row of
        the collection tested, the page cut at the cursor, objects copied to expand them.

        The reference path: `respond` (what the server sends) must give exactly its bytes;
        raises ApiError for an error response.
        """
        kind, table, values = self._route(method, path, params)
        if table is None:
            return self._account(account)
        if kind == "object":
            return self._single(table, params)
        if kind == "list":
            req = self._list_request(table, values, params, path.rstrip("/"))
            positions, has_more = _scan_page(req)
            rows = req.coll.rows
            data = [self._present(rows[i], table, req.paths) for i in positions]
            return {"object": "list", "data": data, "has_more": has_more, "url": req.url}
        if kind == "retrieve":
            row, paths = self._retrieve_target(table, values, params)
            return dict(row) if paths is None else self._present(row, table, paths)
        search = self._search_request(table, params, path.rstrip("/"))
        hits = scan_hits(search, self.dataset)
        return search.body(hits, [self._present(r, table, search.paths) for r in search.page(hits)])

    def respond(self, method: str, path: str, params: Params, account: str | None = None) -> bytes:
        """The response body as the server sends it: the bytes of
        `json.dumps(handle(...), separators=(",", ":"))`, from indexes and pre-encoded
        objects (`index.py`, `encoded.py`), so a page costs well under a millisecond.
        Raises ApiError for an error response, as `handle` does."""
        kind, table, values = self._route(method, path, params)
        if table is None:
            return dumps(self._account(account))
        if kind == "object":
            return dumps(self._single(table, params))
        if kind == "list":
            req = self._list_request(table, values, params, path.rstrip("/"))
            positions, has_more = index.page(
                self._index_of(req.coll), req.filters, req.limit, req.after, req.before
            )
            rows = req.coll.rows
            data = self._encoded.rows(
                [rows[i] for i in positions], table, req.paths, self._fallback(table, req.paths)
            )
            skeleton = {"object": "list", "data": [], "has_more": has_more, "url": req.url}
            return envelope(skeleton, data)
        if kind == "retrieve":
            row, paths = self._retrieve_target(table, values, params)
            if paths is None:
                return dumps(row)
            return self._encoded.one(row, table, paths, self._fallback(table, paths))
        search = self._search_request(table, params, path.rstrip("/"))
        hits = self._searches.hits(search)
        fallback = self._fallback(table, search.paths)
        data = self._encoded.rows(search.page(hits), table, search.paths, fallback)
        return envelope(search.body(hits, []), data)

    def _route(
        self, method: str, path: str, params: Params
    ) -> tuple[str, Table | None, dict[str, str]]:
        """(kind, table, path variables) for a request; kind "account" has no table."""
        if method != "GET":
            raise ApiError(
                400,
                f"Unrecognized request URL ({method}: {path}). The sandbox is read-only: it serves GET requests only.",
            )
        if path.rstrip("/") == "/v1/account":
            _check_known(params, {"expand"})
            return "account", None, {}
        for pattern, kind, table, variables in self._routes:
            m = pattern.match(path)
            if m:
                return kind, table, dict(zip(variables, m.groups(), strict=True))
        raise ApiError(
            404,
            f"Unrecognized request URL (GET: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
        )

    def _single(self, table: Table, params: Params) -> dict[str, Any]:
        """The one object of a single-object endpoint (it takes only `expand[]`)."""
        _check_known(params, {"expand"})
        obj = self.dataset.singles.get(table.object)
        if obj is None:
            raise ApiError(404, f"Unrecognized request URL (GET: {table.list_path}).")
        return dict(obj)

    def _account(self, account: str | None) -> dict[str, Any]:
        return self.dataset.account if account is None else {**self.dataset.account, "id": account}

    # -- list -------------------------------------------------------------------------

    def _list_request(
        self, table: Table, values: dict[str, str], params: Params, url: str
    ) -> _ListRequest:
        """The list request, validated in Stripe's order (unknown and missing parameters,
        the parent, filter values, `limit`, cursors, `expand[]`)."""
        parent = table.parent
        filters = {f.param for f in table.filters}
        scoping = {_base(p) for p in (*table.required, *table.defaults)} - filters
        allowed = set(_PAGING if table.paginated else {"expand"}) | filters | scoping
        if parent and parent.in_ == "query":
            allowed.add(parent.param)
        ranges = {f.param for f in table.filters if f.kind == "range"}
        _check_known(params, allowed, ranges=ranges, free=scoping)
        for name in table.required:
            if _base(name) not in params:
                raise missing_parameter(name)
        coll: Collection | None
        parent_param = None
        if parent and parent.in_ == "path":
            parent_id = next(iter(values.values()), "")
            coll = self.dataset.collection(table.name, parent_id)
            if coll is None and parent.table and self.dataset.find(parent.table, parent_id) is None:
                raise missing(self._object_of(parent.table), parent_id, param=parent.param)
        elif parent and isinstance(params.get(parent.param), str):
            parent_param = parent.param
            coll = self.dataset.collection(table.name, str(params[parent.param]))
        else:
            coll = self.dataset.collection(table.name)
        coll = coll or _EMPTY
        relations = self.dataset.relations.get(table.name, {})
        selected = filters_of(table, params, relations, skip=parent_param)
        limit = _limit(params) if table.paginated else None
        after, before = params.get("starting_after"), params.get("ending_before")
        if after is not None and before is not None:
            raise ApiError(
                400,
                "You may only specify one of these parameters: ending_before, starting_after.",
                param="ending_before",
            )
        after_pos = None if after is None else self._cursor(table, coll, after, "starting_after")
        before_pos = None if before is None else self._cursor(table, coll, before, "ending_before")
        paths = _data_paths(params, allow_total_count=False)
        return _ListRequest(coll, selected, limit, after_pos, before_pos, paths, url)

    def _present(self, row: Row, table: Table, paths: list[str]) -> Row:
        """The row as Stripe answers: includable fields only when expanded, then `paths`
        expanded (expanding an includable field is what includes it)."""
        includable = set(table.includable)
        if includable:
            wanted = {p.split(".", 1)[0] for p in paths}
            row = {k: v for k, v in row.items() if k not in includable or k in wanted}
            paths = [p for p in paths if p not in includable]
        return self._expander.apply(row, table, paths) if paths else row

    def _fallback(self, table: Table, paths: list[str]) -> Callable[[Row], bytes]:
        """How `respond` encodes a row the cached encodings cannot splice exactly: the
        reference's object (which raises the reference's errors)."""
        return lambda row: dumps(self._present(row, table, paths))

    def _index_of(self, coll: Collection) -> index.CollectionIndex:
        found = self._indexes.get(id(coll))
        if found is None:
            found = self._indexes[id(coll)] = index.CollectionIndex(coll)
        return found

    def _cursor(self, table: Table, coll: Collection, value: Any, param: str) -> int:
        pos = coll.positions.get(value) if isinstance(value, str) else None
        if pos is None:
            raise missing(table.object, str(value), param=param)
        return pos

    # -- retrieve ---------------------------------------------------------------------

    def _retrieve_target(
        self, table: Table, values: dict[str, str], params: Params
    ) -> tuple[Row, list[str] | None]:
        """The row and its expand paths, or a deleted object's stub and None."""
        _check_known(params, {"expand"})
        object_id = list(values.values())[-1]
        nested = table.parent is not None and table.parent.in_ == "path" and len(values) > 1
        row: Row | None
        if nested:
            # Under its parent only (shared ids, such as capability names, repeat across
            # parents).
            coll = self.dataset.collection(table.name, next(iter(values.values())))
            pos = coll.positions.get(object_id) if coll is not None else None
            row = None if coll is None or pos is None else coll.rows[pos]
        else:
            row = self.dataset.find(table.name, object_id)
        if row is None:
            deleted = self.dataset.deleted.get(table.name, {}).get(object_id)
            if deleted is not None:
                return deleted, None
            raise missing(table.object, object_id)
        return row, _paths(params)

    # -- search -----------------------------------------------------------------------

    def _search_request(self, table: Table, params: Params, url: str) -> SearchRequest:
        _check_known(params, {"query", "limit", "page", "expand"})
        text = params.get("query")
        if not isinstance(text, str):
            raise missing_parameter("query")
        try:
            query = parse(text)
        except SearchSyntaxError as exc:
            raise ApiError(400, str(exc), param="query") from exc
        known = set(table.search_fields) or {c.name for c in table.columns if not c.filter_only}
        for name in query.fields:
            if name not in known:
                raise ApiError(
                    400,
                    f"Field `{name}` is an unsupported search field for resource `{table.name}`.",
                    param="query",
                )
        limit = _limit(params)
        offset = page_offset(params.get("page"))
        paths = _data_paths(params, allow_total_count=True)
        total = "total_count" in _paths(params)
        return SearchRequest(table, text, query, limit, offset, paths, total, url)

    def _object_of(self, table_name: str) -> str:
        t = self.dataset.catalog.get(table_name)
        return t.object if t else table_name


def _base(param: str) -> str:
    return param.split("[", 1)[0]


def _check_known(
    params: Params,
    allowed: set[str] | frozenset[str],
    ranges: set[str] | None = None,
    free: set[str] | None = None,
) -> None:
    """Raise for the first parameter the endpoint does not take (`free` ones take any shape)."""
    for name, value in params.items():
        if name not in allowed:
            raise unknown_parameter(names({name: value})[0])
        if isinstance(value, dict) and name != "expand" and name not in (free or ()):
            for sub in value:
                if not ranges or name not in ranges or sub not in _RANGE_OPS:
                    raise unknown_parameter(f"{name}[{sub}]")


def _limit(params: Params) -> int:
    raw = params.get("limit", "10")
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
        raise invalid_integer("limit", str(raw))
    limit = int(raw)
    if not 1 <= limit <= 100:
        raise ApiError(400, "Invalid limit: must be between 1 and 100", param="limit")
    return limit


def _paths(params: Params) -> list[str]:
    value = params.get("expand", [])
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return list(value.values())
    return list(value)


def _data_paths(params: Params, *, allow_total_count: bool) -> list[str]:
    out = []
    for path in _paths(params):
        if path == "total_count" and allow_total_count:
            continue
        if not path.startswith("data."):
            raise ApiError(
                400,
                f"This property cannot be expanded ({path}). You may want to try expanding 'data.{path}' instead.",
                param="expand",
            )
        out.append(path[5:])
    return out


def _scan_page(req: _ListRequest) -> tuple[Sequence[int], bool]:
    """The page by definition: every row tested, then cut at the cursor."""
    rows = req.coll.rows
    positions: Sequence[int] = range(len(rows))
    if req.filters:
        positions = [i for i, r in enumerate(rows) if all(f.test(r) for f in req.filters)]
    limit = req.limit if req.limit is not None else max(1, len(positions))
    if req.after is not None:
        start = bisect_right(positions, req.after)
        return positions[start : start + limit], start + limit < len(positions)
    if req.before is not None:
        end = bisect_left(positions, req.before)
        return positions[max(0, end - limit) : end], end - limit > 0
    return positions[:limit], limit < len(positions)
