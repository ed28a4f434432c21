"""Values that cannot become Python values (docs/errors.md): a DataError naming the
column, never a raw OverflowError or pyarrow error, never a silently changed value, and
never a skipped row: after a conversion error the cursor keeps raising it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from reliability_helpers import CUSTOMERS, fast_connect, page, serve

import stripe_dbapi


@pytest.fixture(scope="module")
def small_conn():
    """A connection to a small in-process sandbox."""
    with stripe_dbapi.connect("Sandbox=true;SandboxScale=0.02") as conn:
        yield conn


def fetch_error(conn, sql):
    cur = conn.cursor()
    with pytest.raises(stripe_dbapi.Error) as caught:
        cur.execute(sql).fetchall()
    return caught.value


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'infinity'::DATE AS v",
        "SELECT '-infinity'::DATE AS v",
        "SELECT 'infinity'::TIMESTAMP AS v",
        "SELECT '-infinity'::TIMESTAMPTZ AS v",
        "SELECT 'infinity'::TIMESTAMP_NS AS v",
        "SELECT INTERVAL 1000000000 DAY AS v",
        "SELECT TIME '24:00:00' AS v",
    ],
)
def test_unrepresentable_values_are_data_errors_naming_the_column(small_conn, sql):
    exc = fetch_error(small_conn, sql)
    assert isinstance(exc, stripe_dbapi.DataError), f"{type(exc).__name__}: {exc}"
    assert "`v`" in str(exc)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 340282366920938463463374607431768211455::UHUGEINT", 2**128 - 1),
        ("SELECT 170141183460469231731687303715884105728::UHUGEINT", 2**127),
        ("SELECT 18446744073709551616::UHUGEINT", 2**64),
        ("SELECT 5::UHUGEINT", 5),
        ("SELECT (-170141183460469231731687303715884105728)::HUGEINT", -(2**127)),
        ("SELECT 18446744073709551615::UBIGINT", 2**64 - 1),
        ("SELECT 1::BIGNUM", 1),
        ("SELECT -256::BIGNUM", -256),
        ("SELECT (2::BIGNUM ** 200)::BIGNUM", 2**200),
        ("SELECT (-(2::BIGNUM ** 70))::BIGNUM", -(2**70)),
    ],
)
def test_large_integers_come_back_exactly(small_conn, sql, expected):
    (value,) = small_conn.cursor().execute(sql).fetchone()
    assert value == expected
    assert isinstance(value, int)


def test_a_union_value_comes_back_as_its_member(small_conn):
    assert small_conn.cursor().execute("SELECT union_value(k := 1)").fetchall() == [(1,)]


def test_ordinary_edge_values_still_convert(small_conn):
    row = (
        small_conn.cursor()
        .execute("SELECT TIME '23:59:59.999999', DATE '9999-12-31', INTERVAL 999999999 DAY")
        .fetchone()
    )
    assert row == (dt.time(23, 59, 59, 999999), dt.date(9999, 12, 31), dt.timedelta(999999999))


def test_rows_before_a_bad_value_are_delivered_and_the_error_sticks(small_conn):
    cur = small_conn.cursor()
    cur.execute(
        "SELECT n, CASE WHEN n = 3 THEN 'infinity'::DATE ELSE DATE '2026-01-01' END AS d "
        "FROM range(6) t(n) ORDER BY n"
    )
    assert cur.fetchmany(2) == [(0, dt.date(2026, 1, 1)), (1, dt.date(2026, 1, 1))]
    assert cur.fetchone() == (2, dt.date(2026, 1, 1))
    for _ in range(3):  # a caller that goes on fetching never skips past the bad row
        with pytest.raises(stripe_dbapi.DataError, match="`d`"):
            cur.fetchone()
    with pytest.raises(stripe_dbapi.DataError):
        cur.fetchall()
    assert cur.rowcount == -1
    # The cursor itself is fine: the next query runs.
    assert cur.execute("SELECT 1").fetchall() == [(1,)]


def test_arrow_results_keep_exact_values(small_conn):
    table = (
        small_conn.cursor()
        .execute("SELECT 340282366920938463463374607431768211455::UHUGEINT AS u")
        .fetch_arrow_table()
    )
    assert table.column("u").to_pylist()[0] == 2**128 - 1


# -- what the JSON codec must keep (stripe_dbapi/jsoncodec.py) -----------------------------


def _customers_page(body: bytes):
    """A server whose customer list is one page of the raw JSON text `body`."""
    from reliability_helpers import ACCOUNT, Reply

    def script(path, params, n):
        if path == "/v1/account":
            return ACCOUNT
        return Reply(200, body)

    return script


def _page_of(customer_json: str) -> bytes:
    return ('{"object": "list", "has_more": false, "data": [' + customer_json + "]}").encode()


def test_integers_beyond_64_bits_stay_exact_in_json_columns(scripted):
    from reliability_helpers import fast_connect

    huge = 2**70 + 1  # a float would read 1180591620717411303424
    body = _page_of(
        '{"id": "cus_1", "object": "customer", "created": 1750000000, '
        f'"metadata": {{"n": {huge}}}, "balance": 5}}'
    )
    server = scripted(_customers_page(body))
    with fast_connect(server.dsn()) as conn:
        cur = conn.cursor()
        cur.execute("SELECT metadata::VARCHAR, balance FROM customers")
        assert cur.fetchall() == [(f'{{"n":{huge}}}', 5)]


def test_non_standard_numbers_still_decode_and_non_ascii_text_is_kept(scripted):
    """`NaN` is not JSON, but Python's json reads it: a page that decoded before still does."""
    from reliability_helpers import fast_connect

    body = _page_of(
        '{"id": "cus_1", "object": "customer", "created": 1750000000, '
        '"name": "Zoë", "metadata": {"city": "Zürich", "x": NaN}}'
    )
    server = scripted(_customers_page(body))
    with fast_connect(server.dsn()) as conn:
        cur = conn.cursor()
        cur.execute("SELECT name, metadata->>'city' FROM customers")
        assert cur.fetchall() == [("Zoë", "Zürich")]


# -- values Stripe sends that their column cannot hold ------------------------------------


def _customers_with(scripted, **odd):
    """A server whose customer cus_0003 carries `odd` values."""
    rows = [dict(c, **odd) if c["id"] == "cus_0003" else c for c in CUSTOMERS]
    return serve(scripted, lambda params: page(params, rows))


def _read(server, sql):
    with fast_connect(server.dsn(MaxConcurrency=1)) as conn:
        return conn.cursor().execute(sql).fetchall()


@pytest.mark.parametrize(
    ("column", "value", "told"),
    [
        ("balance", 1.5, "1.5 is not a whole number"),
        ("balance", 2**63, f"{2**63} is outside the range of a 64-bit integer"),
        ("balance", -(2**63) - 1, "is outside the range of a 64-bit integer"),
        ("balance", "12x", "the text '12x' is not a whole number"),
        ("balance", "1_000", "is not a whole number"),
        ("balance", {"amount": 5}, "an object is not a whole number"),
        ("balance", True, None),  # a bool is 0 or 1: exact
        ("created", 1.75e9 + 0.5, "is not a whole number"),
        ("delinquent", "yes", "the text 'yes' is not a boolean"),
        ("delinquent", 2, "2 is not a boolean"),
        ("email", "a\ud800b", "holds a lone surrogate, which is not text"),
        ("metadata", {"k": "\udfff"}, "an object cannot be written as JSON"),
    ],
)
def test_a_value_its_column_cannot_hold_is_a_data_error_not_a_null(scripted, column, value, told):
    """Stripe changing a field's type, a proxy, or a bug: the answer would be wrong (NULL,
    truncated, wrapped), so the query fails naming the column, the object and the value."""
    server = _customers_with(scripted, **{column: value})
    sql = f"SELECT id, {column} FROM customers"
    if told is None:
        rows = dict(_read(server, sql))
        assert rows["cus_0003"] == 1 and len(rows) == len(CUSTOMERS)
        return
    with pytest.raises(stripe_dbapi.DataError) as caught:
        _read(server, sql)
    message = str(caught.value)
    assert f"`customers.{column}`" in message and "cus_0003" in message, message
    assert told in message, message
    # The other columns still read: only the query that needs the value fails.
    assert len(_read(server, "SELECT id, object FROM customers")) == len(CUSTOMERS)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("balance", 12.0, 12),
        ("balance", "-7", -7),
        ("balance", 2**63 - 1, 2**63 - 1),
        ("balance", -(2**63), -(2**63)),
        ("delinquent", "TRUE", True),
        ("delinquent", 0, False),
        ("delinquent", 1.0, True),
        ("email", 12, "12"),
        ("email", False, "false"),
        ("email", {"id": "x_1", "object": "x"}, "x_1"),  # an expanded object reads as its id
        ("email", ["a"], '["a"]'),
    ],
)
def test_a_value_its_column_holds_exactly_comes_back(scripted, column, value, expected):
    server = _customers_with(scripted, **{column: value})
    rows = dict(_read(server, f"SELECT id, {column} FROM customers"))
    assert rows["cus_0003"] == expected
    assert type(rows["cus_0003"]) is type(expected)
