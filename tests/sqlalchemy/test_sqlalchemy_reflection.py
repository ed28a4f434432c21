"""Reflection answers from the catalog: every table, its types, keys and comments, no requests."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    MetaData,
    Numeric,
    String,
    Table,
    exc,
    inspect,
)
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeEngine

from stripe_dbapi.catalog import DECIMAL, TIMESTAMP, load_catalog

CATALOG = load_catalog()


def _matches(catalog_type: str, reflected: TypeEngine[object]) -> bool:
    """Whether the reflected type is the one the catalog type promises."""
    if catalog_type == TIMESTAMP:
        return isinstance(reflected, DateTime) and reflected.timezone is True
    if catalog_type == DECIMAL:
        return isinstance(reflected, Numeric) and (reflected.precision, reflected.scale) == (38, 12)
    expected = {
        "VARCHAR": String,
        "BIGINT": BigInteger,
        "DOUBLE": Float,
        "BOOLEAN": Boolean,
        "JSON": JSON,
    }[catalog_type]
    return isinstance(reflected, expected)


def test_every_table_reflects_with_its_columns_and_types(engine: Engine) -> None:
    metadata = MetaData()
    with engine.connect() as conn:
        before = conn.connection.dbapi_connection.request_count  # type: ignore[union-attr]
        metadata.reflect(conn)
        after = conn.connection.dbapi_connection.request_count  # type: ignore[union-attr]
    assert after == before, "reflection must not call Stripe"
    assert sorted(metadata.tables) == sorted(t.name for t in CATALOG)
    assert len(metadata.tables) > 100
    for table in CATALOG:
        reflected = metadata.tables[table.name]
        assert [c.name for c in reflected.columns] == list(table.column_names), table.name
        for column in table.columns:
            got = reflected.c[column.name]
            assert _matches(column.type, got.type), (table.name, column.name, got.type)
            assert got.nullable is column.nullable


def test_type_map_for_charges(engine: Engine) -> None:
    columns = {c["name"]: c for c in inspect(engine).get_columns("charges")}
    created = columns["created"]["type"]
    assert isinstance(created, DateTime) and created.timezone
    assert type(columns["amount"]["type"]) is BigInteger
    assert type(columns["paid"]["type"]) is Boolean
    assert type(columns["metadata"]["type"]) is JSON
    assert type(columns["id"]["type"]) is String
    assert columns["id"]["nullable"] is False
    assert columns["amount"]["comment"]  # the catalog's description


def test_decimal_and_double_columns_reflect_as_numeric_and_float(engine: Engine) -> None:
    insp = inspect(engine)
    decimals = [(t, c) for t in CATALOG for c in t.columns if c.type == DECIMAL]
    doubles = [(t, c) for t in CATALOG for c in t.columns if c.type == "DOUBLE"]
    assert decimals and doubles
    for table, column in decimals[:1] + doubles[:1]:
        (got,) = [c for c in insp.get_columns(table.name) if c["name"] == column.name]
        kind = Numeric if column.type == DECIMAL else Float
        assert isinstance(got["type"], kind)


def test_foreign_keys_come_from_expandable_references(engine: Engine) -> None:
    keys = inspect(engine).get_foreign_keys("charges")
    by_column = {k["constrained_columns"][0]: k for k in keys}
    assert by_column["customer"]["referred_table"] == "customers"
    assert by_column["customer"]["referred_columns"] == ["id"]
    assert by_column["customer"]["name"] == "fk_charges_customer"
    expected = sorted(c.name for c in CATALOG.tables["charges"].columns if c.references)
    assert sorted(by_column) == expected


def test_reflected_tables_link_through_foreign_keys(engine: Engine) -> None:
    metadata = MetaData()
    charges = Table("charges", metadata, autoload_with=engine)
    assert "customers" in metadata.tables  # pulled in through the foreign key
    (fk,) = [fk for fk in charges.foreign_keys if fk.parent.name == "customer"]
    assert fk.column is metadata.tables["customers"].c.id
    total = sum(len(t.foreign_keys) for t in metadata.tables.values())
    assert total > 0


def test_schema_qualified_reflection_links_in_the_same_schema(engine: Engine) -> None:
    metadata = MetaData()
    Table("invoices_lines", metadata, schema="stripe", autoload_with=engine)
    assert "stripe.invoices" in metadata.tables
    lines = metadata.tables["stripe.invoices_lines"]
    (fk,) = [fk for fk in lines.foreign_keys if fk.parent.name == "invoice"]
    assert fk.column.table is metadata.tables["stripe.invoices"]


def test_primary_key_is_id_on_every_table_child_tables_too(engine: Engine) -> None:
    insp = inspect(engine)
    for name in ("customers", "invoices_lines", "subscription_items"):
        assert insp.get_pk_constraint(name)["constrained_columns"] == ["id"]
    lines = Table("invoices_lines", MetaData(), autoload_with=engine)
    assert [c.name for c in lines.primary_key] == ["id"]


def test_schemas_views_indexes_and_constraints(engine: Engine) -> None:
    insp = inspect(engine)
    assert insp.get_schema_names() == ["stripe"]
    assert insp.default_schema_name == "stripe"
    assert insp.get_table_names() == insp.get_table_names(schema="stripe")
    assert insp.get_table_names(schema="public") == []
    assert insp.get_view_names() == []
    assert insp.get_indexes("charges") == []
    assert insp.get_unique_constraints("charges") == []
    assert insp.get_check_constraints("charges") == []
    assert insp.get_sequence_names() == []
    comment = insp.get_table_comment("customers")["text"]
    assert comment == CATALOG.tables["customers"].description


def test_has_table(engine: Engine) -> None:
    insp = inspect(engine)
    assert insp.has_table("charges")
    assert insp.has_table("charges", schema="stripe")
    assert insp.has_table("CHARGES")
    assert not insp.has_table("charges", schema="public")
    assert not insp.has_table("custmers")
    assert not insp.has_table("SELECT id FROM charges")  # pandas asks this of queries


@pytest.mark.parametrize(
    "method",
    ["get_columns", "get_pk_constraint", "get_foreign_keys", "get_indexes", "get_table_comment"],
)
def test_unknown_table_raises_no_such_table(engine: Engine, method: str) -> None:
    with pytest.raises(exc.NoSuchTableError, match="custmers"):
        getattr(inspect(engine), method)("custmers")


def test_autoload_of_unknown_table_raises_no_such_table(engine: Engine) -> None:
    with pytest.raises(exc.NoSuchTableError):
        Table("custmers", MetaData(), autoload_with=engine)


def test_filter_only_columns_say_so_in_their_comment(engine: Engine) -> None:
    table, column = next((t, c) for t in CATALOG for c in t.columns if c.filter_only)
    (got,) = [c for c in inspect(engine).get_columns(table.name) if c["name"] == column.name]
    assert "Filter-only" in got["comment"]
