"""SQL cannot reach outside the driver: DuckDB runs with external access disabled, so no
query reads local files, writes them, loads extensions or opens URLs (the driver may run
inside a BI server that accepts SQL from its users).
"""

from __future__ import annotations

import pytest

import stripe_dbapi

REFUSED = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM read_parquet('http://127.0.0.1:9/x.parquet')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM (SELECT 1) t, read_csv('/etc/passwd') p",
    "WITH p AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM p",
    "SELECT id FROM customers WHERE email IN (SELECT column0 FROM read_csv('/etc/passwd'))",
    "COPY (SELECT 1) TO '/tmp/stripe_dbapi_leak.csv'",
    "ATTACH '/tmp/stripe_dbapi_leak.db' AS leak",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "PRAGMA enable_external_access",
    "CALL duckdb_secrets()",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_sql_cannot_touch_files_urls_or_settings(small_conn, sql, tmp_path):
    cur = small_conn.cursor()
    with pytest.raises((stripe_dbapi.NotSupportedError, stripe_dbapi.ProgrammingError)) as caught:
        cur.execute(sql)
        cur.fetchall()
    assert "root:" not in str(caught.value)


def test_read_csv_of_etc_passwd_is_refused_by_the_engine(small_conn):
    with pytest.raises(stripe_dbapi.NotSupportedError) as caught:
        small_conn.cursor().execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
    assert str(caught.value).startswith("stripe_dbapi does not allow that from SQL: ")


def test_the_engine_still_answers_ordinary_queries_afterwards(small, small_conn):
    cur = small_conn.cursor()
    cur.execute("SELECT count(*) FROM customers")
    assert cur.fetchone() == (len(small.dataset["customers"]),)
