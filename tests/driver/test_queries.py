"""End-to-end queries on the sandbox: results against its data set, requests against the plan.

The data set (`sandbox.dataset`) is the oracle for rows; the sandbox's request log is the
oracle for what the driver sent.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections import Counter
from urllib.parse import parse_qsl

import pytest

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer


def api_requests(sandbox: SandboxServer) -> list:
    """The logged requests other than the connection check."""
    return [r for r in sandbox.requests if r.path != "/v1/account"]


def flat(request) -> dict[str, str]:
    """A logged request's query string as {name: value} (`created[gte]` stays one name)."""
    return dict(parse_qsl(request.query))


def ts(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)


def test_count_equals_the_data_set(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM customers")
    assert cur.fetchone() == (len(sandbox.dataset["customers"]),)


def test_limit_5_costs_one_request_and_returns_the_newest(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT id, created FROM charges ORDER BY created DESC LIMIT 5")
    rows = cur.fetchall()
    newest = sorted((c["created"] for c in sandbox.dataset["charges"]), reverse=True)[:5]
    assert [r[1] for r in rows] == [ts(s) for s in newest]
    sent = api_requests(sandbox)
    assert len(sent) == 1
    assert flat(sent[0])["limit"] == "5"


def test_equality_is_pushed_and_exact(conn, sandbox):
    target = sandbox.dataset["customers"][17]
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers WHERE email = ?", [target["email"]])
    expected = {c["id"] for c in sandbox.dataset["customers"] if c["email"] == target["email"]}
    assert {r[0] for r in cur.fetchall()} == expected
    (request,) = api_requests(sandbox)
    assert flat(request)["email"] == target["email"]


def test_in_list_is_one_call_per_value(conn, sandbox):
    charges = sandbox.dataset["charges"]
    customers = sorted({c["customer"] for c in charges if c.get("customer")})[:2]
    cur = conn.cursor()
    cur.execute("SELECT id FROM charges WHERE customer IN (?, ?)", customers)
    expected = {c["id"] for c in charges if c.get("customer") in customers}
    assert {r[0] for r in cur.fetchall()} == expected
    assert sorted(flat(r)["customer"] for r in api_requests(sandbox)) == customers


def test_id_lookups_are_retrieves_and_a_missing_id_is_no_row(conn, sandbox):
    a, b = sandbox.dataset["customers"][3]["id"], sandbox.dataset["customers"][9]["id"]
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers WHERE id IN (?, ?, 'cus_doesnotexist')", [a, b])
    assert sorted(r[0] for r in cur.fetchall()) == sorted([a, b])
    paths = sorted(r.path for r in api_requests(sandbox))
    assert paths == sorted(f"/v1/customers/{x}" for x in (a, b, "cus_doesnotexist"))


def test_created_range_is_pushed_and_exact(conn, sandbox):
    rows = sandbox.dataset["charges"]
    cut = sorted(c["created"] for c in rows)[len(rows) // 2]
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM charges WHERE created >= ?", [ts(cut)])
    assert cur.fetchone()[0] == sum(1 for c in rows if c["created"] >= cut)
    sent = [flat(r) for r in api_requests(sandbox)]
    # The first page asks for the query's range; parallel slices only narrow it.
    assert sent[0].get("created[gte]") == str(cut)
    assert all(int(r.get("created[gte]", -1)) >= cut for r in sent)


def test_canceled_subscriptions_are_not_lost(conn, sandbox):
    subs = sandbox.dataset["subscriptions"]
    assert any(s["status"] == "canceled" for s in subs)
    cur = conn.cursor()
    cur.execute("SELECT status, count(*) FROM subscriptions GROUP BY status")
    assert dict(cur.fetchall()) == dict(Counter(s["status"] for s in subs))


def test_child_table_by_parent_key_uses_the_nested_path(conn, sandbox):
    invoice = next(i for i in sandbox.dataset["invoices"] if i["lines"]["total_count"] > 10)
    cur = conn.cursor()
    cur.execute("SELECT id, amount FROM invoices_lines WHERE invoice = ?", [invoice["id"]])
    rows = cur.fetchall()
    assert len(rows) == invoice["lines"]["total_count"]
    assert sum(r[1] for r in rows) == sum(
        line["amount"]
        for line in sandbox.dataset["invoices_lines"]
        if line["id"] in {r[0] for r in rows}
    )
    assert {r.path for r in api_requests(sandbox)} == {f"/v1/invoices/{invoice['id']}/lines"}


def test_join_and_aggregate_match_a_python_join(conn, sandbox):
    customers = {c["id"]: c for c in sandbox.dataset["customers"]}
    totals: Counter[str] = Counter()
    for ch in sandbox.dataset["charges"]:
        if ch.get("customer") in customers:
            totals[customers[ch["customer"]]["email"]] += ch["amount"]
    cur = conn.cursor()
    cur.execute(
        "SELECT c.email, sum(ch.amount) AS total FROM charges ch "
        "JOIN customers c ON c.id = ch.customer GROUP BY c.email ORDER BY total DESC, c.email LIMIT 10"
    )
    expected = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert cur.fetchall() == expected


def test_json_operators_on_metadata(conn, sandbox):
    plans = Counter(c["metadata"].get("plan") for c in sandbox.dataset["customers"])
    cur = conn.cursor()
    cur.execute("SELECT metadata->>'plan' AS plan, count(*) FROM customers GROUP BY 1")
    assert dict(cur.fetchall()) == dict(plans)


def test_cte_window_and_subquery(conn, sandbox):
    cur = conn.cursor()
    cur.execute(
        "WITH ranked AS (SELECT customer, amount, row_number() OVER "
        "(PARTITION BY customer ORDER BY amount DESC, id) AS rn FROM charges WHERE customer IS NOT NULL) "
        "SELECT count(*) FROM ranked WHERE rn = 1 AND customer IN (SELECT id FROM customers)"
    )
    customers = {c["id"] for c in sandbox.dataset["customers"]}
    assert cur.fetchone()[0] == len(
        {c["customer"] for c in sandbox.dataset["charges"] if c.get("customer") in customers}
    )


def test_values_are_typed_as_the_catalog_says(conn, sandbox):
    cur = conn.cursor()
    cur.execute(
        "SELECT created, amount, captured, metadata FROM charges ORDER BY created DESC LIMIT 1"
    )
    created, amount, captured, metadata = cur.fetchone()
    assert isinstance(created, dt.datetime) and created.utcoffset() == dt.timedelta(0)
    assert isinstance(amount, int) and isinstance(captured, bool)
    assert isinstance(json.loads(metadata), dict)
    types = [d[1] for d in cur.description]
    assert types == ["TIMESTAMP WITH TIME ZONE", "BIGINT", "BOOLEAN", "JSON"]
    assert types[0] == stripe_dbapi.DATETIME and types[1] == stripe_dbapi.NUMBER
    assert types[3] == stripe_dbapi.STRING
    cur.execute(
        "SELECT unit_amount_decimal FROM prices WHERE unit_amount_decimal IS NOT NULL LIMIT 1"
    )
    assert isinstance(cur.fetchone()[0], decimal.Decimal)


def test_information_schema_lists_every_table_without_calling_stripe(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'stripe'")
    assert cur.fetchone()[0] == len(conn.catalog)
    cur.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'stripe' AND (table_name, column_name) IN "
        "(('customers', 'created'), ('charges', 'amount'), ('customers', 'metadata'), "
        "('prices', 'unit_amount_decimal')) ORDER BY 1, 2"
    )
    assert cur.fetchall() == [
        ("charges", "amount", "BIGINT"),
        ("customers", "created", "TIMESTAMP WITH TIME ZONE"),
        ("customers", "metadata", "JSON"),
        ("prices", "unit_amount_decimal", "DECIMAL(38,12)"),
    ]
    assert api_requests(sandbox) == []


def test_explain_returns_the_plan_without_calling_stripe(conn, sandbox):
    cur = conn.cursor()
    cur.execute("EXPLAIN SELECT id FROM customers WHERE email = 'a@example.com' LIMIT 2")
    rows = cur.fetchall()
    assert [d[0] for d in cur.description] == ["step", "table", "request", "pages", "detail"]
    assert rows[0][:4] == (
        "scan 0",
        "customers",
        "GET /v1/customers?email=a@example.com&limit=2",
        "1",
    )
    assert rows[-1][0] == "engine"
    assert api_requests(sandbox) == []


def test_first_row_does_not_wait_for_the_whole_table(conn, sandbox):
    pages = -(-len(sandbox.dataset["charges"]) // 100)
    assert pages >= 40
    cur = conn.cursor()
    # A projection with filters runs page by page: the first row needs the first page only.
    cur.execute("SELECT id, amount * 2 FROM charges WHERE amount > 0")
    assert cur.plan.row_wise
    assert cur.fetchone() is not None
    assert len(api_requests(sandbox)) == 1
    cur.close()
    # Anything else streams through the engine, which reads a few pages ahead at most.
    sandbox.reset_log()
    cur = conn.cursor()
    cur.execute("SELECT * FROM charges ORDER BY created DESC LIMIT 150")
    assert not cur.plan.row_wise
    assert cur.fetchone() is not None
    assert len(api_requests(sandbox)) <= min(pages - 10, 6 + 3 * conn.config.max_concurrency)
    cur.close()


def test_page_by_page_results_equal_the_whole_query(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT id, amount // 100 AS units FROM charges WHERE currency = 'eur'")
    assert cur.plan.row_wise
    rows = cur.fetchall()
    expected = {
        (c["id"], c["amount"] // 100) for c in sandbox.dataset["charges"] if c["currency"] == "eur"
    }
    assert len(rows) == len(expected) and set(rows) == expected
    cur.execute("SELECT id FROM charges WHERE currency = 'xyz'")
    assert cur.fetchall() == [] and [d[0] for d in cur.description] == ["id"]


def test_hostile_parameter_values_stay_values(conn, sandbox):
    cur = conn.cursor()
    for value in ["x' OR '1'='1", "a&limit=1", "#frag", "100%", "ünï©ødé", "x" * 5000]:
        cur.execute("SELECT count(*) FROM customers WHERE email = ?", [value])
        assert cur.fetchone() == (0,)


def test_rowcount_is_known_once_all_rows_are_fetched(conn):
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers LIMIT 7")
    assert cur.rowcount == -1
    assert len(cur.fetchall()) == 7
    assert cur.rowcount == 7


@pytest.fixture(scope="module")
def small_sandbox():
    from stripe_dbapi.sandbox import start_sandbox

    srv = start_sandbox(seed=3, scale=0.05)
    yield srv
    srv.stop()


def test_child_table_fans_out_over_its_parent(small_sandbox):
    with stripe_dbapi.connect(small_sandbox.dsn) as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*), count(DISTINCT invoice) FROM invoices_lines")
        lines, invoices = cur.fetchone()
    data = small_sandbox.dataset
    assert lines == len(data["invoices_lines"])
    assert lines == sum(i["lines"]["total_count"] for i in data["invoices"])
    assert invoices == sum(1 for i in data["invoices"] if i["lines"]["total_count"])


def test_use_search_sends_a_search_query_with_the_same_answer(sandbox):
    expected = sum(1 for c in sandbox.dataset["customers"] if c["metadata"].get("plan") == "pro")
    sandbox.reset_log()
    with stripe_dbapi.connect(sandbox.dsn + ";UseSearch=true") as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM customers WHERE metadata->>'plan' = ?", ["pro"])
        assert cur.fetchone() == (expected,)
    paths = {r.path for r in api_requests(sandbox)}
    assert paths == {"/v1/customers/search"}
    assert flat(api_requests(sandbox)[0])["query"] == "metadata['plan']:'pro'"


def test_query_shapes_that_qualification_alone_cannot_follow(conn, sandbox):
    charges = sandbox.dataset["charges"]
    cur = conn.cursor()
    cur.execute("WITH c AS (SELECT * FROM charges) SELECT count(id) FROM c WHERE currency = 'eur'")
    assert cur.fetchone() == (sum(1 for c in charges if c["currency"] == "eur"),)
    cur.execute("SELECT to_json(c) FROM charges c ORDER BY created DESC, id LIMIT 1")
    assert set(json.loads(cur.fetchone()[0])) >= {"id", "amount", "currency", "metadata"}
    cur.execute("SELECT COLUMNS('amount_.*') FROM charges LIMIT 1")
    assert [d[0] for d in cur.description] == ["amount_captured", "amount_refunded"]
    cur.execute("SELECT sum(json_array_length(lines->'data')) FROM invoices")
    assert cur.fetchone()[0] == sum(len(i["lines"]["data"]) for i in sandbox.dataset["invoices"])
    cur.execute("SELECT count(*) FROM (SELECT id FROM charges LIMIT 10 PERCENT)")
    assert cur.fetchone() == (len(charges) // 10,)


def test_integers_compared_with_created_are_unix_seconds(conn, sandbox):
    cut = sorted(c["created"] for c in sandbox.dataset["charges"])[4000]
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM charges WHERE created >= ?", [cut])
    assert cur.fetchone() == (sum(1 for c in sandbox.dataset["charges"] if c["created"] >= cut),)
    # Every request (the scan may be sliced into narrower created ranges) starts at `cut`.
    assert all(int(flat(r)["created[gte]"]) >= cut for r in api_requests(sandbox))


def test_pivot_reads_its_input_twice_and_still_answers(conn, sandbox):
    from collections import defaultdict

    expected: dict[str, Counter] = defaultdict(Counter)
    for c in sandbox.dataset["charges"]:
        expected[c["status"]][c["currency"]] += 1
    cur = conn.cursor()
    cur.execute("PIVOT (SELECT status, currency FROM charges) ON currency USING count(*)")
    names = [d[0] for d in cur.description]
    rows = {r[0]: dict(zip(names[1:], r[1:])) for r in cur.fetchall()}
    assert rows == {s: {k: counts.get(k, 0) for k in names[1:]} for s, counts in expected.items()}


# -- clauses on a table reference: kept, or refused; never dropped with the reference ------


def test_a_table_sample_is_drawn_from_the_table(conn, sandbox):
    # The planner replaces `charges` by its scan; the sample went with the reference and
    # every row came back (1,000 of 5,000 pages' worth, no error).
    cur = conn.cursor()
    assert len(cur.execute("SELECT id FROM charges TABLESAMPLE 5 ROWS").fetchall()) == 5
    assert cur.execute("SELECT count(*) FROM charges AS c TABLESAMPLE 7 ROWS").fetchall() == [(7,)]
    assert not cur.plan.row_wise  # one sample, not one per page


def _a_busy_customer(sandbox: SandboxServer) -> tuple[str, int]:
    counts = Counter(c["customer"] for c in sandbox.dataset["charges"] if c.get("customer"))
    return counts.most_common(1)[0]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM charges WHERE customer = ? USING SAMPLE 5 ROWS",
        "SELECT count(*) FROM (SELECT * FROM charges) TABLESAMPLE 5 ROWS WHERE customer = ?",
        "SELECT count(*) FROM charges TABLESAMPLE 5 ROWS WHERE customer = ?",
    ],
)
def test_a_sample_is_drawn_before_the_where_so_nothing_is_sent_to_stripe(conn, sandbox, sql):
    # DuckDB samples before the WHERE: 5 of all charges, then the customer's among them.
    # Sending `customer=` to Stripe sampled 5 of the customer's own charges instead.
    customer, n = _a_busy_customer(sandbox)
    assert n >= 10
    sandbox.reset_log()
    counts = {conn.cursor().execute(sql, [customer]).fetchone()[0] for _ in range(5)}
    assert max(counts) < 5  # the customer holds well under half the charges
    assert all("customer" not in flat(r) for r in api_requests(sandbox))


def test_unpivot_and_pivot_on_a_table_apply_to_its_rows(conn, sandbox):
    charges = sandbox.dataset["charges"]
    cur = conn.cursor()
    cur.execute(
        "SELECT k, count(*) FROM charges UNPIVOT (v FOR k IN (amount, amount_refunded)) "
        "GROUP BY k ORDER BY k"
    )
    assert cur.fetchall() == [("amount", len(charges)), ("amount_refunded", len(charges))]
    cur.execute(
        "SELECT count(*) FROM charges c UNPIVOT (v FOR k IN (amount, amount_refunded)) "
        "WHERE k = 'amount' AND v >= 0"
    )
    assert cur.fetchall() == [(len(charges),)]
    cur.execute(
        "SELECT * FROM (SELECT paid FROM charges) AS p PIVOT (count(*) FOR paid IN (true, false))"
    )
    paid = sum(1 for c in charges if c["paid"])
    assert cur.fetchall() == [(paid, len(charges) - paid)]


def test_column_aliases_on_a_table_rename_its_columns(conn, sandbox):
    cur = conn.cursor()
    cur.execute("SELECT c.charge_id, object FROM charges AS c(charge_id) ORDER BY 1")
    assert [d[0] for d in cur.description] == ["charge_id", "object"]
    assert cur.fetchall() == sorted((c["id"], "charge") for c in sandbox.dataset["charges"])


def test_a_parenthesized_join_keeps_its_joins(conn, sandbox):
    cur = conn.cursor()
    plain = cur.execute(
        "SELECT count(*) FROM charges c JOIN customers u ON u.id = c.customer"
    ).fetchall()
    assert plain[0][0] > 0
    assert (
        cur.execute(
            "SELECT count(*) FROM (charges c JOIN customers u ON u.id = c.customer)"
        ).fetchall()
        == plain
    )


@pytest.mark.parametrize(
    "clause, name",
    [("WITH (NOLOCK)", "table hint"), ("AT (VERSION => 1)", "time-travel")],
)
def test_a_table_clause_the_driver_cannot_keep_is_refused(conn, clause, name):
    with pytest.raises(stripe_dbapi.ProgrammingError, match=f"takes no {name} clause"):
        conn.cursor().execute(f"SELECT count(*) FROM charges {clause}")
