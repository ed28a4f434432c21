"""The generator can produce every defect of issue #12; each test is now its regression test.

Each test searches, with `hypothesis.find` over a strategy built from the building blocks
of queries.py, for a query of the defect's shape on which Pushdown=true and Pushdown=false
disagree, and fails with the minimal such query. Before the fixes every one of them failed
(they were marked xfail(strict=True), and each mark flipped when its defect was fixed);
`@defect(…)` keeps the defect each test was written for.

Where the sandbox cannot show a defect, the test looks at the plan instead (and says why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from stripe_dbapi.catalog import load_catalog
from stripe_dbapi.query.plan import Plan
from stripe_dbapi.query.planner import plan_query

from .harness import Differ
from .queries import (
    DUCKDB_AGGREGATES,
    Context,
    Frag,
    Item,
    Query,
    Relation,
    Select,
    as_query,
    atom,
    comparison,
    date_trunc_comparison,
    epoch_select,
    grouped_select,
    in_list,
    join,
    literal,
    literal_list,
    long_id_list,
    metadata_predicate,
    null_test,
    outer,
    predicate,
    recent,
    same_second_in,
    star_select,
    tautology,
    timestamp_text,
    timestamps,
)

# No shrinking: the shapes are small already, and shrinking a found query costs minutes.
SEARCH = settings(
    max_examples=25,
    phases=(Phase.generate,),
    database=None,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def defect(text: str) -> pytest.MarkDecorator:
    """The issue #12 defect a test was written to find (a marker, for `-m defect`)."""
    return pytest.mark.defect(text)


def assert_no_difference(diff: Differ, queries: st.SearchStrategy[Query]) -> None:
    """Fail with the minimal query of `queries` on which the two connections disagree."""
    try:
        query = find(queries, lambda q: diff.check(q) is not None, settings=SEARCH)
    except NoSuchExample:
        return
    found = diff.check(query)
    pytest.fail(f"Pushdown=true and Pushdown=false disagree:\n{found.report() if found else query}")


def assert_no_plan(
    queries: st.SearchStrategy[Query], bad: Callable[[Plan], bool], what: str
) -> None:
    """Fail with the minimal query of `queries` whose plan is `bad`."""
    catalog = load_catalog()
    try:
        query = find(queries, lambda q: bad(plan_query(q.sql, catalog, q.params)), settings=SEARCH)
    except NoSuchExample:
        return
    pytest.fail(f"{what}:\n{query}")


def col(rel: Relation, name: str) -> Any:
    c = rel.col(name)
    assert c is not None, name
    return c


def items(rel: Relation, *names: str) -> tuple[Item, ...]:
    return tuple(
        Item(Frag(rel.ref(col(rel, n))), n, col(rel, n).type, source=col(rel, n)) for n in names
    )


def where_all(*parts: st.SearchStrategy[Frag]) -> st.SearchStrategy[Frag]:
    """` WHERE a AND b …`, one predicate drawn from each strategy."""
    return st.tuples(*parts).map(lambda ps: Frag(" WHERE ") + join(list(ps), " AND "))


def limits(low: int = 1, high: int = 10) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@pytest.fixture(scope="module")
def ctx(diff: Differ) -> Context:
    return diff.context


# -- silently wrong answers -------------------------------------------------------------------


@defect("1: aggregates sqlglot does not know run once per page")
def test_1_duckdb_only_aggregates(diff: Differ, ctx: Context) -> None:
    tables = st.sampled_from(["charges", "balance_transactions", "payment_intents"])
    shape = tables.flatmap(
        lambda t: grouped_select(ctx, ctx.relation(t), t, funcs=DUCKDB_AGGREGATES, max_keys=0)
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("2: LIMIT sent with two IN lists of which only one is expanded")
def test_2_limit_with_two_in_lists(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("invoices")
    shape = st.builds(
        lambda w, n: Select(
            items(rel, "id", "created"),
            Frag("invoices"),
            w,
            order=((1, "created", "DESC"),),
            limit=n,
        ),
        where_all(
            in_list(rel, col(rel, "collection_method")), in_list(rel, col(rel, "customer"))
        ).filter(lambda f: "NOT IN" not in f.sql),
        limits(1, 5),
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("2: LIMIT kept when an IN list of more than 100 ids falls back to a scan")
def test_2_limit_with_more_than_100_ids(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("charges")
    shape = st.builds(
        lambda ids, n: Select(
            items(rel, "id"), Frag("charges"), Frag(" WHERE id IN ") + ids, limit=n
        ),
        long_id_list(col(rel, "id")),
        limits(1, 5),
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("2: a child table's id without its parent key fans out with the LIMIT per parent")
def test_2_limit_on_a_child_id_without_parent_key(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("products_features")
    shape = st.builds(
        lambda v: Select(
            items(rel, "id"), Frag("products_features"), Frag(" WHERE id = ") + v, limit=1
        ),
        literal(col(rel, "id")),
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("2: `created IN (second, second.5)` is dropped but its LIMIT is sent")
def test_2_limit_with_a_timestamp_in_list(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("charges")
    shape = st.builds(
        lambda p, n: Select(items(rel, "id"), Frag("charges"), Frag(" WHERE ") + p, limit=n),
        same_second_in(rel, col(rel, "created")),
        limits(1, 5),
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("3: ORDER BY a select alias named `created` is taken as Stripe's order")
def test_3_order_by_an_alias_named_created(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("charges")
    numeric = st.sampled_from([c for c in rel.real() if c.type == "BIGINT"])
    shape = st.builds(
        lambda c, n: Select(
            (Item(Frag(c.name), "created", c.type, True, c.name, c),),
            Frag("charges"),
            order=((0, "created", "DESC"),),
            limit=n,
        ),
        numeric,
        limits(1, 8),
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("4: a filter outside a DISTINCT ON subquery is pushed inside it")
def test_4_filter_outside_distinct_on(diff: Differ, ctx: Context) -> None:
    # `x.c = v` over "the latest row per k": answers "any row with c = v" when pushed.
    def around(t: str, k: str, c: str, cte: bool) -> st.SearchStrategy[Select]:
        rel = ctx.relation(t)
        inner = Select(
            items(rel, k, "id", "created", c),
            Frag(t),
            distinct=f"DISTINCT ON ({k}) ",
            order=((0, k, ""), (2, "created", "DESC"), (1, "id", "DESC")),
        )
        x = Relation("x.", tuple(col(rel, n) for n in (k, "id", "created", c)))
        return (
            comparison(x, col(x, c))
            .filter(lambda f: " = " in f.sql)
            .map(
                lambda p: Select(
                    (Item(Frag("x.id"), "id", "VARCHAR"), Item(Frag(f"x.{c}"), c, "VARCHAR")),
                    Frag("x") if cte else Frag("(") + inner.body() + ") AS x",
                    Frag(" WHERE ") + p,
                    with_=inner.body() if cte else None,
                )
            )
        )

    shapes = [("subscriptions", "customer", "status"), ("invoices", "customer", "status")]
    shapes += [("charges", "payment_intent", "customer"), ("subscriptions", "status", "customer")]
    shape = st.tuples(st.sampled_from(shapes), st.booleans()).flatmap(
        lambda sc: around(*sc[0], sc[1])
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("5: BETWEEN SYMMETRIC with high-to-low bounds")
def test_5_between_symmetric_high_to_low(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("charges")
    created = col(rel, "created")
    bounds = st.tuples(timestamps(created), timestamps(created)).filter(lambda ab: ab[0] > ab[1])
    pred = bounds.flatmap(
        lambda ab: st.tuples(timestamp_text(ab[0]), timestamp_text(ab[1])).map(
            lambda tt: Frag("created BETWEEN SYMMETRIC ") + tt[0] + " AND " + tt[1]
        )
    )
    shape = pred.map(
        lambda p: Select(
            (Item(Frag("count(*)"), "n", "BIGINT", True),), Frag("charges"), Frag(" WHERE ") + p
        )
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("6: date_trunc('day', created) > TIMESTAMPTZ '… +02:00' loses rows")
def test_6_date_trunc_with_an_offset(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("charges")
    pred = date_trunc_comparison(rel, col(rel, "created")).filter(lambda f: "TIMESTAMPTZ" in f.sql)
    shape = pred.map(
        lambda p: Select(
            (Item(Frag("count(*)"), "n", "BIGINT", True),), Frag("charges"), Frag(" WHERE ") + p
        )
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("7: two IN lists where one is a filter-only column")
def test_7_in_lists_on_a_column_and_a_filter_only_column(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("invoices")
    ins = where_all(in_list(rel, col(rel, "customer")), in_list(rel, col(rel, "subscription")))
    shape = ins.filter(lambda f: "NOT IN" not in f.sql).map(
        lambda w: Select(items(rel, "id", "customer", "subscription"), Frag("invoices"), w)
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("8: UseSearch=true with a filter-only column")
def test_8_search_with_a_filter_only_column(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("subscriptions")
    price = comparison(rel, col(rel, "price")).filter(lambda f: " = " in f.sql)
    shape = where_all(price, metadata_predicate(ctx, rel)).map(
        lambda w: Select(items(rel, "id", "price"), Frag("subscriptions"), w, use_search=True)
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("9: de-duplication by id drops a subscription listed under two prices")
def test_9_dedupe_by_id_across_in_calls(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("subscriptions")
    shape = literal_list(col(rel, "price"), max_size=10).map(
        lambda vs: Select(
            (*items(rel, "price"), Item(Frag("count(*)"), "n", "BIGINT", True)),
            Frag("subscriptions"),
            Frag(" WHERE price IN ") + vs,
            Frag(" GROUP BY price"),
        )
    )
    assert_no_difference(diff, shape.map(as_query))


# Defect 9's other half (child ids unique only within their parent, like Stripe's
# capability names) lives in the scan layer both modes share, so no differential can see
# it: tests/driver/test_exact_answers.py checks it against the sandbox's data set.


@defect("10: a tautological OR drops the column from the scan")
def test_10_tautological_or(diff: Differ, ctx: Context) -> None:
    tables = st.sampled_from(["charges", "customers", "invoices"])

    def shape(t: str) -> st.SearchStrategy[Select]:
        rel = ctx.relation(t)
        return tautology(rel, predicate(ctx, rel)).map(
            lambda p: Select(
                (Item(Frag("count(*)"), "n", "BIGINT", True),), Frag(t), Frag(" WHERE ") + p
            )
        )

    assert_no_difference(diff, tables.flatmap(shape).map(as_query))


@defect("10: an OR absorbed by the simplifier (`p AND (q OR p)`) drops q's column from the scan")
def test_10_absorbed_or(diff: Differ, ctx: Context) -> None:
    # Found by the campaign: not a tautology, the same loss of a column.
    rel = ctx.relation("customers")
    shape = st.tuples(atom(ctx, rel), atom(ctx, rel)).map(
        lambda pq: Select(
            items(rel, "id"),
            Frag("customers"),
            Frag(" WHERE ") + pq[0] + " AND (" + pq[1] + " OR " + pq[0] + ")",
        )
    )
    assert_no_difference(diff, shape.map(as_query))


# -- errors on valid SQL ----------------------------------------------------------------------


@defect("11: SELECT * EXCLUDE (…) fails (the excluded column is pruned from the scan)")
def test_11_select_star_exclude(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("charges")
    shape = star_select(ctx, rel, "charges").filter(
        lambda s: s.star is not None and "EXCLUDE" in s.star.sql
    )
    assert_no_difference(diff, shape.map(as_query))


@defect("12: integer comparisons rewritten to unix time on the user's own column `created`")
def test_12_integers_on_a_cte_column_named_created(diff: Differ, ctx: Context) -> None:
    # Both connections apply the rewrite (it is the driver's SQL, not pushdown), so they
    # agree on the error; plain DuckDB over the same rows is the oracle that answers.
    rel = ctx.relation("charges")
    inner = epoch_select(ctx, rel, "charges").map(lambda s: Select(s.items, s.from_))
    shape = inner.flatmap(lambda s: outer(ctx, s, True)).filter(
        lambda s: "x.created" in s.where.sql
    )
    plain = duckdb.connect()
    plain.register(
        "charges", diff.reference.cursor().execute("SELECT * FROM charges").fetch_arrow_table()
    )

    def fails_only_in_the_driver(q: Query) -> bool:
        pushed = diff.answers(q)[0]
        try:
            plain.execute(q.sql, list(q.params)).fetchall()
        except duckdb.Error:
            return False
        return pushed.error is not None

    try:
        query = find(shape.map(as_query), fails_only_in_the_driver, settings=SEARCH)
    except NoSuchExample:
        return
    pytest.fail(f"DuckDB answers, the driver raises {diff.answers(query)[0].show()}:\n{query}")


@defect("13: GROUP BY a filter-only column that a fan-out fills is refused")
def test_13_group_by_a_filter_only_parent_key(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("products_features")
    shape = grouped_select(
        ctx, rel, "products_features", funcs=["count({})", "min({})"], max_keys=1
    ).filter(
        lambda s: (
            "GROUP BY product" in s.group.sql
            or "GROUP BY 1" in s.group.sql
            and s.items[0].name == "product"
        )
    )
    assert_no_difference(diff, shape.map(as_query))


# -- cheap wins (no difference in the answer: shown on the plan) -----------------------------


@defect("= NULL: `WHERE x = NULL` (never true) still costs requests")
def test_equals_null_costs_no_request(ctx: Context) -> None:
    rel = ctx.relation("charges")
    eq_null = null_test(rel, col(rel, "customer")).filter(lambda f: f.sql.endswith("= NULL"))
    conditions = st.one_of(where_all(eq_null), where_all(eq_null, predicate(ctx, rel)))
    shape = conditions.map(lambda w: Select(items(rel, "id"), Frag("charges"), w))
    assert_no_plan(
        shape.map(as_query),
        lambda plan: any(s.calls or s.fanout for s in plan.scans),
        "a query with `= NULL` in its WHERE still calls Stripe",
    )


@defect("now() - INTERVAL: `created >= now() - INTERVAL …` sends no range")
def test_now_minus_interval_is_pushed(ctx: Context) -> None:
    rel = ctx.relation("charges")
    shape = (
        recent(rel, col(rel, "created"))
        .filter(lambda f: ">" in f.sql)
        .map(lambda p: Select(items(rel, "id"), Frag("charges"), Frag(" WHERE ") + p))
    )
    assert_no_plan(
        shape.map(as_query),
        lambda plan: (
            not any("created[" in k for s in plan.scans for c in s.calls for k, _ in c.params)
        ),
        "`created >= now() - INTERVAL …` sends no created range",
    )


# -- found by the campaign (tools/fuzz.py), not in the issue -------------------------------


@defect("new: an empty parent key (`invoice = ''`) raises instead of matching no row")
def test_new_empty_parent_key(diff: Differ, ctx: Context) -> None:
    rel = ctx.relation("invoices_lines")
    shape = (
        comparison(rel, col(rel, "invoice"))
        .filter(lambda f: " = " in f.sql)
        .map(lambda p: Select(items(rel, "id"), Frag("invoices_lines"), Frag(" WHERE ") + p))
    )
    assert_no_difference(diff, shape.map(as_query))
