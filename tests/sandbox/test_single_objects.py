"""Single-object endpoints as tables: `balance` (GET /v1/balance, one row per currency
and kind) and `account` (GET /v1/account, one row), each read with one parameterless GET.

The expected rows are made here from the raw JSON the sandbox answers (fetched with
requests), independently of `Table.single`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
import stripe

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer


@pytest.fixture(scope="module")
def conn(srv: SandboxServer) -> Iterator[stripe_dbapi.Connection]:
    connection = stripe_dbapi.connect(srv.dsn)
    yield connection
    connection.close()


def _rows(conn: stripe_dbapi.Connection, sql: str) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    cur.execute(sql)
    return [tuple(r) for r in cur.fetchall()]


def _balance_entries(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, entry) for every entry of the Balance object's lists, nested ones dotted."""
    found = []
    for key, value in body.items():
        if isinstance(value, list):
            found += [(key, e) for e in value]
        elif isinstance(value, dict):
            for inner, items in value.items():
                if isinstance(items, list):
                    found += [(f"{key}.{inner}", e) for e in items]
    return found


def test_balance_rows_are_the_entries_of_v1_balance(
    srv: SandboxServer, conn: stripe_dbapi.Connection, http: requests.Session
) -> None:
    body = http.get(f"{srv.url}/v1/balance").json()
    assert body["object"] == "balance"
    expected = sorted(
        (kind, e["currency"], e["amount"], e.get("source_types"), body["livemode"])
        for kind, e in _balance_entries(body)
    )
    assert {kind for kind, *_ in expected} >= {"available", "pending"}
    srv.reset_log()
    got = _rows(conn, "SELECT kind, currency, amount, source_types, livemode FROM balance")
    assert sorted((k, c, a, json.loads(s), lm) for k, c, a, s, lm in got) == expected
    assert [(r.path, r.query) for r in srv.requests] == [("/v1/balance", "")]


def test_balance_filters_and_limit_stay_with_the_engine(
    srv: SandboxServer, conn: stripe_dbapi.Connection, http: requests.Session
) -> None:
    body = http.get(f"{srv.url}/v1/balance").json()
    usd = [e["amount"] for e in body["pending"] if e["currency"] == "usd"]
    srv.reset_log()
    sql = "SELECT amount FROM balance WHERE kind = 'pending' AND currency = 'usd' LIMIT 1"
    assert _rows(conn, sql) == [(a,) for a in usd[:1]]
    assert [(r.path, r.query) for r in srv.requests] == [("/v1/balance", "")]
    assert _rows(conn, "SELECT count(*) FROM balance WHERE currency = 'xxx'") == [(0,)]


def test_account_is_the_one_row_of_v1_account(
    srv: SandboxServer, conn: stripe_dbapi.Connection, http: requests.Session
) -> None:
    body = http.get(f"{srv.url}/v1/account").json()
    srv.reset_log()
    got = _rows(
        conn,
        "SELECT id, object, country, email, default_currency, charges_enabled, created, "
        "business_profile FROM account",
    )
    created = datetime.fromtimestamp(body["created"], tz=timezone.utc)
    (row,) = got
    assert row[:7] == (
        body["id"],
        "account",
        body["country"],
        body["email"],
        body["default_currency"],
        body["charges_enabled"],
        created,
    )
    assert json.loads(row[7]) == body["business_profile"]
    assert [(r.path, r.query) for r in srv.requests] == [("/v1/account", "")]


def test_account_has_the_columns_of_accounts(conn: stripe_dbapi.Connection) -> None:
    def columns(table: str) -> list[tuple[str, str]]:
        cur = conn.cursor()
        cur.execute(f"SELECT * FROM {table} LIMIT 0")
        return [(d[0], d[1]) for d in cur.description]

    assert columns("account") == columns("accounts")


def test_an_id_on_the_account_is_no_retrieve(
    srv: SandboxServer, conn: stripe_dbapi.Connection
) -> None:
    own = srv.dataset.account["id"]
    srv.reset_log()
    assert _rows(conn, f"SELECT id FROM account WHERE id = '{own}'") == [(own,)]
    assert _rows(conn, "SELECT id FROM account WHERE id = 'acct_other'") == []
    assert [r.path for r in srv.requests] == ["/v1/account", "/v1/account"]


def test_the_sdk_reads_the_sandbox_balance(client: stripe.StripeClient) -> None:
    balance = client.v1.balance.retrieve()
    assert balance.object == "balance"
    assert {e.currency for e in balance.available} == {e.currency for e in balance.pending}


def test_the_balance_endpoint_takes_no_list_parameters(
    srv: SandboxServer, http: requests.Session
) -> None:
    r = http.get(f"{srv.url}/v1/balance", params={"limit": "1"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "parameter_unknown"
