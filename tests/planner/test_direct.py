"""Which queries the driver answers from their pages without the engine (query/direct.py).

By positive proof only: plain columns of one scan that needs no cast, under an AND of
equalities, IN lists and NULL tests whose literals have the column's own type. Every
other shape — however close — is left to the engine. The answers themselves are checked
against `Pushdown=false` in tests/speed/test_driver_fast_paths.py.
"""

from __future__ import annotations

import pytest
from test_golden import NOW

from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.lockdown import scalar_functions
from stripe_dbapi.query import memo
from stripe_dbapi.query.plan import Direct, DirectFilter
from stripe_dbapi.query.planner import DIRECT_NOTE, plan_query

CATALOG = load_catalog()


def _direct(sql: str, params: list[object] | None = None, **settings: bool) -> Direct | None:
    memo.forget()
    plan = plan_query(sql, CATALOG, params, scalars=scalar_functions(), now=NOW, **settings)
    assert (DIRECT_NOTE in plan.engine_work) == (plan.direct is not None)
    return plan.direct


@pytest.mark.parametrize(
    "sql, sources, filters",
    [
        ("SELECT id FROM customers", ("id",), ()),
        ("SELECT email AS mail, id FROM customers c", ("email", "id"), ()),
        ("SELECT c.id, c.* FROM customers c", ("id", "*"), ()),
        (
            "SELECT id FROM charges WHERE customer = 'cus_1'",
            ("id",),
            (DirectFilter("customer", "in", ("cus_1",)),),
        ),
        (
            "SELECT id FROM charges WHERE 'cus_1' = customer AND paid = true",
            ("id",),
            (DirectFilter("customer", "in", ("cus_1",)), DirectFilter("paid", "in", (True,))),
        ),
        (
            "SELECT id FROM charges WHERE amount IN (100, -5) AND (customer IS NOT NULL)",
            ("id",),
            (
                DirectFilter("amount", "in", (100, -5)),
                DirectFilter("customer", "not_null"),
            ),
        ),
        (
            "SELECT id FROM charges WHERE NOT (review IS NULL)",
            ("id",),
            (DirectFilter("review", "not_null"),),
        ),
        (
            "SELECT id FROM charges WHERE review IS NULL",
            ("id",),
            (DirectFilter("review", "null"),),
        ),
    ],
)
def test_accepted(sql: str, sources: tuple[str, ...], filters: tuple[DirectFilter, ...]) -> None:
    found = _direct(sql)
    assert found is not None
    columns = CATALOG.tables[found.table].column_names
    expected = tuple(c for name in sources for c in (columns if name == "*" else (name,)))
    assert found.sources == expected
    assert found.filters == filters
    # The engine binds the WHERE too, with stand-ins of the literals' types.
    assert ("WHERE" in found.shape_sql) == bool(filters)
    assert "cus_1" not in found.shape_sql and "100" not in found.shape_sql


def test_a_parameter_is_a_literal() -> None:
    found = _direct("SELECT * FROM charges WHERE customer = ?", ["cus_1"])
    assert found is not None
    assert found.filters == (DirectFilter("customer", "in", ("cus_1",)),)
    assert found.sources == CATALOG.tables["charges"].column_names


def test_a_thousand_conditions_need_no_recursion() -> None:
    where = " AND ".join(f"customer IS NOT NULL AND amount = {n}" for n in range(600))
    found = _direct(f"SELECT id FROM charges WHERE {where}")
    assert found is not None and len(found.filters) == 1200


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id, amount * 2 FROM charges",  # an expression
        "SELECT upper(id) AS i FROM charges",  # a function
        "SELECT CAST(amount AS VARCHAR) FROM charges",  # a cast
        "SELECT * EXCLUDE (amount) FROM charges",
        "SELECT * REPLACE (amount + 1 AS amount) FROM charges",
        "SELECT DISTINCT id FROM charges",
        "SELECT id FROM charges ORDER BY created",  # the engine sorts
        "SELECT id FROM charges LIMIT 5",
        "SELECT id FROM charges WHERE amount > 100",  # not an equality
        "SELECT id FROM charges WHERE amount <> 100",
        "SELECT id FROM charges WHERE customer = 'a' OR customer = 'b'",
        "SELECT id FROM charges WHERE NOT customer = 'a'",
        "SELECT id FROM charges WHERE amount = 1.5",  # a literal of another type
        "SELECT id FROM charges WHERE amount = '100'",
        "SELECT id FROM charges WHERE amount = 1e3",
        "SELECT id FROM charges WHERE amount = 99999999999999999999",  # beyond BIGINT
        "SELECT id FROM charges WHERE paid = 1",
        "SELECT id FROM charges WHERE customer = 1",
        "SELECT id FROM charges WHERE customer IN ('a', NULL)",
        "SELECT id FROM charges WHERE customer = NULL",
        "SELECT id FROM charges WHERE customer = review",  # two columns
        "SELECT id FROM charges WHERE customer IN (SELECT id FROM customers)",
        "SELECT id FROM charges WHERE created = '2026-01-01'",  # a timestamp column
        "SELECT id FROM charges WHERE metadata = '{}'",  # a JSON column
        "SELECT id FROM charges WHERE lower(customer) = 'a'",
        "SELECT id FROM charges WHERE customer LIKE 'cus%'",
        "SELECT count(*) FROM charges",  # an aggregate
        "SELECT c.id FROM charges c JOIN customers u ON u.id = c.customer",  # two scans
        "SELECT 1",  # no scan
        "WITH x AS (SELECT id FROM charges) SELECT id FROM x",
    ],
)
def test_left_to_the_engine(sql: str) -> None:
    assert _direct(sql) is None


def test_a_scan_that_casts_its_columns_is_left_to_the_engine() -> None:
    # A table with decimal columns is read through a casting projection (a subquery).
    tables = [
        name
        for name, table in CATALOG.tables.items()
        if any(c.type.startswith("DECIMAL") for c in table.columns)
    ]
    assert tables
    assert _direct(f"SELECT * FROM {tables[0]}") is None


def test_the_reference_mode_never_answers_directly() -> None:
    assert _direct("SELECT id FROM charges WHERE customer = 'cus_1'", pushdown=False) is None


def test_one_shape_serves_every_value() -> None:
    sql = "SELECT id FROM charges WHERE customer = ? AND amount IN (?, ?) AND paid = ?"
    one = _direct(sql, ["cus_1", 5, -7, True])
    two = _direct(sql, ["it's", 9, 2**62, False])
    assert one is not None and two is not None
    assert one.shape_sql == two.shape_sql
    assert one.filters != two.filters


def test_text_that_is_not_utf8_is_a_data_error_before_any_plan() -> None:
    # A lone surrogate is no text for the engine nor for a Stripe request (params.py).
    import stripe_dbapi

    for sql, params in (
        ("SELECT id FROM charges WHERE customer = ?", ["\ud800"]),
        ("SELECT id FROM charges WHERE customer IN ('a', ?)", ["x\udfff"]),
        ("SELECT id FROM charges WHERE customer = '\ud800'", None),
    ):
        with pytest.raises(stripe_dbapi.DataError, match="lone surrogate"):
            _direct(sql, params)
