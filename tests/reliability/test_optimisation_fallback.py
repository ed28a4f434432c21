"""Optimisation parameters may fall back; the user's filters fail loudly (docs/architecture.md,
principle 11), against a scripted server that lists newest first but knows no `created`."""

from __future__ import annotations

import logging

import pytest
from reliability_helpers import ACCOUNT, Reply, ScriptedServer, fast_connect, stripe_error

import stripe_dbapi

ROWS = [{"id": f"ch_{i:04d}", "object": "charge", "created": 2_000_000 - i * 60} for i in range(250)]


def _server_without_created() -> ScriptedServer:
    def script(path: str, params: list[tuple[str, str]], n: int) -> Reply:
        if path == "/v1/account":
            return ACCOUNT
        names = [k for k, _ in params]
        if any(k.startswith("created") for k in names):
            return stripe_error(400, "Unexpected created")
        query = dict(params)
        start = 0
        if "starting_after" in query:
            start = next(i for i, r in enumerate(ROWS) if r["id"] == query["starting_after"]) + 1
        limit = int(query.get("limit", "10"))
        page = ROWS[start : start + limit]
        return Reply(200, {"object": "list", "data": page, "has_more": start + limit < len(ROWS)})

    return ScriptedServer(script).start()


def test_slices_a_server_rejects_are_dropped_with_a_warning(caplog: pytest.LogCaptureFixture):
    server = _server_without_created()
    try:
        with fast_connect(server.dsn(Concurrency="fixed")) as conn, caplog.at_level(logging.WARNING):
            cur = conn.cursor()
            cur.execute("SELECT id FROM charges")
            assert sorted(r[0] for r in cur.fetchall()) == sorted(r["id"] for r in ROWS)
        lists = [s for s in server.seen if s.path == "/v1/charges"]
        # The first page, the one slice the server refused, then the rest in sequence.
        assert len(lists) == 4
        assert [k for k, _ in lists[1].params if k.startswith("created")]
        assert not any(k.startswith("created") for s in lists[2:] for k, _ in s.params)
        assert "rejects created ranges" in caplog.text
    finally:
        server.stop()


def test_a_created_filter_the_query_asked_for_still_fails_loudly():
    server = _server_without_created()
    try:
        with fast_connect(server.dsn()) as conn:
            cur = conn.cursor()
            with pytest.raises(stripe_dbapi.ProgrammingError, match="Unexpected created"):
                cur.execute("SELECT id FROM charges WHERE created >= '2026-01-01'")
                cur.fetchall()
    finally:
        server.stop()
