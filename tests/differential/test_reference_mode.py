"""Pushdown=false, the reference mode: plain full reads, DuckDB does the rest."""

from __future__ import annotations

import stripe_dbapi
from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.connection import resolve_config
from stripe_dbapi.query.planner import plan_query
from stripe_dbapi.sandbox import SandboxServer

MARK = "Pushdown=false: reference read"


def reference(sql: str) -> list[tuple[str, str, str, str, str]]:
    from stripe_dbapi.query.explain import explain_rows

    return explain_rows(plan_query(sql, load_catalog(), pushdown=False))


def test_the_property_reads_as_a_boolean() -> None:
    assert resolve_config("LiveAPIKey=sk_test_abcdefgh;Pushdown=false").pushdown is False
    assert resolve_config("LiveAPIKey=sk_test_abcdefgh").pushdown is True


def test_filters_ids_and_limit_are_not_sent() -> None:
    rows = reference(
        "SELECT id FROM charges WHERE customer = 'cus_1' AND id IN ('ch_1', 'ch_2') "
        "AND created >= '2026-01-01' ORDER BY created DESC LIMIT 3"
    )
    assert [r[:4] for r in rows[:-1]] == [("scan 0", "charges", "GET /v1/charges?expand[]=data.refunds&limit=100", "all")]
    assert MARK in rows[0][4]
    plan = plan_query("SELECT * FROM charges", load_catalog(), pushdown=False)
    assert not plan.row_wise


def test_scan_defaults_are_kept_and_search_is_not_used() -> None:
    plan = plan_query(
        "SELECT id FROM subscriptions WHERE status = 'active' AND metadata->>'k' = 'v'",
        load_catalog(),
        use_search=True,
        pushdown=False,
    )
    (call,) = plan.scans[0].calls
    assert (call.kind, call.params, call.max_rows) == ("list", (("status", "all"),), None)


def test_a_child_table_fans_out_even_with_its_parent_key() -> None:
    plan = plan_query(
        "SELECT id FROM invoices_lines WHERE invoice = 'in_1' LIMIT 1",
        load_catalog(),
        pushdown=False,
    )
    fan = plan.scans[0].fanout
    assert fan is not None and fan.embedded is None and fan.template.max_rows is None


def test_what_the_table_cannot_be_read_without_is_still_sent() -> None:
    rows = reference("SELECT id FROM tax_calculations_line_items WHERE calculation = 'taxcalc_1'")
    assert rows[0][2] == "GET /v1/tax/calculations/taxcalc_1/line_items?limit=100"
    rows = reference("SELECT id FROM invoices WHERE subscription IN ('sub_1', 'sub_2')")
    assert [r[2] for r in rows[:-1]] == [
        "GET /v1/invoices?subscription=sub_1&limit=100",
        "GET /v1/invoices?subscription=sub_2&limit=100",
    ]
    # Two IN lists on filter-only columns: one call per combination, so rows carry both.
    rows = reference("SELECT id FROM subscriptions WHERE price IN ('a', 'b') AND plan IN ('c', 'd')")
    assert len(rows) - 1 == 4 and all("price=" in r[2] and "plan=" in r[2] for r in rows[:-1])


def test_a_reference_connection_answers_like_the_default_one(sandbox: SandboxServer) -> None:
    sql = "SELECT status, count(*) FROM charges WHERE amount > 1000 GROUP BY 1 ORDER BY 1"
    with (
        stripe_dbapi.connect(sandbox.dsn) as a,
        stripe_dbapi.connect(sandbox.dsn + ";Pushdown=false") as b,
    ):
        assert a.cursor().execute(sql).fetchall() == b.cursor().execute(sql).fetchall()
        explain = b.cursor().execute("EXPLAIN " + sql).fetchall()
        assert MARK in explain[0][4]


def test_the_generator_never_spells_an_order_key_by_another_items_name() -> None:
    """`SELECT created AS c1, "object" AS created … ORDER BY created` sorts by the second
    item (output names come first): the generator must not take it for the first (a false
    difference the 20,000-query campaign met)."""
    from hypothesis import given, settings

    from differential.queries import Frag, Item, order_by

    items = [
        Item(Frag("created"), "c1", "TIMESTAMP WITH TIME ZONE", True, "created"),
        Item(Frag('"object"'), "created", "VARCHAR", True, '"object"'),
    ]

    @settings(max_examples=60, database=None)
    @given(order_by(items))
    def check(keys: tuple[tuple[int, str, str], ...]) -> None:
        for pos, spelled, _ in keys:
            if spelled.strip('"').lower() == "created":
                assert pos == 1, keys

    check()
