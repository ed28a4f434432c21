"""Pre-encoded objects: each object's JSON made once, pages joined from the bytes.

Encoding a page of 100 charges with the `json` module costs about 6 ms of CPU, more than
everything else a request does; the data set never changes, so each object is encoded
the first time it is served and its bytes kept (for the objects actually served, about
the size of their JSON). A list page is then its envelope with the rows' bytes joined in,
in one copy; a row without the includable fields Stripe leaves out is a second cached
encoding; an expanded field (`expand[]=data.customer`) is the row's bytes with that
field's value replaced by the referenced object's bytes, nested paths level by level.

The bytes are exactly those `json.dumps(body, separators=(",", ":"))` gives for the
reference path's body (`SandboxAPI.handle`). Where a splice cannot be proven exact (the
field's text occurs twice in the object) or where the reference would raise, a row is
handed to the caller's `fallback`, which encodes the reference path's object (and raises
its error).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Table
from stripe_dbapi.sandbox.expand import MAX_DEPTH, Expander

_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
_STRING = json.encoder.encode_basestring_ascii  # what the encoder writes for a str
_DATA = b'"data":['
_MAX_PLANS = 1024
_MAX_SERVED = 200_000  # rows served stripped or expanded, remembered as their chunks

Chunk = bytes | memoryview


def dumps(value: Any) -> bytes:
    """`value` as the server sends it: compact JSON, ASCII only."""
    return _ENCODE(value).encode()


def envelope(skeleton: dict[str, Any], rows: list[Chunk]) -> bytes:
    """`skeleton`, whose "data" is an empty list, encoded with `rows` (each row's chunks
    followed by a `b","`, see `Encoded.rows`) as its data.

    The first `"data":[]` is the envelope's own: it follows `{"object":"list",` (or
    `"search_result"`), and no JSON string can hold an unescaped quote.
    """
    head = dumps(skeleton)
    at = head.index(_DATA + b"]") + len(_DATA)
    if rows:
        rows[-1:] = []  # the last row's comma
    return b"".join([head[:at], *rows, head[at:]])


@dataclass(frozen=True)
class _Plan:
    """What one request's `expand[]` asks of every row of one table."""

    strip: frozenset[str]  # includable fields not asked for
    paths: tuple[tuple[str, ...], ...]  # the rest, split; () when nothing to expand
    exact: bool  # False: a path the reference rejects (every row takes the fallback)


class _Node:
    """An object being expanded: a data set object, its bytes, and its expanded fields."""

    __slots__ = ("base", "data", "expanded")

    def __init__(self, base: Row, data: bytes | None = None) -> None:
        self.base = base
        self.data = data
        self.expanded: dict[str, _Node] = {}


class Encoded:
    """The bytes of one data set's objects, as served."""

    def __init__(self, expander: Expander) -> None:
        self._expander = expander
        # Keyed by id(): every object cached belongs to the data set, which outlives this
        # cache and is never modified, so an id is never reused for another object.
        self._raw: dict[int, bytes] = {}
        self._stripped: dict[tuple[int, frozenset[str]], bytes] = {}
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}
        # (id(row), (table, expand paths)) -> the row's chunks as that request serves it.
        self._served: dict[tuple[int, tuple[str, tuple[str, ...]]], tuple[Chunk, ...]] = {}
        self._keys: dict[str, bytes] = {}

    def raw(self, obj: Row) -> bytes:
        """The bytes of a data set object, as it is."""
        data = self._raw.get(id(obj))
        if data is None:
            data = self._raw[id(obj)] = dumps(obj)
        return data

    def rows(
        self, rows: list[Row], table: Table, paths: list[str], fallback: Callable[[Row], bytes]
    ) -> list[Chunk]:
        """The chunks of `rows` as `SandboxAPI._present(row, table, paths)` makes them,
        each row followed by a comma chunk (for `envelope`)."""
        key = (table.name, tuple(paths))
        plan = self._plan(key, table, paths)
        out: list[Chunk] = []
        if not plan.strip and not plan.paths:
            for row in rows:
                out += (self.raw(row), b",")
            return out
        served = self._served
        for row in rows:
            chunks = served.get((id(row), key))
            if chunks is None:
                made: list[Chunk] = []
                if plan.exact and self._present(row, table, plan, made):
                    chunks = tuple(made)
                    if len(served) >= _MAX_SERVED:
                        served.clear()
                    served[id(row), key] = chunks
                else:
                    chunks = (fallback(row),)
            out += chunks
            out.append(b",")
        return out

    def one(
        self, row: Row, table: Table, paths: list[str], fallback: Callable[[Row], bytes]
    ) -> bytes:
        """One object (a retrieve) as `rows` would serve it."""
        return b"".join(self.rows([row], table, paths, fallback)[:-1])

    def _plan(self, key: tuple[str, tuple[str, ...]], table: Table, paths: list[str]) -> _Plan:
        plan = self._plans.get(key)
        if plan is None:
            includable = frozenset(table.includable)
            wanted = {p.split(".", 1)[0] for p in paths}
            rest = [p for p in paths if p not in includable] if includable else paths
            split = tuple(tuple(p.split(".")) for p in rest)
            plan = _Plan(
                frozenset(includable - wanted), split, all(len(p) <= MAX_DEPTH for p in split)
            )
            if len(self._plans) >= _MAX_PLANS:
                self._plans.clear()  # expand[] lists are the client's: keep the cache small
            self._plans[key] = plan
        return plan

    def _present(self, row: Row, table: Table, plan: _Plan, out: list[Chunk]) -> bool:
        drop = frozenset(k for k in plan.strip if k in row) if plan.strip else None
        data = self._without(row, drop) if drop else self.raw(row)
        if not plan.paths:
            out.append(data)
            return True
        top = _Node(row, data)
        for parts in plan.paths:
            if not self._expand(top, table, parts):
                return False
        return self._chunks(top, out)

    def _without(self, row: Row, drop: frozenset[str]) -> bytes:
        key = (id(row), drop)
        data = self._stripped.get(key)
        if data is None:
            data = self._stripped[key] = dumps({k: v for k, v in row.items() if k not in drop})
        return data

    def _expand(self, node: _Node, table: Table | None, parts: tuple[str, ...]) -> bool:
        """Expand one path in `node` as `Expander._expand` does; False where it would
        raise."""
        name, rest = parts[0], parts[1:]
        column = table.column(name) if table else None
        child = node.expanded.get(name)
        if child is None:
            value = node.base.get(name)
            if isinstance(value, str):
                target = self._expander.resolve(column, value)
                if target is None:
                    # Left as Stripe's id when the column names what it references.
                    return column is not None and bool(column.expand or column.references)
                child = _Node(target)
            elif value is None:
                return name in node.base or column is not None
            elif isinstance(value, dict) and "id" in value:
                child = _Node(value)
            else:
                return False
        if rest:
            if "object" in child.expanded:
                return False
            sub = self._expander.table_of(str(child.base.get("object")))
            if not self._expand(child, sub, rest):
                return False
        node.expanded[name] = child
        return True

    def _chunks(self, node: _Node, out: list[Chunk]) -> bool:
        """Append `node`'s bytes, its expanded fields spliced in; False if a splice is
        not provably exact (the caller then drops what was appended)."""
        data = node.data if node.data is not None else self.raw(node.base)
        edits: list[tuple[int, int, _Node]] = []
        for name, child in node.expanded.items():
            original = node.base[name]
            if child.base is original and not child.expanded:
                continue  # an embedded object kept as it is
            old = _STRING(original).encode() if isinstance(original, str) else self.raw(original)
            pattern = self._key(name) + old
            at = data.find(pattern)
            # Every match is a key and its value at some depth; only a single one is
            # certainly the top-level field.
            if at < 0 or data.find(pattern, at + 1) >= 0:
                return False
            start = at + len(pattern) - len(old)
            edits.append((start, start + len(old), child))
        if not edits:
            out.append(data)
            return True
        edits.sort(key=lambda e: e[0])
        view = memoryview(data)
        last = 0
        for start, end, child in edits:
            out.append(view[last:start])
            if not self._chunks(child, out):
                return False
            last = end
        out.append(view[last:])
        return True

    def _key(self, name: str) -> bytes:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = _STRING(name).encode() + b":"
        return key
