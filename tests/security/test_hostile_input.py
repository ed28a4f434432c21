"""Hostile and broken input: only stripe_dbapi's PEP 249 exceptions ever escape.

Hypothesis runs with a fixed seed (`derandomize=True`) and a bounded number of examples,
so CI sees the same inputs every run. Every crash it ever found is kept below as an
explicit regression test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stripe_dbapi
from stripe_dbapi.connection import resolve_config

FIXED = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def run(conn, sql, params=None, limit=200):
    """Execute and read up to `limit` rows; a PEP 249 error is a fine outcome."""
    try:
        cur = conn.cursor()
        cur.execute(sql, params)
        return cur.fetchmany(limit)
    except stripe_dbapi.Error as exc:
        assert str(exc), f"{type(exc).__name__} without a message"
        return exc


# -- SQL text ----------------------------------------------------------------------------

TOKENS = [
    "SELECT",
    "*",
    "id",
    "email",
    "amount",
    "created",
    "customer",
    "c.id",
    "ch.customer",
    "FROM",
    "customers",
    "charges",
    "invoices_lines",
    "stripe.customers",
    "c",
    "ch",
    "information_schema.tables",
    "WHERE",
    "=",
    "<>",
    "<",
    ">=",
    "AND",
    "OR",
    "NOT",
    "IN",
    "BETWEEN",
    "LIKE",
    "IS",
    "NULL",
    "(",
    ")",
    ",",
    ";",
    "'x'",
    "'%'",
    "'2026-01-01'",
    "1",
    "-1",
    "1e309",
    "?",
    "$1",
    ":n",
    "GROUP BY",
    "ORDER BY",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "ON",
    "LEFT",
    "UNION",
    "WITH",
    "AS",
    "CAST",
    "::",
    "count(*)",
    "sum(amount)",
    "DISTINCT",
    "EXPLAIN",
    "--",
    "/*",
    "*/",
    '"',
    "`",
    "[",
    "{",
    "read_csv('/etc/passwd')",
    "COPY",
    "ATTACH",
    "INSTALL",
    "PRAGMA",
    "SET",
    "DELETE",
    "DROP TABLE",
    "json_extract(metadata, '$.a')",
    "metadata->>'k'",
    "CASE WHEN",
    "THEN",
    "END",
    "OVER ()",
    "row_number()",
    "\x00",
    "é",
]

sql_text = st.one_of(
    st.text(max_size=120),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=24).map(" ".join),
)
param_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=10),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    st.dates(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
params = st.one_of(
    st.none(),
    st.lists(param_values, max_size=3),
    st.dictionaries(st.sampled_from(["n", "m", "1"]), param_values, max_size=2),
    st.text(max_size=5),
)


@settings(FIXED, max_examples=250)
@given(sql=sql_text, parameters=params)
def test_any_sql_text_and_parameters_raise_only_pep249_errors(small_conn, sql, parameters):
    run(small_conn, sql, parameters)


VALID = [
    "SELECT id, email FROM customers WHERE created >= '2026-01-01' LIMIT 5",
    "SELECT c.id, count(*) FROM customers c JOIN charges ch ON ch.customer = c.id GROUP BY 1",
    "SELECT * FROM charges WHERE customer IN ('cus_1', 'cus_2') AND amount > 100",
    "EXPLAIN SELECT id FROM invoices_lines WHERE invoice = 'in_1'",
    "SELECT id FROM customers WHERE id = 'cus_1' OR email LIKE '%@x%' ORDER BY created",
]


@st.composite
def mutated(draw):
    """A valid query with a few characters deleted, doubled or replaced."""
    text = list(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text) - 1))
        op = draw(st.sampled_from(["delete", "double", "replace"]))
        if op == "delete":
            del text[i]
        elif op == "double":
            text.insert(i, text[i])
        else:
            text[i] = draw(st.sampled_from(list("()'\",;=<>*?%$:-/\\ \x00")))
        if not text:
            text = ["?"]
    return "".join(text)


@settings(FIXED, max_examples=150)
@given(sql=mutated())
def test_mutated_queries_raise_only_pep249_errors(small_conn, sql):
    run(small_conn, sql)


# -- parameters are values ---------------------------------------------------------------

hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "'",
            "''",
            "\\'",
            "'; DROP TABLE customers; --",
            "a&limit=1",
            "x#frag",
            "100%",
            "%27",
            "%s",
            "?",
            ":n",
            "$1",
            "..",
            ".",
            "",
            "../charges",
            "a/b",
            "é☃𝄞",
            "\x00",
            "\r\nX-Injected: 1",
            "a" * 10_000,
        ]
    ),
)


@settings(FIXED, max_examples=120)
@given(value=hostile_text)
def test_a_text_parameter_comes_back_exactly(small_conn, value):
    result = run(small_conn, "SELECT ? AS v, length(?) AS n", [value, value])
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        assert isinstance(result, stripe_dbapi.DataError)  # lone surrogates are not text
        return
    assert result == [(value, len(value))]


@settings(FIXED, max_examples=80)
@given(value=hostile_text, real=st.booleans())
def test_a_pushed_parameter_is_sent_to_stripe_as_exactly_that_value(small, small_conn, value, real):
    customers = small.dataset["customers"]
    if real:
        value = customers[7]["email"]
    small.reset_log()
    result = run(small_conn, "SELECT id FROM customers WHERE email = ?", [value])
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        # Not text: a DataError before any request (it was the request's OperationalError).
        assert isinstance(result, stripe_dbapi.DataError)
        assert small.requests == []
        return
    assert sorted(r[0] for r in result) == sorted(c["id"] for c in customers if c["email"] == value)
    sent = [dict(parse_qsl(r.query, keep_blank_values=True)) for r in small.requests]
    assert sent and all(q.get("email") == value for q in sent if "email" in q)


@settings(FIXED, max_examples=80)
@given(value=hostile_text)
def test_an_id_parameter_never_leaves_its_path_segment(small, small_conn, value):
    small.reset_log()
    result = run(small_conn, "SELECT id FROM customers WHERE id = ?", [value])
    if isinstance(result, stripe_dbapi.Error):
        assert isinstance(result, stripe_dbapi.DataError)  # only lone surrogates
        return
    exists = any(c["id"] == value for c in small.dataset["customers"])
    assert result == ([(value,)] if exists else [])
    for request in small.requests:
        assert request.path.startswith("/v1/customers/") and request.path.count("/") == 3
        assert request.query == ""


@pytest.mark.parametrize(
    "value",
    [
        1,
        -(2**63),
        2**63,
        2**70,
        1.5,
        float("nan"),
        float("inf"),
        decimal.Decimal("1e400"),
        decimal.Decimal("NaN"),
        True,
        None,
        b"\x00\xff",
        dt.datetime(2026, 1, 1),
        dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        dt.date(2026, 1, 1),
        dt.time(1, 2),
        [1, 2],
        {"a": object()},
        object(),
        {1, 2},
    ],
    ids=repr,
)
def test_parameters_of_any_type_work_or_raise_pep249_errors(small_conn, value):
    run(small_conn, "SELECT id FROM charges WHERE amount = ? LIMIT 1", [value])
    run(small_conn, "SELECT ? AS v", [value])


# -- connection strings ------------------------------------------------------------------

KEYS = [
    "AuthScheme",
    "LiveAPIKey",
    "APIKey",
    "ClientId",
    "ClientSecret",
    "RefreshToken",
    "AccountId",
    "ApiBase",
    "OAuthTokenUrl",
    "Timeout",
    "MaxRetries",
    "MaxConcurrency",
    "UseSearch",
    "SandboxSeed",
    "ConnectionName",
    "Bogus",
    "",
]
VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "sk_test_abcdefgh1234",
            "rk_live_x",
            "OAuth2",
            "APIKey",
            "http://[::1",
            "http://",
            "ftp://x",
            "http://a:notaport",
            "acct_1",
            "-1",
            "1e999",
            "nan",
            "0",
            "true",
            '"quoted;value"',
            "{braced;}}value}",
            '"unclosed',
            "{unclosed",
            "${NOPE}",
            "keyring:stripe_dbapi/x/y",
            "prod",
        ]
    ),
)
dsns = st.one_of(
    st.text(max_size=80),
    st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=6).map(
        lambda pairs: ";".join(f"{k}={v}" for k, v in pairs)
    ),
)


@settings(FIXED, max_examples=300)
@given(dsn=dsns)
def test_any_connection_string_parses_or_raises_interface_error(dsn):
    try:
        resolve_config(dsn)
    except stripe_dbapi.Error as exc:
        assert isinstance(exc, (stripe_dbapi.InterfaceError, stripe_dbapi.OperationalError))


@settings(FIXED, max_examples=40)
@given(dsn=dsns)
def test_any_connection_string_connects_or_raises_pep249_errors(dead_url, dsn):
    # Keywords win over the string: nothing here may reach a real host, or start a sandbox.
    with contextlib.suppress(stripe_dbapi.Error):
        stripe_dbapi.connect(
            dsn, ApiBase=dead_url, OAuthTokenUrl=dead_url, Timeout=0.5, MaxRetries=0, Sandbox=False
        ).close()


# -- huge and deeply nested queries ------------------------------------------------------

HUGE = {
    "5000 nested parentheses": "SELECT " + "(" * 5000 + "1" + ")" * 5000,
    "5000 NOTs": "SELECT " + "NOT " * 5000 + "true",
    "300 nested subqueries": "SELECT * FROM " + "(SELECT * FROM " * 300 + "customers" + ") t" * 300,
    "2000 nested CASEs": "SELECT " + "CASE WHEN true THEN " * 2000 + "1" + " END" * 2000,
    "3000 nested function calls": "SELECT " + "abs(" * 3000 + "1" + ")" * 3000,
    "20,000 additions": "SELECT " + "+".join(["1"] * 20_000),
    "1,500 ANDs": "SELECT id FROM customers WHERE " + " AND ".join(["email <> 'x'"] * 1500),
    "100k-char IN list on a local column": "SELECT id FROM customers WHERE description IN ("
    + ", ".join(f"'d{i:08d}'" for i in range(8_500))
    + ")",
    "100k-char IN list of emails": "SELECT id FROM customers WHERE email IN ("
    + ", ".join(f"'e{i:08d}'" for i in range(8_500))
    + ")",
    "100k-char IN list of ids, planned": "EXPLAIN SELECT id FROM customers WHERE id IN ("
    + ", ".join(f"'cus_{i:06d}'" for i in range(8_500))
    + ")",
    "a 1 MB string literal": "SELECT '" + "x" * 1_000_000 + "'",
    "a 100k-char identifier": "SELECT " + "a" * 100_000 + " FROM customers",
    "3000 UNION ALLs": " UNION ALL ".join(["SELECT 1"] * 3000),
}


@pytest.mark.parametrize("sql", list(HUGE.values()), ids=list(HUGE))
def test_huge_or_deeply_nested_queries_work_or_fail_cleanly(small_conn, sql):
    run(small_conn, sql, limit=10)


# -- regressions hypothesis and these tests found ----------------------------------------


def test_regression_thousands_of_ands_are_planned_not_a_recursion_error(small, small_conn):
    sql = "SELECT id FROM customers WHERE " + " AND ".join(["email <> 'x'"] * 1200)
    assert len(run(small_conn, sql)) == len(small.dataset["customers"])


def test_regression_deep_nesting_is_a_clear_programming_error(small_conn):
    with pytest.raises(stripe_dbapi.ProgrammingError) as caught:
        small_conn.cursor().execute("SELECT " + "(" * 5000 + "1" + ")" * 5000)
    assert str(caught.value) == "The query is nested too deeply to plan; simplify its nesting."


@pytest.mark.parametrize("key", ["..", ".", ""])
def test_regression_a_parent_key_cannot_walk_to_another_endpoint(small, small_conn, key):
    small.reset_log()
    result = run(
        small_conn, "SELECT id FROM customers_balance_transactions WHERE customer = ?", [key]
    )
    # Such a key names no customer: no rows, as for an id (and as Pushdown=false answers).
    assert result == []
    assert small.requests == []  # /v1/customers/../balance_transactions was never sent


@pytest.mark.parametrize("key", ["..", ".", ""])
def test_regression_an_id_like_dot_dot_is_no_row_and_no_request(small, small_conn, key):
    small.reset_log()
    assert run(small_conn, "SELECT id FROM customers WHERE id = ?", [key]) == []
    assert small.requests == []


def test_regression_an_unparsable_api_base_is_an_interface_error():
    with pytest.raises(stripe_dbapi.InterfaceError, match="ApiBase must be an http"):
        resolve_config("LiveAPIKey=sk_test_abcdefgh1234;ApiBase=http://[::1")


# -- table functions and values ----------------------------------------------------------


def _duckdb_names(kind: str) -> list[str]:
    """DuckDB's own function names of one kind, as the installed version has them."""
    import duckdb

    with duckdb.connect() as con:
        rows = con.sql(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = ? "
            "ORDER BY 1",
            params=[kind],
        ).fetchall()
    return [name for (name,) in rows]


TABLE_FUNCTIONS = _duckdb_names("table") + ["iceberg_scan", "read_xlsx", "st_read", "no_such"]
ARGUMENTS = ["", "'x'", "'.tmp/**'", "1", "1, 2", "[1, 2]", "'{\"a\": 1}'", "storage := 'file'"]


@settings(FIXED, max_examples=150)
@given(
    name=st.sampled_from(TABLE_FUNCTIONS),
    args=st.sampled_from(ARGUMENTS),
    shape=st.sampled_from(
        ["SELECT * FROM {f}({a})", "SELECT {f}({a})", "SELECT count(*) FROM range(2) r, {f}({a})"]
    ),
)
def test_any_table_function_is_allowed_or_refused_with_pep249_errors(small_conn, name, args, shape):
    result = run(small_conn, shape.format(f=name, a=args), limit=5)
    if name not in ("range", "generate_series", "unnest", "json_each", "json_tree"):
        assert isinstance(result, stripe_dbapi.Error)
    # The connection survives whatever was tried.
    assert run(small_conn, "SELECT 1") == [(1,)]


TYPES = [
    "BOOLEAN",
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "BIGNUM",
    "FLOAT",
    "DOUBLE",
    "DECIMAL(38,0)",
    "DECIMAL(18,4)",
    "DATE",
    "TIME",
    "TIMETZ",
    "TIMESTAMP",
    "TIMESTAMP_S",
    "TIMESTAMP_MS",
    "TIMESTAMP_NS",
    "TIMESTAMPTZ",
    "INTERVAL",
    "VARCHAR",
    "BLOB",
    "BIT",
    "UUID",
    "JSON",
    "INTEGER[]",
    "INTEGER[2]",
    "STRUCT(a INTEGER)",
    "MAP(INTEGER, INTEGER)",
    "UNION(a INTEGER, b VARCHAR)",
    "ENUM('a', 'b')",
]
LITERALS = [
    "NULL",
    "0",
    "-1",
    "1",
    "1e308",
    "-1e308",
    "'nan'",
    "'inf'",
    "'infinity'",
    "'-infinity'",
    "'24:00:00'",
    "'24:00:00+15'",
    "'294247-01-10 04:00:54.775807'",
    "'5877642-06-25 (BC)'",
    "340282366920938463463374607431768211455",
    "-170141183460469231731687303715884105728",
    "99999999999999999999999999999999999999",
    "'\\xff'",
    "'a'",
    "''",
    "'[1, 2]'",
    "'{a: 1}'",
    "'{1: 2}'",
    "INTERVAL 1000000000 DAY",
    "INTERVAL 2000000000 MONTH",
    "'101'",
    "'00000000-0000-0000-0000-000000000000'",
    "union_value(a := 1)",
    "[1, NULL]",
]


@settings(FIXED, max_examples=250)
@given(literal=st.sampled_from(LITERALS), type_=st.sampled_from(TYPES), arrow=st.booleans())
def test_any_literal_of_any_type_converts_or_raises_pep249_errors(
    small_conn, literal, type_, arrow
):
    sql = f"SELECT CAST({literal} AS {type_}) AS v, v IS NULL AS n"
    try:
        cur = small_conn.cursor().execute(sql)
        if arrow:
            cur.fetch_arrow_table()
        else:
            cur.fetchall()
    except stripe_dbapi.Error as exc:
        assert str(exc)
