"""pandas.read_sql through the engine, and the Arrow fast path of the cursor."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import stripe_dbapi

MIXED = (
    "SELECT id, amount, paid, created, metadata, currency, amount_refunded "
    "FROM charges ORDER BY created DESC, id LIMIT 300"
)


def _is_utc(dtype: object) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"


@pytest.fixture(scope="module")
def dbapi_conn() -> Iterator[stripe_dbapi.Connection]:
    conn = stripe_dbapi.connect("Sandbox=true")
    try:
        yield conn
    finally:
        conn.close()


def test_read_sql_of_a_query_gives_utc_timestamps_and_no_warning(engine: Engine) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = pd.read_sql("SELECT id, created, amount, paid FROM charges LIMIT 50", engine)
    assert len(df) == 50
    assert _is_utc(df["created"].dtype), df["created"].dtype
    assert df["amount"].dtype == "int64"
    assert df["paid"].dtype == bool


def test_read_sql_with_qmark_parameters(engine: Engine) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = pd.read_sql(
            "SELECT id, amount FROM charges WHERE amount > ? AND currency = ? LIMIT ?",
            engine,
            params=(5000, "usd", 20),
        )
    assert len(df) == 20
    assert (df["amount"] > 5000).all()


def test_read_sql_with_text_and_named_parameters(engine: Engine) -> None:
    query = text("SELECT id, created FROM customers WHERE created >= :since ORDER BY created")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = pd.read_sql(query, engine, params={"since": "2026-06-01"})
    assert len(df) > 0
    assert _is_utc(df["created"].dtype)
    assert df["created"].min() >= pd.Timestamp("2026-06-01", tz="UTC")


def test_read_sql_of_a_table_name_reflects_it(engine: Engine) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = pd.read_sql("customers", engine, columns=["id", "email", "created"])
    assert list(df.columns) == ["id", "email", "created"]
    assert len(df) > 0
    assert _is_utc(df["created"].dtype)


def test_fetch_arrow_table_matches_fetchall(dbapi_conn: stripe_dbapi.Connection) -> None:
    cur = dbapi_conn.cursor()
    rows = cur.execute(MIXED).fetchall()
    table = cur.execute(MIXED).fetch_arrow_table()
    assert isinstance(table, pa.Table)
    assert table.column_names == [d[0] for d in cur.description]
    assert [tuple(r.values()) for r in table.to_pylist()] == rows
    assert table.schema.field("created").type == pa.timestamp("us", tz="UTC")
    assert cur.rowcount == len(rows) == 300


def test_fetch_df_matches_a_frame_built_from_fetchall(dbapi_conn: stripe_dbapi.Connection) -> None:
    cur = dbapi_conn.cursor()
    rows = cur.execute(MIXED).fetchall()
    names = [d[0] for d in cur.description]
    slow = pd.DataFrame.from_records(rows, columns=names)
    fast = cur.execute(MIXED).fetch_df()
    assert _is_utc(fast["created"].dtype)
    # pandas before 2.2 compares two time resolutions by their raw integers: same unit.
    slow["created"] = slow["created"].astype(fast["created"].dtype)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False)
    assert fast["amount"].dtype == "int64"


def test_raw_connection_of_an_engine_offers_the_fast_path(engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT id, created FROM customers LIMIT 10")
        df = cur.fetch_df()
    finally:
        raw.close()
    assert len(df) == 10
    assert _is_utc(df["created"].dtype)
