"""Filter-only columns are not offered as foreign keys: a join over one finds nothing."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect


def test_filter_only_columns_are_not_foreign_keys():
    engine = create_engine("stripe:///?Sandbox=true&SandboxScale=0.01")
    try:
        keys = inspect(engine).get_foreign_keys("invoices", schema="stripe")
        columns = {c for k in keys for c in k["constrained_columns"]}
        assert "customer" in columns
        assert "subscription" not in columns  # a list parameter, not a field of invoices
    finally:
        engine.dispose()
