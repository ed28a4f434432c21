"""The exact HTTP requests of a handful of queries, pinned in cassettes/driver/.

Each test names, in order, every request its query must send (after connect()'s
`GET /v1/account`) and checks three things agree with that list: the requests the driver
sent in this run, the requests the cassette holds, and (when replaying) that every
recorded answer was used exactly once. A planner change that alters a request fails
here; re-record with `pytest tests/recorded --record-mode=rewrite` only when the change
is meant (see README.md).

The data are the sandbox's, seed 0 and scale 0.2 (deterministic), so ids are literal.
"""

from __future__ import annotations

from typing import Any

import pytest
from cassette_lines import request_line

import stripe_dbapi

pytestmark = pytest.mark.vcr

ACCOUNT = "GET /v1/account"


def query(dsn: str, sql: str, params: Any = ()) -> tuple[list[tuple[Any, ...]], int]:
    """Connect, run `sql` and fetch every row: the rows and the connection's request count."""
    with stripe_dbapi.connect(dsn) as conn:
        cur = conn.cursor()
        cur.execute(sql, params)
        return cur.fetchall(), conn.request_count


def assert_requests(vcr: Any, sent: list[str], count: int, expected: list[str]) -> None:
    """`sent` (this run, `count` by the driver's own tally) and the cassette both hold
    exactly `expected`; when replaying, every recorded answer was used once."""
    recorded = [request_line(r.method, r.uri) for r in vcr.requests]
    assert sent == expected
    assert recorded == expected
    assert count == len(expected)
    if vcr.rewound:  # replaying: every recorded answer was played, once
        assert vcr.all_played and vcr.play_count == len(expected)


def test_limit_5_is_one_request_for_five_rows(dsn: str, vcr: Any, sent: list[str]) -> None:
    rows, count = query(dsn, "SELECT id FROM customers LIMIT 5")
    assert [r[0] for r in rows] == [
        "cus_cs3F6G2UPvJHOR",
        "cus_DiPdzbdQ40hg7E",
        "cus_zb28K2TfXwwDpP",
        "cus_QBUi1VZas4JaUT",
        "cus_luX3kbXYFwEanA",
    ]
    assert_requests(vcr, sent, count, [ACCOUNT, "GET /v1/customers?limit=5"])


def test_email_equality_is_pushed_as_email(dsn: str, vcr: Any, sent: list[str]) -> None:
    rows, count = query(
        dsn, "SELECT id, email FROM customers WHERE email = ?", ["joan.turing133@example.com"]
    )
    assert rows == [("cus_DiPdzbdQ40hg7E", "joan.turing133@example.com")]
    assert_requests(
        vcr, sent, count, [ACCOUNT, "GET /v1/customers?email=joan.turing133@example.com&limit=100"]
    )


def test_in_list_is_one_filtered_call_per_value(dsn: str, vcr: Any, sent: list[str]) -> None:
    rows, count = query(
        dsn,
        "SELECT customer, count(*) FROM charges WHERE customer IN (?, ?) GROUP BY 1 ORDER BY 1",
        ["cus_bTP2rT98ixnbzH", "cus_jqyTZEOo1bhq0S"],
    )
    assert rows == [("cus_bTP2rT98ixnbzH", 16), ("cus_jqyTZEOo1bhq0S", 15)]
    assert_requests(
        vcr,
        sent,
        count,
        [
            ACCOUNT,
            "GET /v1/charges?customer=cus_bTP2rT98ixnbzH&limit=100",
            "GET /v1/charges?customer=cus_jqyTZEOo1bhq0S&limit=100",
        ],
    )


def test_id_lookups_are_retrieves_and_a_missing_id_is_no_row(
    dsn: str, vcr: Any, sent: list[str]
) -> None:
    rows, count = query(
        dsn,
        "SELECT id FROM customers WHERE id IN (?, ?, ?) ORDER BY id",
        ["cus_cs3F6G2UPvJHOR", "cus_missing0000000", "cus_zb28K2TfXwwDpP"],
    )
    assert rows == [("cus_cs3F6G2UPvJHOR",), ("cus_zb28K2TfXwwDpP",)]
    assert_requests(
        vcr,
        sent,
        count,
        [
            ACCOUNT,
            "GET /v1/customers/cus_cs3F6G2UPvJHOR",
            "GET /v1/customers/cus_missing0000000",
            "GET /v1/customers/cus_zb28K2TfXwwDpP",
        ],
    )


def test_created_range_is_pushed_as_gte_and_lt(dsn: str, vcr: Any, sent: list[str]) -> None:
    rows, count = query(
        dsn,
        "SELECT count(*) FROM charges WHERE created >= '2026-10-01' AND created < '2026-10-08'",
    )
    assert rows == [(36,)]
    assert_requests(
        vcr,
        sent,
        count,
        [ACCOUNT, "GET /v1/charges?created[gte]=1790812800&created[lt]=1791417600&limit=100"],
    )


def test_subscription_items_by_subscription_send_the_parent_key(
    dsn: str, vcr: Any, sent: list[str]
) -> None:
    rows, count = query(
        dsn,
        "SELECT id FROM subscription_items WHERE subscription = ? ORDER BY id",
        ["sub_1zYokxgxR9lcbsWOwvTyvLNg"],
    )
    assert rows == [("si_AneKFMWpRMyZAq",), ("si_atdxGueOjwZVEx",)]
    assert_requests(
        vcr,
        sent,
        count,
        [ACCOUNT, "GET /v1/subscription_items?subscription=sub_1zYokxgxR9lcbsWOwvTyvLNg&limit=100"],
    )


def test_invoice_lines_by_invoice_use_the_nested_path(dsn: str, vcr: Any, sent: list[str]) -> None:
    rows, count = query(
        dsn,
        "SELECT count(*), min(invoice) FROM invoices_lines WHERE invoice = ?",
        ["in_1wjs3mUgTcSOES59kRpqsR0r"],
    )
    assert rows == [(20, "in_1wjs3mUgTcSOES59kRpqsR0r")]
    assert_requests(
        vcr, sent, count, [ACCOUNT, "GET /v1/invoices/in_1wjs3mUgTcSOES59kRpqsR0r/lines?limit=100"]
    )


def test_subscriptions_are_read_with_status_all_so_canceled_ones_count(
    dsn: str, vcr: Any, sent: list[str]
) -> None:
    rows, count = query(
        dsn, "SELECT id, status FROM subscriptions WHERE customer = ?", ["cus_YZr5EfItlBWKDz"]
    )
    assert rows == [("sub_1tWNpSpHo663XaraA1OuamEQ", "canceled")]
    assert_requests(
        vcr,
        sent,
        count,
        [ACCOUNT, "GET /v1/subscriptions?customer=cus_YZr5EfItlBWKDz&status=all&limit=100"],
    )


def test_a_second_page_is_asked_for_with_starting_after(
    dsn: str, vcr: Any, sent: list[str]
) -> None:
    rows, count = query(dsn, "SELECT count(*) FROM payouts")
    assert rows == [(196,)]
    assert_requests(
        vcr,
        sent,
        count,
        [
            ACCOUNT,
            "GET /v1/payouts?limit=100",
            "GET /v1/payouts?limit=100&starting_after=po_1DUPwllX8bndQ8hqmazWTxUd",
        ],
    )
