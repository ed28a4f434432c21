"""SQLAlchemy Core queries over reflected tables run on the driver and agree with plain SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.engine import Connection, Engine

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        yield connection


@pytest.fixture(scope="module")
def tables(engine: Engine) -> MetaData:
    metadata = MetaData()
    Table("charges", metadata, autoload_with=engine)
    Table("customers", metadata, autoload_with=engine)
    return metadata


def sql(conn: Connection, query: str, *params: object) -> list[tuple[object, ...]]:
    """The rows of plain SQL through the driver, for comparison."""
    return [tuple(r) for r in conn.exec_driver_sql(query, params).fetchall()]


def test_group_by_with_count_and_sum(conn: Connection, tables: MetaData) -> None:
    charges = tables.tables["charges"]
    query = (
        select(charges.c.currency, func.count().label("n"), func.sum(charges.c.amount))
        .where(charges.c.paid.is_(True))
        .group_by(charges.c.currency)
        .order_by(charges.c.currency)
    )
    rows = [tuple(r) for r in conn.execute(query)]
    assert rows == sql(
        conn,
        "SELECT currency, count(*), sum(amount) FROM charges WHERE paid "
        "GROUP BY currency ORDER BY currency",
    )
    assert rows and all(n > 0 for _, n, _ in rows)


def test_join_through_the_reflected_foreign_key(conn: Connection, tables: MetaData) -> None:
    charges, customers = tables.tables["charges"], tables.tables["customers"]
    query = (
        select(customers.c.email, func.count(charges.c.id).label("n"))
        .select_from(charges.join(customers))  # ON comes from the foreign key
        .group_by(customers.c.email)
        .order_by(func.count(charges.c.id).desc(), customers.c.email)
        .limit(5)
    )
    assert "ON customers.id = charges.customer" in str(query.compile(conn))
    rows = [tuple(r) for r in conn.execute(query)]
    assert len(rows) == 5
    assert rows == sql(
        conn,
        "SELECT cu.email, count(ch.id) FROM charges ch JOIN customers cu ON cu.id = ch.customer "
        "GROUP BY cu.email ORDER BY count(ch.id) DESC, cu.email LIMIT 5",
    )


def test_bound_parameters_in_where_limit_and_offset_keep_their_order(
    conn: Connection, tables: MetaData
) -> None:
    charges = tables.tables["charges"]
    query = (
        select(charges.c.id, charges.c.amount)
        .where(charges.c.amount > 5000, charges.c.currency == "usd")
        .order_by(charges.c.amount.desc(), charges.c.id)
        .limit(3)
        .offset(2)
    )
    rows = [tuple(r) for r in conn.execute(query)]
    assert len(rows) == 3
    assert all(amount > 5000 for _, amount in rows)
    assert rows == sql(
        conn,
        "SELECT id, amount FROM charges WHERE amount > 5000 AND currency = 'usd' "
        "ORDER BY amount DESC, id LIMIT 3 OFFSET 2",
    )


def test_datetime_parameter_and_timezone_aware_results(conn: Connection, tables: MetaData) -> None:
    customers = tables.tables["customers"]
    since = dt.datetime(2026, 1, 1, tzinfo=UTC)
    query = select(customers.c.id, customers.c.created).where(customers.c.created >= since)
    rows = conn.execute(query).fetchall()
    assert rows
    assert all(created >= since and created.utcoffset() == dt.timedelta(0) for _, created in rows)
    (count,) = sql(conn, "SELECT count(*) FROM customers WHERE created >= '2026-01-01'")[0]
    assert len(rows) == count


def test_in_list_and_subquery(conn: Connection, tables: MetaData) -> None:
    charges, customers = tables.tables["charges"], tables.tables["customers"]
    some = [r.id for r in conn.execute(select(customers.c.id).order_by(customers.c.id).limit(3))]
    query = select(func.count()).where(charges.c.customer.in_(some))
    expected = sql(conn, "SELECT count(*) FROM charges WHERE customer IN (?, ?, ?)", *some)[0][0]
    assert conn.execute(query).scalar() == expected
    payers = select(charges.c.customer).where(charges.c.paid.is_(True)).distinct().subquery()
    assert conn.execute(select(func.count()).select_from(payers)).scalar() > 0


def test_json_and_decimal_columns_come_back_as_python_values(
    conn: Connection, tables: MetaData
) -> None:
    charges = tables.tables["charges"]
    row = conn.execute(select(charges.c.metadata).where(charges.c.metadata.is_not(None)).limit(1))
    assert isinstance(row.scalar(), dict)
    total = conn.execute(select(func.sum(charges.c.amount))).scalar()
    assert isinstance(total, (int, Decimal)) and total > 0
    key = conn.execute(
        select(charges.c.metadata["invoice"].as_string()).where(
            charges.c.metadata["invoice"].as_string().is_not(None)
        )
    ).first()
    assert key is not None and key[0].startswith("in_")


def test_text_with_named_parameters(conn: Connection) -> None:
    query = text("SELECT count(*) FROM charges WHERE amount > :low AND currency = :cur")
    got = conn.execute(query, {"low": 1000, "cur": "usd"}).scalar()
    assert (
        got
        == sql(conn, "SELECT count(*) FROM charges WHERE amount > 1000 AND currency = 'usd'")[0][0]
    )
