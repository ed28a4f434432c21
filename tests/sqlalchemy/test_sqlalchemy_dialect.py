"""The `stripe://` dialect: registration, URLs, compiled SQL and read-only behaviour."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    cast,
    create_engine,
    exc,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Engine, make_url

import stripe_dbapi
from stripe_dbapi.sqlalchemy import StripeDialect

_meta = MetaData(schema="stripe")
charges = Table(
    "charges",
    _meta,
    Column("id", String, primary_key=True),
    Column("customer", String),
    Column("amount", Integer),
    Column("email", String),
    Column("metadata", JSON),
)


def connect_args(url: str) -> dict[str, object]:
    args, kwargs = StripeDialect().create_connect_args(make_url(url))
    assert args == []
    return kwargs


def compiled(statement: object) -> str:
    return " ".join(str(statement.compile(dialect=StripeDialect())).split())  # type: ignore[attr-defined]


def test_entry_point_registers_the_dialect_as_stripe() -> None:
    (ep,) = [e for e in entry_points(group="sqlalchemy.dialects") if e.name == "stripe"]
    assert ep.load() is StripeDialect
    engine = create_engine("stripe:///?Sandbox=true")  # no connection is made yet
    assert engine.dialect.name == "stripe"
    assert engine.dialect.driver == "stripe_dbapi"
    assert engine.dialect.dbapi is stripe_dbapi


def test_query_parameters_are_connection_properties() -> None:
    assert connect_args("stripe:///?LiveAPIKey=sk_test_abc&AccountId=acct_123") == {
        "LiveAPIKey": "sk_test_abc",
        "AccountId": "acct_123",
    }
    assert connect_args("stripe:///?Sandbox=true&sandboxscale=2") == {
        "Sandbox": "true",
        "sandboxscale": "2",
    }


def test_host_names_a_saved_connection() -> None:
    assert connect_args("stripe://billing") == {"ConnectionName": "billing"}
    assert connect_args("stripe://billing/stripe?Timeout=5") == {
        "ConnectionName": "billing",
        "Timeout": "5",
    }


def test_password_is_the_api_key_so_tools_can_mask_it() -> None:
    assert connect_args("stripe://:rk_live_xyz@/") == {"LiveAPIKey": "rk_live_xyz"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "stripe:///?LiveAPIKy=sk_test_abc",
            "Unknown connection property `LiveAPIKy`; did you mean `LiveAPIKey`?",
        ),
        (
            "stripe://me@/",
            "A stripe:// URL takes no user name; give AccountId=acct_… as a query parameter.",
        ),
        (
            "stripe://billing:443",
            "A stripe:// URL takes no port; its host is the name of a saved connection.",
        ),
        ("stripe:///public", "A stripe:// URL has one schema, `stripe`, not `public`."),
        (
            "stripe:///?Timeout=1&Timeout=2",
            "Connection property `Timeout` is given more than once.",
        ),
    ],
)
def test_bad_urls_fail_before_connecting(url: str, message: str) -> None:
    with pytest.raises(exc.ArgumentError) as info:
        connect_args(url)
    assert str(info.value) == message


def test_core_select_compiles_to_qmark_duckdb_sql() -> None:
    query = (
        select(charges.c.customer, func.count().label("n"))
        .where(charges.c.amount > 100)
        .group_by(charges.c.customer)
        .order_by(func.count().desc())
        .limit(5)
    )
    assert compiled(query) == (
        "SELECT stripe.charges.customer, count(*) AS n FROM stripe.charges "
        "WHERE stripe.charges.amount > ? GROUP BY stripe.charges.customer "
        "ORDER BY count(*) DESC LIMIT ?"
    )


def test_offset_without_limit_has_no_postgres_limit_all() -> None:
    assert compiled(select(charges.c.id).offset(10)).endswith("FROM stripe.charges OFFSET ?")


def test_regexp_match_searches_like_postgres() -> None:
    assert "regexp_matches(stripe.charges.email, ?)" in compiled(
        select(charges.c.id).where(charges.c.email.regexp_match("^ada"))
    )
    assert "NOT regexp_matches(stripe.charges.email, ?, 'i')" in compiled(
        select(charges.c.id).where(~charges.c.email.regexp_match("^ada", flags="i"))
    )


def test_float_casts_to_double_not_duckdb_four_byte_float() -> None:
    assert compiled(select(cast(charges.c.amount, Float))) == (
        "SELECT CAST(stripe.charges.amount AS DOUBLE) AS amount FROM stripe.charges"
    )


def test_json_path_index_explains_the_alternative() -> None:
    with pytest.raises(exc.CompileError, match="JSON path indexes"):
        compiled(select(charges.c.metadata[("a", "b")]))


def test_dialect_is_read_only() -> None:
    dialect = StripeDialect()
    assert dialect.supports_statement_cache
    assert not dialect.supports_sequences
    assert not dialect.insert_returning
    assert not dialect.supports_multivalues_insert
    assert dialect.default_schema_name == "stripe"
    assert dialect.paramstyle == "qmark"


def test_writes_raise_not_supported(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(exc.NotSupportedError) as info:
        conn.execute(insert(charges).values(id="ch_1"))
    assert "read-only" in str(info.value.orig)


def test_connection_pings_and_is_autocommit(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.dialect.do_ping(conn.connection.dbapi_connection)
        assert conn.get_isolation_level() == "AUTOCOMMIT"
        conn.execution_options(isolation_level="AUTOCOMMIT")
        with conn.begin():  # commits on leaving: nothing to commit
            assert conn.execute(text("SELECT 42")).scalar() == 42
        conn.begin().rollback()  # nothing to roll back


def test_host_connects_through_a_saved_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stripe_dbapi import profiles

    monkeypatch.setenv("STRIPE_DBAPI_CONFIG_DIR", str(tmp_path))
    profiles.save("sandbox_demo", "Sandbox=true", test=False)
    engine = create_engine("stripe://sandbox_demo?SandboxSeed=0")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM customers")).scalar() > 0
            assert conn.connection.dbapi_connection.config.connection_name == "sandbox_demo"  # type: ignore[union-attr]
    finally:
        engine.dispose()
