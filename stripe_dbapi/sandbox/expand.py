"""`expand[]`: replace an id by the object it references, copying only along the path.

A field is expandable when its catalog column names object types (`expand`) or a table
(`references`), or when its value is the id of an object in the data set. Nested paths
(`data.charge.customer`) expand level by level, at most four levels as Stripe allows.
"""

from __future__ import annotations

import threading
from typing import Any

from stripe_dbapi._typing import Row
from stripe_dbapi.catalog import Table
from stripe_dbapi.sandbox.data import Dataset
from stripe_dbapi.sandbox.errors import ApiError

MAX_DEPTH = 4


class Expander:
    """Expands paths on rows of one data set."""

    def __init__(self, dataset: Dataset) -> None:
        self._ds = dataset
        self._by_id: dict[str, Row] | None = None
        self._lock = threading.Lock()
        # Catalog.by_object walks every table; an expanded page asks it once per row.
        self._tables_by_object: dict[str, Table | None] = {}

    def apply(self, obj: Row, table: Table | None, paths: list[str]) -> Row:
        """`obj` with every path expanded (the original is never modified)."""
        for path in paths:
            parts = path.split(".")
            if len(parts) > MAX_DEPTH:
                raise ApiError(
                    400,
                    f"You cannot expand more than {MAX_DEPTH} levels of a property ({path}).",
                    param="expand",
                )
            obj = self._expand(obj, table, parts, path)
        return obj

    def _expand(self, obj: Row, table: Table | None, parts: list[str], path: str) -> Row:
        name, rest = parts[0], parts[1:]
        value = obj.get(name)
        column = table.column(name) if table else None
        if isinstance(value, str):
            target = self.resolve(column, value)
            if target is None:
                if column is not None and (column.expand or column.references):
                    return obj  # an id the data set does not hold: left as Stripe's id
                raise _not_expandable(path)
            value = target
        elif value is None:
            if name not in obj and column is None:
                raise _not_expandable(path)
            return obj
        elif not (isinstance(value, dict) and "id" in value):
            raise _not_expandable(path)
        if rest:
            value = self._expand(value, self.table_of(str(value.get("object"))), rest, path)
        return {**obj, name: value}

    def table_of(self, object_type: str) -> Table | None:
        """The top-level table of an object type (`Catalog.by_object`, remembered)."""
        try:
            return self._tables_by_object[object_type]
        except KeyError:
            table = self._tables_by_object[object_type] = self._ds.catalog.by_object(object_type)
            return table

    def resolve(self, column: Any, object_id: str) -> Row | None:
        """The object an id in `column` names: in the tables the column references, else
        any object of the data set with that id; None when there is none."""
        if column is not None:
            names = [column.references] if column.references else []
            for object_type in column.expand or ():
                t = self.table_of(object_type)
                if t is not None:
                    names.append(t.name)
            for name in names:
                row = self._ds.find(name, object_id)
                if row is not None:
                    return row
        return self._index().get(object_id)

    def _index(self) -> dict[str, Row]:
        with self._lock:
            if self._by_id is None:
                index: dict[str, Row] = {}
                # Child tables first, so a top-level table's row wins for shared ids.
                for table in sorted(self._ds.catalog, key=lambda t: t.parent is None):
                    if table.shared_ids:
                        continue  # names, not ids (`transfers`): never expand by them
                    for row in self._ds[table.name]:
                        if isinstance(row.get("id"), str):
                            index[row["id"]] = row
                self._by_id = index
            return self._by_id


def _not_expandable(path: str) -> ApiError:
    return ApiError(400, f"This property cannot be expanded ({path}).", param="expand")
