"""The catalog of Stripe tables: the generated `catalog.json` and its model.

`load_catalog()` reads the file once per process; the generator lives in
`tools/generate_catalog.py` and is run by developers, never at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from stripe_dbapi.catalog.model import (
    BIGINT,
    BOOLEAN,
    DECIMAL,
    DIALECT,
    DOUBLE,
    JSON,
    SCHEMA,
    SQL_TYPES,
    TIMESTAMP,
    VARCHAR,
    Catalog,
    Column,
    Filter,
    Parent,
    ScanUnion,
    Single,
    Table,
)

CATALOG_PATH = Path(__file__).with_name("catalog.json")


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The packaged catalog, parsed once and shared (it is immutable)."""
    return Catalog.load(CATALOG_PATH)


__all__ = [
    "BIGINT",
    "BOOLEAN",
    "CATALOG_PATH",
    "DECIMAL",
    "DOUBLE",
    "JSON",
    "DIALECT",
    "SCHEMA",
    "SQL_TYPES",
    "TIMESTAMP",
    "VARCHAR",
    "Catalog",
    "Column",
    "Filter",
    "Parent",
    "ScanUnion",
    "Single",
    "Table",
    "load_catalog",
]
