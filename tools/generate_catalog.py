"""Generate `stripe_dbapi/catalog/catalog.json` from stripe-python's typed resources.

Run by developers, never at import time::

    python tools/generate_catalog.py          # rewrite the file
    python tools/generate_catalog.py --check  # exit 1 if it is stale

Sources, in order of trust:

1. stripe-python (the installed version pins the API version). Its `*_service.py` files
   give every v1 list endpoint: the path string of `def list(` (read from the source), its
   return type `ListObject[X]` and its `XListParams` TypedDict (both evaluated against the
   module's `if TYPE_CHECKING:` imports). The service's `retrieve` and `search` methods
   give the other paths. Resource classes give the columns: `typing.get_type_hints` for the
   types, the attribute docstrings (read with `ast`) for the descriptions.
2. The OpenAPI spec in `../shared/stripe-openapi/spec3-2023-09-12.json` (or the file named
   by the STRIPE_OPENAPI_SPEC environment variable), for what the SDK
   drops: `format: unix-time` (and `format: decimal`) on a schema property.
3. `stripe_dbapi/catalog/overrides.json`, hand-kept, each entry with a "why": endpoints
   skipped, scan defaults, notes, parent columns neither source tells.

Type rule (one place: `_column_type`):

- `str`, ids, `Literal[...]` (enum values kept in `enum`) → VARCHAR; `Decimal`, and a `str`
  whose name ends in `_decimal` (or whose spec format is `decimal`) → DECIMAL(38,12).
- `ExpandableField[X]` (`Union[str, X]`) → VARCHAR; `expand` = the object types X,
  `references` = the top-level table of X when exactly one variant has one.
- `int` → BIGINT, except unix times → TIMESTAMP WITH TIME ZONE. A field is a unix time when
  the spec marks the property `format: unix-time`; when the spec or the SDK docstring
  describes it as "… since the Unix epoch"; when `overrides.json` lists it under
  `unix_time`; and, only when the spec does not know the property (a field newer than
  2023-08-16), when the name rule says so: `created`, `*_at`,
  `updated`, `*_date`, `*_time`, `*_start`/`*_end` of a period or trial (`period_start`,
  `current_period_end`, `trial_end` …), `billing_cycle_anchor`, `available_on`,
  `billed_until`, `active_from`. (Checked against every int field the 2023 spec lacks.)
- `float` → DOUBLE; `bool` (and `Literal[True]`) → BOOLEAN.
- Nested objects (StripeObject subclasses), lists, dicts and `metadata` → JSON. An embedded
  `ListObject` (which Stripe truncates at 10 items) is JSON with `embedded_list` naming
  the table holding the full list: a child table of this one with that object type,
  else the top-level table of that object type.

Nullability is the SDK's `Optional`. Columns: `id`, `object`, the other fields sorted by
name, then filter-only columns sorted by name.

List facts (from each endpoint's `…ListParams` TypedDict, read with `get_type_hints`):

- `paginated`: the params include `limit` and `starting_after` (not
  `accounts_capabilities`, `reporting_report_types`: Stripe rejects `limit` there).
- a filter's `values`: the `Literal` arguments of its type (`Literal[...] | str`), which
  may differ from the object's enum (topups' `status` takes no `reversed`).
- `required`: the TypedDict's required keys; `Table.missing_required` counts a nested
  scan default (`scope[type]=account`) as giving `scope`.
- `range` filters: `int | <RangeQueryParams>`; on a field the rows carry, of the same
  name or the one `overrides.json` maps it to (`invoiceitems?created=` filters `date`).
  A range on nothing the rows carry (`subscriptions?current_period_end=`, an item-level
  minimum) is a note, not a filter: the engine could not re-check it.
- `match`: "case_insensitive" / "wildcard" when the parameter's documentation says so.
- Default exclusions (`hidden_by_default`, `scan_union`), `null_column`, `includable`
  fields and `shared_ids` come from `overrides.json`, each with a why quoting the
  documentation (and, for includable fields, from the spec's "includable" wording).

Single-object endpoints (`single_objects` in `overrides.json`, each with a why): a GET
that returns one object, not a list (`/v1/account`, `/v1/balance`), found as the
stripe-python service method with that path and read through its return type. Its table
is `paginated: false` with no filters, and `single` says how the object becomes rows:
the object itself, with the columns of the list table of the same object (`account` has
`accounts`' columns); or, with `unnest_arrays`, one row per entry of every list of
objects the class declares, at the top level or one nested object down (`available`,
`issuing.available` …), `kind_column` naming the array, `carry` fields of the object
copied into each row.

Parent rule: a `{param}` in the list path makes the table whose list path is the prefix the
parent (`in: "path"`). The parent column is the path placeholder, or, when the placeholder
is `{id}`, the name the retrieve path uses at that position (`/v1/transfers/{transfer}/
reversals/{id}` → `transfer`), else the last segment of the parent's object type
(`billing.meter` → `meter`). A required list parameter naming an object type (in the
endpoint's namespace first: `issuing/tokens?card=` → `issuing.card`) makes that object's
top-level table the parent (`in: "query"`). When the child rows have no field of the
column's name, the column is filter-only.
"""

from __future__ import annotations

import argparse
import ast
import decimal
import importlib
import inspect
import json
import os
import re
import sys
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union

import stripe
import typing_extensions
from stripe._list_object import ListObject
from stripe._request_options import RequestOptions
from stripe._stripe_object import StripeObject

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stripe_dbapi.catalog.model import (  # noqa: E402 (the checkout's package, not an install)
    BIGINT,
    BOOLEAN,
    DECIMAL,
    DOUBLE,
    JSON,
    TIMESTAMP,
    VARCHAR,
)

CATALOG_PATH = ROOT / "stripe_dbapi" / "catalog" / "catalog.json"
OVERRIDES_PATH = ROOT / "stripe_dbapi" / "catalog" / "overrides.json"
_SPEC_NAME = Path("shared") / "stripe-openapi" / "spec3-2023-09-12.json"
# `../shared/` of the checkout; a git worktree deeper down finds it in an ancestor.
SPEC_PATH = Path(
    os.environ.get(
        "STRIPE_OPENAPI_SPEC",
        next(
            (a / _SPEC_NAME for a in ROOT.parents if (a / _SPEC_NAME).exists()),
            ROOT.parent / _SPEC_NAME,
        ),
    )
)

PAGINATION_PARAMS = frozenset({"limit", "starting_after", "ending_before", "expand"})
PAGINATION = frozenset({"limit", "starting_after"})
RANGE_KEYS = frozenset({"gt", "gte", "lt", "lte"})
MAX_DESCRIPTION = 160

_UNIX_TIME_NAMES = re.compile(
    r"^(created|updated|billing_cycle_anchor|available_on|billed_until|active_from"
    r"|.*_at|.*_date|.*_time|(current_)?period_(start|end)|trial_(start|end))$"
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


# --------------------------------------------------------------------------- SDK scan


@dataclass(frozen=True)
class Endpoint:
    """One `def list(` of a stripe-python service, with its sibling methods' paths."""

    list_path: str
    module: str
    service: str
    returns: str
    params: str | None
    retrieve_path: str | None
    search_path: str | None
    deletes: bool = False


def sdk_list_endpoints() -> list[Endpoint]:
    """Every v1 list endpoint of the installed stripe-python, sorted by path."""
    root = Path(stripe.__file__).parent
    found: list[Endpoint] = []
    for file in sorted(root.rglob("*_service.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        rel = file.relative_to(root.parent).with_suffix("")
        module = ".".join(rel.parts)
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            methods = {
                fn.name: fn
                for fn in cls.body
                if isinstance(fn, ast.FunctionDef)
                and fn.name in ("list", "retrieve", "search", "delete")
            }
            listing = methods.get("list")
            if listing is None or not (_path_of(listing) or "").startswith("/v1/"):
                continue
            params = next((a.annotation for a in listing.args.args if a.arg == "params"), None)
            found.append(
                Endpoint(
                    list_path=_path_of(listing) or "",
                    module=module,
                    service=cls.name,
                    returns=_unquote(ast.unparse(listing.returns)) if listing.returns else "",
                    params=_params_class_name(params),
                    retrieve_path=_path_of(methods["retrieve"]) if "retrieve" in methods else None,
                    search_path=_path_of(methods["search"]) if "search" in methods else None,
                    deletes="delete" in methods,
                )
            )
    return sorted(found, key=lambda e: e.list_path)


def _path_of(fn: ast.FunctionDef) -> str | None:
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("/v")
        ):
            return node.value
    return None


def _unquote(text: str) -> str:
    return text.strip("'\"")


def _params_class_name(annotation: ast.expr | None) -> str | None:
    if annotation is None:
        return None
    names = re.findall(r"(\w+Params)\b", ast.unparse(annotation))
    return names[0] if names else None


@cache
def _namespace(module_name: str) -> dict[str, Any]:
    """The module's globals plus the names it imports under `if TYPE_CHECKING:`."""
    module = importlib.import_module(module_name)
    ns = dict(vars(module))
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for imp in node.body:
                if isinstance(imp, ast.ImportFrom) and imp.module:
                    source = importlib.import_module(imp.module)
                    for alias in imp.names:
                        ns[alias.asname or alias.name] = getattr(source, alias.name)
    return ns


def _class_namespace(cls: type) -> dict[str, Any]:
    ns: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.startswith("stripe"):
            ns.update(_namespace(base.__module__))
    return ns


def own_type_hints(cls: type) -> dict[str, Any]:
    """Resolved annotations declared on `cls` itself (not its bases), in source order."""
    hints = typing.get_type_hints(cls, globalns=_class_namespace(cls))
    return {k: hints[k] for k in cls.__dict__.get("__annotations__", {}) if k in hints}


@cache
def field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings of `cls` (the string literal after each annotated field), raw."""
    tree = ast.parse(inspect.getsource(sys.modules[cls.__module__]))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            docs: dict[str, str] = {}
            body = node.body
            for here, after in zip(body, body[1:], strict=False):
                if (
                    isinstance(here, ast.AnnAssign)
                    and isinstance(here.target, ast.Name)
                    and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)
                ):
                    docs[here.target.id] = after.value.value
            return docs
    return {}


def short(text: str | None) -> str:
    """First sentence of a docstring, markdown links flattened, at most 160 characters."""
    if not text:
        return ""
    text = _MD_LINK.sub(r"\1", " ".join(text.split()))
    match = re.search(r"(?<=[a-z0-9)`'\"])\.(\s|$)", text)
    if match:
        text = text[: match.start() + 1]
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"
    return text


def resource_classes(endpoint: Endpoint) -> list[type]:
    """The resource classes a list endpoint returns (several when polymorphic)."""
    annotation = eval(endpoint.returns, _namespace(endpoint.module))  # noqa: S307 (SDK text)
    (item,) = typing.get_args(annotation)
    return list(typing.get_args(item)) if typing.get_origin(item) is Union else [item]


def params_class(endpoint: Endpoint) -> type | None:
    if endpoint.params is None:
        return None
    cls = _namespace(endpoint.module).get(endpoint.params)
    if cls is None or not typing_extensions.is_typeddict(cls):
        return None
    return cls


def list_params(cls: type) -> dict[str, tuple[Any, bool]]:
    """The endpoint's own list params: name → (resolved type, required)."""
    base = set(RequestOptions.__annotations__)
    ns = _namespace(cls.__module__)
    result: dict[str, tuple[Any, bool]] = {}
    for name, raw in cls.__annotations__.items():
        if name in base:
            continue
        tp = typing.get_type_hints(_single(name, raw), globalns=ns)[name]
        result[name] = (tp, name in vars(cls)["__required_keys__"])
    return result


def _single(name: str, annotation: Any) -> Any:
    holder = type("_Holder", (), {"__annotations__": {name: annotation}})
    return holder


# --------------------------------------------------------------------------- types


@cache
def _spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        spec: dict[str, Any] = json.load(fh)
    return spec


def spec_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = _spec()["components"]["schemas"]
    return schemas


def spec_paths() -> dict[str, Any]:
    paths: dict[str, Any] = _spec()["paths"]
    return paths


def _spec_property(object_name: str, field: str) -> dict[str, Any] | None:
    schema = spec_schemas().get(object_name)
    if schema is None:
        return None
    prop: dict[str, Any] | None = schema.get("properties", {}).get(field)
    return prop


def is_unix_time(object_names: list[str], field: str, doc: str = "") -> bool:
    """Whether an int field is a unix time (the rule in the module docstring)."""
    if any(f"{o}.{field}" in load_overrides().get("unix_time", {}) for o in object_names):
        return True
    known = [p for p in (_spec_property(o, field) for o in object_names) if p is not None]
    if any(p.get("format") == "unix-time" for p in known):
        return True
    texts = [doc] + [p.get("description", "") for p in known]
    if any("Unix epoch" in text for text in texts):
        return True
    if known:
        return False
    return bool(_UNIX_TIME_NAMES.match(field))


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(tp))
        if len(args) == 1:
            return args[0], nullable
        return Union[tuple(args)], nullable  # noqa: UP007 (runtime Union of a tuple)
    return tp, False


def _members(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return list(typing.get_args(tp))
    return [tp]


def object_name(cls: type) -> str:
    """The `object` value of a resource class's rows (its OBJECT_NAME)."""
    return str(vars(cls)["OBJECT_NAME"])


def _is_resource(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, StripeObject) and hasattr(tp, "OBJECT_NAME")


@dataclass
class ColumnType:
    type: str
    nullable: bool
    enum: list[str] | None = None
    expand: list[str] | None = None
    list_of: list[str] | None = None  # object types of an embedded ListObject


def column_type(tp: Any, field: str, object_names: list[str], doc: str = "") -> ColumnType:
    """The SQL type of one resource field (the rule in the module docstring)."""
    tp, nullable = _strip_optional(tp)
    members = _members(tp)
    literals = [a for m in members if typing.get_origin(m) is Literal for a in typing.get_args(m)]
    plain = [m for m in members if typing.get_origin(m) is not Literal]
    if literals and all(isinstance(v, bool) for v in literals) and not plain:
        return ColumnType(BOOLEAN, nullable)
    if literals and all(m is str for m in plain):
        return ColumnType(VARCHAR, nullable, enum=sorted(str(v) for v in literals))
    resources = [m for m in plain if _is_resource(m)]
    if str in plain and resources and len(resources) + 1 == len(plain):
        return ColumnType(VARCHAR, nullable, expand=[object_name(r) for r in resources])
    if len(plain) == 1:
        only = plain[0]
        if only is str:
            prop = next((_spec_property(o, field) for o in object_names), None) or {}
            if field.endswith("_decimal") or prop.get("format") == "decimal":
                return ColumnType(DECIMAL, nullable)
            return ColumnType(VARCHAR, nullable)
        if only is decimal.Decimal:
            return ColumnType(DECIMAL, nullable)
        if only is bool:
            return ColumnType(BOOLEAN, nullable)
        if only is int:
            return ColumnType(
                TIMESTAMP if is_unix_time(object_names, field, doc) else BIGINT, nullable
            )
        if only is float:
            return ColumnType(DOUBLE, nullable)
        origin = typing.get_origin(only)
        if origin is ListObject or (isinstance(origin, type) and issubclass(origin, ListObject)):
            (item,) = typing.get_args(only)
            objs = [object_name(m) for m in _members(item) if _is_resource(m)]
            return ColumnType(JSON, nullable, list_of=objs)
    return ColumnType(JSON, nullable)


# --------------------------------------------------------------------------- tables


def table_name(list_path: str) -> str:
    """`/v1/invoices/{invoice}/lines` → `invoices_lines`."""
    parts = list_path.removeprefix("/v1/").split("/")
    return "_".join(p for p in parts if not _PLACEHOLDER.fullmatch(p))


@cache
def load_overrides() -> dict[str, Any]:
    with OVERRIDES_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@dataclass
class _Draft:
    """A table being built: the endpoint, its classes and its column dicts."""

    endpoint: Endpoint
    name: str
    classes: list[type]
    columns: dict[str, dict[str, Any]]
    list_of: dict[str, list[str]]
    table: dict[str, Any]

    @property
    def objects(self) -> list[str]:
        return [object_name(c) for c in self.classes]


def _column(name: str, ctype: ColumnType, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": ctype.type,
        "nullable": ctype.nullable,
        "description": description,
        "enum": ctype.enum,
        "expand": ctype.expand,
        "references": None,
        "filter_only": False,
        "embedded_list": None,
    }


def _resource_columns(
    classes: list[type],
) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """The union of the classes' fields as column dicts, and the embedded lists' objects."""
    objects = [object_name(c) for c in classes]
    columns: dict[str, dict[str, Any]] = {}
    list_of: dict[str, list[str]] = {}
    seen_in: dict[str, int] = {}
    for cls in classes:
        docs = field_docs(cls)
        for name, tp in own_type_hints(cls).items():
            if name.startswith("_") or name == "OBJECT_NAME":
                continue
            ctype = column_type(tp, name, objects, docs.get(name, ""))
            if ctype.list_of is not None:
                list_of[name] = ctype.list_of
            seen_in[name] = seen_in.get(name, 0) + 1
            doc = (
                docs.get(name)
                or (_spec_property(object_name(cls), name) or {}).get("description")
                or _class_doc(tp)
            )
            new = _column(name, ctype, short(doc))
            old = columns.get(name)
            if old is None:
                columns[name] = new
            else:
                columns[name] = _merge_columns(old, new)
    for name, count in seen_in.items():
        if count < len(classes):
            columns[name]["nullable"] = True  # absent from some variants
    return columns, list_of


def _class_doc(tp: Any) -> str | None:
    """The docstring a nested StripeObject class declares itself, if any."""
    tp, _ = _strip_optional(tp)
    doc = tp.__dict__.get("__doc__") if isinstance(tp, type) else None
    return doc if isinstance(doc, str) else None


def _merge_columns(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """One column for a field that several variants of a polymorphic list carry."""
    merged = dict(old)
    merged["nullable"] = old["nullable"] or new["nullable"]
    if old["type"] != new["type"]:
        merged["type"] = JSON  # the variants disagree; keep the value, not a guess
    for key in ("enum", "expand"):
        values = sorted(set(old[key] or ()) | set(new[key] or ()))
        merged[key] = values or None
    merged["description"] = old["description"] or new["description"]
    return merged


def _placeholders(path: str) -> list[str]:
    return _PLACEHOLDER.findall(path)


def _retrieve_path(draft: _Draft, parent_column: str | None) -> str | None:
    """The service's retrieve path with the object id as `{id}`, the parent key by column."""
    path = draft.endpoint.retrieve_path
    if path is None:
        return None
    names = _placeholders(path)
    if not names:
        return None
    renames = {names[-1]: "id"}
    if parent_column is not None and len(names) > 1:
        renames[names[-2]] = parent_column
    return _PLACEHOLDER.sub(lambda m: "{" + renames.get(m.group(1), m.group(1)) + "}", path)


def _namespace_of(list_path: str) -> str | None:
    """`/v1/issuing/tokens` → `issuing`; top-level paths have none."""
    parts = [p for p in list_path.removeprefix("/v1/").split("/") if not p.startswith("{")]
    return parts[0] if len(parts) > 1 else None


def build_catalog() -> dict[str, Any]:
    """The catalog as the JSON-ready dict `model.Catalog.from_dict` reads."""
    overrides = load_overrides()
    skipped = {s["path"] for s in overrides.get("skip", [])}
    drafts: dict[str, _Draft] = {}
    for endpoint in sdk_list_endpoints():
        if endpoint.list_path in skipped:
            continue
        classes = resource_classes(endpoint)
        columns, list_of = _resource_columns(classes)
        name = table_name(endpoint.list_path)
        if name in drafts:
            raise SystemExit(f"Two list endpoints map to table `{name}`; add a skip override.")
        drafts[name] = _Draft(endpoint, name, classes, columns, list_of, {})

    by_path = {d.endpoint.list_path: d for d in drafts.values()}
    top_level: dict[str, str] = {}
    for d in drafts.values():
        if not _placeholders(d.endpoint.list_path) and len(d.classes) == 1:
            top_level.setdefault(d.objects[0], d.name)

    table_overrides: dict[str, Any] = overrides.get("tables", {})
    for d in drafts.values():
        _fill_table(d, by_path, top_level, table_overrides.get(d.name, {}))
    for d in drafts.values():
        _link_columns(d, drafts, top_level)
    for d in drafts.values():
        parent = d.table["parent"]
        if parent and parent["table"]:
            drafts[parent["table"]].table["children"].append(d.name)
    singles = single_object_tables(overrides.get("single_objects", {}), drafts, top_level)
    tables = []
    for name in sorted(set(drafts) | set(singles)):
        if name in drafts and name in singles:
            raise SystemExit(f"A single-object table `{name}` is also a list table.")
        table = singles[name] if name in singles else drafts[name].table
        table["children"] = sorted(table["children"])
        tables.append(table)
    return {"api_version": stripe.api_version, "tables": tables}


def _fill_table(
    d: _Draft,
    by_path: dict[str, _Draft],
    top_level: dict[str, str],
    override: dict[str, Any],
) -> None:
    endpoint = d.endpoint
    notes: list[str] = []
    parent = _path_parent(d, by_path, override)
    params_cls = params_class(endpoint)
    params = list_params(params_cls) if params_cls else {}
    required = sorted(p for p, (_, req) in params.items() if req)
    if parent is None:
        parent = _query_parent(d, required, top_level, override)
    filter_only: dict[str, dict[str, Any]] = {}
    if parent is not None and parent["column"] not in d.columns:
        what = parent["table"] or parent["param"]
        filter_only[parent["column"]] = _column(
            parent["column"],
            ColumnType(VARCHAR, True),
            f"Filter-only: the {what} id this row was listed under ({parent['in']} parameter).",
        )
    filters = []
    filter_overrides: dict[str, Any] = override.get("filters", {})
    for param, (tp, _req) in sorted(params.items()):
        if param in PAGINATION_PARAMS:
            continue
        kind, reason = _filter_kind(tp)
        if kind is not None and d.columns.get(param, {}).get("type") == JSON:
            kind, reason = None, f"it matches the id inside the embedded `{param}` object"
        fo: dict[str, Any] = filter_overrides.get(param, {})
        column = fo.get("column", param)
        if kind == "range" and column not in d.columns:
            kind, reason = (
                None,
                (
                    "a range on a value the rows do not carry, which the engine could not "
                    f"re-check ({short(_param_doc(params_cls, param)).rstrip('.')})"
                ),
            )
        if kind is None:
            notes.append(f"List parameter `{param}` is not exposed: {reason}.")
            continue
        if column not in d.columns and column not in filter_only:
            filter_only[column] = _filter_only_column(param, tp, kind, d, params_cls)
        entry: dict[str, Any] = {"param": param, "column": column, "kind": kind}
        values = accepted_values(tp)
        if values is not None:
            entry["values"] = values
        match = _match_mode(_param_doc(params_cls, param))
        if match != "exact":
            entry["match"] = match
        if "null_column" in fo:
            entry["null_column"] = fo["null_column"]
        filters.append(entry)
        hidden = _hidden_rows_sentences(_param_doc(params_cls, param))
        notes.extend(f"`{param}` filter: {sentence}" for sentence in hidden)
    defaults = dict(override.get("defaults", {}))
    notes = _required_notes(parent, required, defaults) + notes
    columns = _ordered(d.columns) + [filter_only[k] for k in sorted(filter_only)]
    for column in filter_only.values():
        column["filter_only"] = True
    for name in includable_fields(endpoint.list_path, override):
        if name not in d.columns:
            raise SystemExit(f"`{d.name}`: includable field `{name}` is not a column.")
        d.columns[name]["includable"] = True
    parent_column = parent["column"] if parent and parent["in"] == "path" else None
    cls = d.classes[0]
    d.table = {
        "name": d.name,
        "description": short(inspect.getdoc(cls)) if len(d.classes) == 1 else "",
        "object": override.get("object", d.objects[0]),
        "list_path": endpoint.list_path,
        "retrieve_path": _retrieve_path(d, parent_column),
        "search_path": endpoint.search_path,
        "parent": parent,
        "children": [],
        "columns": columns,
        "filters": filters,
        "required": required,
        "defaults": defaults,
        "hidden_by_default": dict(sorted(override.get("hidden_by_default", {}).items())),
        "scan_union": _scan_union(override, filters),
        "paginated": set(params) >= PAGINATION,  # limit and starting_after
        "deletable": _deletable(d),
        "shared_ids": _shared_ids(override),
        "polymorphic": len(d.classes) > 1,
        "notes": notes + list(override.get("notes", [])),
    }
    if endpoint.search_path:
        d.table["search_fields"] = sorted(override.get("search_fields", []))
    if len(d.classes) > 1:
        d.table["description"] = "One of: " + ", ".join(d.objects) + "."
        d.table["columns"][1]["enum"] = sorted(d.objects)
    if "description" in override:
        d.table["description"] = override["description"]


_INCLUDABLE = re.compile(r"includable <strong>(\w+)</strong>")


def includable_fields(list_path: str, override: dict[str, Any]) -> list[str]:
    """Fields Stripe returns only when expanded: those a nested list's description in the
    spec calls "an includable <strong>x</strong> property" of this table's objects
    (`/v1/checkout/sessions/{session}/line_items`: "When retrieving a Checkout Session,
    there is an includable line_items property"), and those `overrides.json` lists under
    `includable` with a why (`customers.subscriptions` since API 2020-08-27, which neither
    source says)."""
    found = set(override.get("includable", {}))
    for path, ops in spec_paths().items():
        if re.fullmatch(re.escape(list_path) + r"/\{\w+\}/\w+", path):
            found.update(_INCLUDABLE.findall(ops.get("get", {}).get("description", "")))
    return sorted(found)


def accepted_values(tp: Any) -> list[str] | None:
    """The values a list parameter accepts: its `Literal` arguments (stripe-python types
    them `Literal[...] | str`; the `str` is for forward compatibility, not a promise), None
    when it names none (free text, ids, numbers, booleans)."""
    tp, _ = _strip_optional(tp)
    literals = [
        a for m in _members(tp) if typing.get_origin(m) is Literal for a in typing.get_args(m)
    ]
    # `Literal['']` is stripe-python's "send an empty string to unset", not a value set.
    literals = [v for v in literals if v != ""]
    if not literals or all(isinstance(v, bool) for v in literals):
        return None
    return sorted(str(v) for v in literals)


def _match_mode(doc: str) -> str:
    """How Stripe compares a parameter's value, as its documentation says."""
    if "case-insensitive" in doc:
        return "case_insensitive"
    if "wildcard" in doc:
        return "wildcard"
    return "exact"


def _scan_union(override: dict[str, Any], filters: list[dict[str, Any]]) -> dict[str, Any] | None:
    union: dict[str, Any] | None = override.get("scan_union")
    if union is None:
        return None
    f = next((f for f in filters if f["param"] == union["param"]), None)
    if f is None:
        raise SystemExit(f"scan_union names `{union['param']}`, which is not a filter.")
    return {"param": union["param"], "values": list(union["values"]), "why": union["why"]}


def _deletable(d: _Draft) -> bool:
    """Deleted objects stay retrievable as stubs: the resource types `deleted`
    ("Always true for a deleted object") and the service has `delete`."""
    return "deleted" in d.columns and d.endpoint.deletes


def _shared_ids(override: dict[str, Any]) -> list[str]:
    ids: list[str] = list(override.get("shared_ids", []))
    known = set(own_type_hints(stripe.Account.Capabilities)) if ids else set()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise SystemExit(f"shared_ids {unknown} are not capabilities of stripe.Account.")
    return ids


def _required_notes(
    parent: dict[str, Any] | None, required: list[str], defaults: dict[str, str]
) -> list[str]:
    """What a query must give so the driver can call the endpoint at all."""
    notes = []
    if parent is not None:
        key, table = parent["column"], parent["table"]
        if table is None:
            notes.append(
                f"Stripe needs `{parent['param']}` ({parent['in']} parameter) and has no list to "
                f"fan out from: the query must give `{key}` = … or IN (…)."
            )
        else:
            notes.append(
                f"Each call lists the rows of one `{key}`: give `{key}` = … or IN (…), "
                f"or the driver fans out over `{table}`."
            )
    for param in required:
        covered = param in defaults or any(k.startswith(param + "[") for k in defaults)
        if covered or (parent is not None and parent["param"] == param):
            continue
        notes.append(f"Stripe requires `{param}`: the query must give `{param}` = … or IN (…).")
    return notes


def _ordered(columns: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """`id`, `object`, then the other fields by name."""
    first = [columns[k] for k in ("id", "object") if k in columns]
    return first + [columns[k] for k in sorted(columns) if k not in ("id", "object")]


def _path_parent(
    d: _Draft, by_path: dict[str, _Draft], override: dict[str, Any]
) -> dict[str, Any] | None:
    """The parent whose id sits in the list path (see the module docstring's rule)."""
    path = d.endpoint.list_path
    names = _placeholders(path)
    if not names:
        return None
    placeholder = names[-1]
    prefix = path[: path.rindex("/{" + placeholder + "}")]
    parent = by_path.get(prefix)
    candidates = []
    if "parent_column" in override:
        candidates.append(override["parent_column"])
    if placeholder == "id":
        retrieve = d.endpoint.retrieve_path
        named = _placeholders(retrieve) if retrieve else []
        if len(named) > 1:
            candidates.append(named[-2])
    else:
        candidates.append(placeholder)
    if parent is not None:
        candidates.append(parent.objects[0].rsplit(".", 1)[-1])
    column = next((c for c in candidates if c in d.columns), candidates[0])
    return {
        "table": parent.name if parent else None,
        "column": column,
        "param": placeholder,
        "in": "path",
    }


def _query_parent(
    d: _Draft, required: list[str], top_level: dict[str, str], override: dict[str, Any]
) -> dict[str, Any] | None:
    """The parent named by a required list parameter (`subscription_items?subscription=`)."""
    if "parent" in override:
        parent: dict[str, Any] | None = override["parent"]
        return parent
    namespace = _namespace_of(d.endpoint.list_path)
    for param in required:
        objects = ([f"{namespace}.{param}"] if namespace else []) + [param]
        table = next((top_level[o] for o in objects if o in top_level), None)
        if table is not None and table != d.name:
            return {"table": table, "column": param, "param": param, "in": "query"}
    return None


def _filter_kind(tp: Any) -> tuple[Literal["eq", "range"] | None, str]:
    """("range" | "eq", "") for a list parameter the planner can send, else (None, why)."""
    tp, _ = _strip_optional(tp)
    members = _members(tp)
    dicts = [m for m in members if typing_extensions.is_typeddict(m)]
    if any(set(m.__annotations__) and set(m.__annotations__) <= RANGE_KEYS for m in dicts):
        return "range", ""
    if dicts:
        return None, "it takes a nested object"
    if any(typing.get_origin(m) in (list, typing.List) for m in members):  # noqa: UP006
        return None, "it takes an array"
    return "eq", ""


def _filter_only_column(
    param: str, tp: Any, kind: str, d: _Draft, params_cls: type | None
) -> dict[str, Any]:
    """A column for a list parameter that is not a field of the rows."""
    raw_doc = _param_doc(params_cls, param)
    if kind == "range":
        unix = is_unix_time(d.objects, param, raw_doc)
        ctype = ColumnType(TIMESTAMP if unix else BIGINT, True)
    else:
        ctype = column_type(tp, param, d.objects, raw_doc)
        ctype.nullable = True
        if ctype.type == JSON:
            ctype = ColumnType(VARCHAR, True)
    return _column(param, ctype, ("Filter-only: " + short(raw_doc))[:MAX_DESCRIPTION])


def _hidden_rows_sentences(doc: str) -> list[str]:
    """Sentences of a parameter's doc that say the unfiltered list hides rows."""
    sentences = re.split(r"(?<=\.)\s+", doc)
    return [s for s in sentences if "will not include" in s]


def _param_doc(params_cls: type | None, param: str) -> str:
    if params_cls is None:
        return ""
    return " ".join(field_docs(params_cls).get(param, "").split())


def _link_columns(d: _Draft, drafts: dict[str, _Draft], top_level: dict[str, str]) -> None:
    """Fill `references` and `embedded_list`, which need every table to be known."""
    parent = d.table["parent"]
    namespace = _namespace_of(d.endpoint.list_path)
    for column in d.table["columns"]:
        name = column["name"]
        if column["expand"] and len(column["expand"]) == 1:
            column["references"] = top_level.get(column["expand"][0])
        elif column["filter_only"]:
            objects = ([f"{namespace}.{name}"] if namespace else []) + [name]
            column["references"] = next((top_level[o] for o in objects if o in top_level), None)
        if parent and parent["table"] and name == parent["column"] and not column["references"]:
            column["references"] = parent["table"]
        if name in d.list_of:
            column["embedded_list"] = _embedded_table(d, name, d.list_of[name], drafts, top_level)


def _embedded_table(
    d: _Draft,
    field: str,
    objects: list[str],
    drafts: dict[str, _Draft],
    top_level: dict[str, str],
) -> str | None:
    """The child table of that object type (the one named after the field first), else
    the top-level table of that object type."""
    children = [
        other
        for other in drafts.values()
        if other.table["parent"]
        and other.table["parent"]["table"] == d.name
        and set(other.objects) == set(objects)
    ]
    children.sort(key=lambda other: (other.name != f"{d.name}_{field}", other.name))
    if children:
        return children[0].name
    if len(objects) == 1:
        return top_level.get(objects[0])
    return None


# --------------------------------------------------------------------------- single objects


def sdk_object_class(path: str) -> type:
    """The resource class a stripe-python service method GETting `path` returns."""
    root = Path(stripe.__file__).parent
    for file in sorted(root.rglob("*_service.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        module = ".".join(file.relative_to(root.parent).with_suffix("").parts)
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and fn.returns and _path_of(fn) == path:
                    found = eval(_unquote(ast.unparse(fn.returns)), _namespace(module))  # noqa: S307
                    if _is_resource(found):
                        return found  # type: ignore[no-any-return]
    raise SystemExit(f"No stripe-python method returns one object from GET {path}.")


def object_arrays(cls: type) -> list[tuple[str, type]]:
    """(dotted path, entry class) of each list of objects `cls` declares, at the top level
    or inside a nested object, sorted by path."""
    found: list[tuple[str, type]] = []
    for name, tp in own_type_hints(cls).items():
        tp, _ = _strip_optional(tp)
        if typing.get_origin(tp) is list:
            (entry,) = typing.get_args(tp)
            if isinstance(entry, type) and issubclass(entry, StripeObject):
                found.append((name, entry))
        elif isinstance(tp, type) and issubclass(tp, StripeObject) and not _is_resource(tp):
            found.extend((f"{name}.{path}", e) for path, e in object_arrays(tp) if "." not in path)
    return sorted(found)


def single_object_tables(
    overrides: dict[str, Any], drafts: dict[str, _Draft], top_level: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """The tables of the single-object endpoints `overrides` names (see the module doc)."""
    tables: dict[str, dict[str, Any]] = {}
    for name, o in sorted(overrides.items()):
        cls = sdk_object_class(o["path"])
        obj = object_name(cls)
        single: dict[str, Any] = {}
        if o.get("unnest_arrays"):
            arrays = object_arrays(cls)
            kind = o["kind_column"]
            columns = {
                kind: _column(
                    kind,
                    ColumnType(VARCHAR, False, [p for p, _ in arrays]),
                    f"Which of the {obj}'s lists the entry is in (a dotted path for a nested one).",
                )
            }
            columns.update(_entry_columns([e for _, e in arrays], obj))
            docs = field_docs(cls)
            hints = own_type_hints(cls)
            for field in o.get("carry", []):
                ctype = column_type(hints[field], field, [obj], docs.get(field, ""))
                columns[field] = _column(field, ctype, short(docs.get(field)))
            ordered = [columns.pop(kind)] + [columns[k] for k in sorted(columns)]
            single = {
                "unnest": [p for p, _ in arrays],
                "kind_column": kind,
                "carry": o.get("carry", []),
            }
        else:
            like = top_level.get(obj)
            if like is None:
                raise SystemExit(
                    f"`{name}`: no list table of `{obj}` objects to take columns from."
                )
            ordered = json.loads(json.dumps(drafts[like].table["columns"]))
        tables[name] = {
            "name": name,
            "description": o.get("description") or short(inspect.getdoc(cls)),
            "object": obj,
            "list_path": o["path"],
            "retrieve_path": None,
            "search_path": None,
            "parent": None,
            "children": [],
            "columns": ordered,
            "filters": [],
            "required": [],
            "defaults": {},
            "hidden_by_default": {},
            "scan_union": None,
            "paginated": False,
            "single": single,
            "deletable": False,
            "shared_ids": [],
            "polymorphic": False,
            "notes": list(o.get("notes", [])),
        }
    return tables


def _entry_columns(classes: list[type], obj: str) -> dict[str, dict[str, Any]]:
    """The union of the entry classes' fields as columns; nullable where some lack one."""
    columns: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for cls in classes:
        docs = field_docs(cls)
        for name, tp in own_type_hints(cls).items():
            if name.startswith("_"):
                continue
            ctype = column_type(tp, name, [obj], docs.get(name, ""))
            new = _column(name, ctype, short(docs.get(name) or _class_doc(tp)))
            old = columns.get(name)
            columns[name] = new if old is None else _merge_columns(old, new)
            seen[name] = seen.get(name, 0) + 1
    for name, count in seen.items():
        if count < len(classes):
            columns[name]["nullable"] = True
    return columns


# --------------------------------------------------------------------------- output


def render(catalog: dict[str, Any]) -> str:
    """Compact, deterministic JSON with one table per line, so diffs stay readable."""

    def dump(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    tables = ",\n".join(dump(t) for t in catalog["tables"])
    return '{"api_version":' + dump(catalog["api_version"]) + ',"tables":[\n' + tables + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed catalog.json is stale"
    )
    args = parser.parse_args(argv)
    catalog = build_catalog()
    text = render(catalog)
    shown = CATALOG_PATH.relative_to(ROOT) if CATALOG_PATH.is_relative_to(ROOT) else CATALOG_PATH
    if args.check:
        current = CATALOG_PATH.read_text(encoding="utf-8") if CATALOG_PATH.exists() else None
        if current != text:
            print(
                f"{shown} is stale: it differs from what the generator produces; "
                "run `python tools/generate_catalog.py` and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"{shown} is up to date.")
        return 0
    CATALOG_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {shown} ({len(catalog['tables'])} tables, {len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
