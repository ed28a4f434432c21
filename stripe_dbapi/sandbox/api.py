"""The sandbox's API: a request (method, path, parsed parameters) in, a JSON body out.

Routes come from the catalog alone: each table's `list_path`, `retrieve_path` and
`search_path`, plus `GET /v1/account`. Lists are newest first (`created`, then `id`,
descending) with exact `starting_after`/`ending_before` cursors; filters are the catalog's
("eq" on a column, a filter-only relationship or a nested field of that name; "range" with
`[gt|gte|lt|lte]`). Errors are raised as `ApiError` with Stripe's wording. No I/O here.
"""

from __future__ import annotations

import base64
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Table
from stripe_dbapi.sandbox import rules
from stripe_dbapi.sandbox.data import Collection, Dataset
from stripe_dbapi.sandbox.errors import (
    ApiError,
    invalid_integer,
    invalid_value,
    missing,
    missing_parameter,
    unknown_parameter,
)
from stripe_dbapi.sandbox.expand import Expander
from stripe_dbapi.sandbox.params import Params, names
from stripe_dbapi.sandbox.search_query import SearchSyntaxError, parse

Predicate = Callable[[Row], bool]
_RANGE_OPS = ("gt", "gte", "lt", "lte")
_PAGING = frozenset({"limit", "starting_after", "ending_before", "expand"})
_PLACEHOLDER = re.compile(r"\{([^}]+)\}")


class SandboxAPI:
    """Answers GET requests for every catalog table over one data set."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._expander = Expander(dataset)
        routes: list[tuple[int, re.Pattern[str], str, Table, list[str]]] = []
        for table in dataset.catalog:
            for kind, path in (
                ("list", table.list_path),
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
        """The response body for a request; raises ApiError for an error response."""
        if method != "GET":
            raise ApiError(
                400,
                f"Unrecognized request URL ({method}: {path}). The sandbox is read-only: it serves GET requests only.",
            )
        if path.rstrip("/") == "/v1/account":
            _check_known(params, {"expand"})
            return (
                self.dataset.account if account is None else {**self.dataset.account, "id": account}
            )
        for pattern, kind, table, variables in self._routes:
            m = pattern.match(path)
            if m:
                values = dict(zip(variables, m.groups(), strict=True))
                if kind == "list":
                    return self._list(table, values, params, path.rstrip("/"))
                if kind == "retrieve":
                    return self._retrieve(table, values, params)
                return self._search(table, params, path.rstrip("/"))
        raise ApiError(
            404,
            f"Unrecognized request URL (GET: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
        )

    # -- list -------------------------------------------------------------------------

    def _list(
        self, table: Table, values: dict[str, str], params: Params, url: str
    ) -> dict[str, Any]:
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
        coll = coll or Collection([])
        predicates = self._predicates(table, params, skip=parent_param)
        rows = coll.rows
        index: Sequence[int] = range(len(rows))
        if predicates:
            index = [i for i, r in enumerate(rows) if all(p(r) for p in predicates)]
        limit = _limit(params) if table.paginated else max(1, len(index))
        after, before = params.get("starting_after"), params.get("ending_before")
        if after is not None and before is not None:
            raise ApiError(
                400,
                "You may only specify one of these parameters: ending_before, starting_after.",
                param="ending_before",
            )
        if after is not None:
            start = bisect_right(index, self._cursor(table, coll, after, "starting_after"))
            page, has_more = index[start : start + limit], start + limit < len(index)
        elif before is not None:
            end = bisect_left(index, self._cursor(table, coll, before, "ending_before"))
            page, has_more = index[max(0, end - limit) : end], end - limit > 0
        else:
            page, has_more = index[:limit], limit < len(index)
        paths = _data_paths(params, allow_total_count=False)
        data = [self._present(rows[i], table, paths) for i in page]
        return {"object": "list", "data": data, "has_more": has_more, "url": url}

    def _present(self, row: Row, table: Table, paths: list[str]) -> Row:
        """The row as Stripe answers: includable fields only when expanded, then `paths`
        expanded (expanding an includable field is what includes it)."""
        includable = set(table.includable)
        if includable:
            wanted = {p.split(".", 1)[0] for p in paths}
            row = {k: v for k, v in row.items() if k not in includable or k in wanted}
            paths = [p for p in paths if p not in includable]
        return self._expander.apply(row, table, paths) if paths else row

    def _cursor(self, table: Table, coll: Collection, value: Any, param: str) -> int:
        pos = coll.positions.get(value) if isinstance(value, str) else None
        if pos is None:
            raise missing(table.object, str(value), param=param)
        return pos

    def _predicates(self, table: Table, params: Params, skip: str | None) -> list[Predicate]:
        out: list[Predicate] = []
        relations = self.dataset.relations.get(table.name, {})
        for f in table.filters:
            if f.param not in params or f.param == skip:
                continue
            column = table.column(f.column)
            via_relation = column is not None and column.filter_only
            value = params[f.param]
            special = rules.SPECIAL_VALUES.get(table.name, {}).get(f.param, {})
            rel = relations if via_relation else None
            if f.kind == "range":
                out.append(_range_predicate(f.param, f.column, value, rel))
                continue
            if isinstance(value, dict):
                raise unknown_parameter(f"{f.param}[{next(iter(value))}]")
            given = [value] if isinstance(value, str) else list(value)
            for v in given:
                if not f.accepts(v):
                    raise invalid_value(f.param, f.values or ())
            if f.null_column is not None:
                out.append(_null_test(f.param, f.null_column, value))
            elif isinstance(value, str) and value in special:
                wanted = special[value]
                if wanted is not None:
                    out.append(_column_in(f.column, wanted))
            else:
                out.append(_matches_any(f.column, frozenset(given), rel, f.match))
        for param, hidden in table.hidden_by_default.items():
            if param not in params:
                column_name = next((f.column for f in table.filters if f.param == param), param)
                out.append(_column_in(column_name, frozenset(hidden), negate=True))
        return out

    # -- retrieve ---------------------------------------------------------------------

    def _retrieve(self, table: Table, values: dict[str, str], params: Params) -> dict[str, Any]:
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
                return dict(deleted)
            raise missing(table.object, object_id)
        return self._present(row, table, _paths(params))

    # -- search -----------------------------------------------------------------------

    def _search(self, table: Table, params: Params, url: str) -> dict[str, Any]:
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
        offset = _page_offset(params.get("page"))
        rows = self.dataset.collection(table.name) or Collection([])
        relations = self.dataset.relations.get(table.name, {})
        # A search field Stripe's objects no longer carry (`invoices` `subscription`) is
        # searched on the relationship the data set records.
        hits = [r for r in rows.rows if query.matches({**relations.get(r.get("id", ""), {}), **r})]
        page = hits[offset : offset + limit]
        has_more = offset + limit < len(hits)
        paths = _data_paths(params, allow_total_count=True)
        result: dict[str, Any] = {
            "object": "search_result",
            "data": [self._present(r, table, paths) for r in page],
            "has_more": has_more,
            "next_page": _page_token(offset + limit) if has_more else None,
            "url": url,
        }
        if "total_count" in _paths(params):
            result["total_count"] = len(hits)
        return result

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


def _range_predicate(
    param: str, column: str, value: Any, relations: dict[str, dict[str, Any]] | None
) -> Predicate:
    bounds = value if isinstance(value, dict) else {"eq": value}
    checks: list[tuple[str, int]] = []
    for op, raw in bounds.items():
        if not re.fullmatch(r"-?\d+", str(raw)):
            raise invalid_integer(param if op == "eq" else f"{param}[{op}]", str(raw))
        checks.append((op, int(raw)))

    def test(row: Row) -> bool:
        v = row.get(column)
        if relations is not None and v is None:
            v = relations.get(row.get("id", ""), {}).get(column)
        if not isinstance(v, int) or isinstance(v, bool):
            return False
        for op, n in checks:
            if not {"eq": v == n, "gt": v > n, "gte": v >= n, "lt": v < n, "lte": v <= n}[op]:
                return False
        return True

    return test


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return "" if value is None else str(value)


def _column_in(column: str, values: frozenset[str], negate: bool = False) -> Predicate:
    return lambda row: (_text(row.get(column)) in values) != negate


def _matches_any(
    column: str,
    wanted: frozenset[str],
    relations: dict[str, dict[str, Any]] | None,
    match: str = "exact",
) -> Predicate:
    if match == "case_insensitive":
        lowered = frozenset(w.lower() for w in wanted)
        return lambda row: any(v.lower() in lowered for v in _values(row, column, relations))
    if match == "wildcard":
        patterns = [re.compile(".*".join(map(re.escape, w.split("*"))) + "$") for w in wanted]
        return lambda row: any(
            p.match(v) for v in _values(row, column, relations) for p in patterns
        )
    return lambda row: not wanted.isdisjoint(_values(row, column, relations))


def _null_test(param: str, column: str, value: Any) -> Predicate:
    """`pending=true`: rows whose `column` is null; `false`: the others."""
    if value not in ("true", "false"):
        raise ApiError(
            400, f"Invalid boolean: {value}", param=param, code="parameter_invalid_boolean"
        )
    want_null = value == "true"
    return lambda row: (row.get(column) is None) == want_null


def _values(row: Row, column: str, relations: dict[str, dict[str, Any]] | None) -> set[str]:
    """The row's values for an equality filter: relation, field, or a nested field."""
    if relations is not None:
        related = relations.get(row.get("id", ""), {})
        if column in related:
            value = related[column]
            return (
                {_text(v) for v in value}
                if isinstance(value, (list, set, tuple))
                else {_text(value)}
            )
    if column in row:
        return {_text(row[column])}
    found = _nested(row, column, 3)
    return set() if found is None else {_text(found)}


def _nested(value: Any, key: str, depth: int) -> Any:
    if depth == 0 or not isinstance(value, dict):
        return None
    if key in value and not isinstance(value[key], (dict, list)):
        return value[key]
    for v in value.values():
        if isinstance(v, dict) and v.get("object") is None:
            found = _nested(v, key, depth - 1)
            if found is not None:
                return found
    return None


def _page_offset(token: Any) -> int:
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(token)[5:] + "==").decode()
        if not str(token).startswith("page_") or not text.startswith("offset:"):
            raise ValueError(token)
        return int(text[7:])
    except ValueError as exc:
        raise ApiError(400, f"Invalid page: {token}", param="page") from exc


def _page_token(offset: int) -> str:
    return "page_" + base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")
