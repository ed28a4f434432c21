"""The canary: a key-shaped secret driven through every path must never appear anywhere.

Every message, `repr`, log record (the driver's and urllib3's, at DEBUG), traceback text,
CLI output and URL the server saw is collected and searched for the canary.
"""

from __future__ import annotations

import logging
import re
import socket
import traceback
from collections.abc import Iterator

import pytest
from canary import CANARY, CANARY_BARE

import stripe_dbapi
from stripe_dbapi.cli import main
from stripe_dbapi.client import StripeClient
from stripe_dbapi.connection import resolve_config
from stripe_dbapi.sandbox import SandboxServer, start_sandbox

CANARY_TOKEN = "rt_test_CANARYrefresh7781token"
CANARIES = (CANARY, CANARY_TOKEN, CANARY_BARE, CANARY[8:], CANARY_TOKEN[8:], CANARY_BARE[3:])
# (each with and without its prefix)


class Seen:
    """Everything a user, a log or an error report could show."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, *items: object) -> None:
        for item in items:
            if isinstance(item, BaseException):
                self.texts.append("".join(traceback.format_exception(item)))
                self.texts.extend([str(item), repr(item), repr(item.args)])
            else:
                self.texts.extend([str(item), repr(item)])

    def fail(self, fn, *args, **kwargs) -> stripe_dbapi.Error:
        """Call `fn`, which must raise a PEP 249 error; record the error."""
        with pytest.raises(stripe_dbapi.Error) as caught:
            fn(*args, **kwargs)
        self.add(caught.value)
        return caught.value

    def assert_clean(self, caplog: pytest.LogCaptureFixture) -> None:
        for record in caplog.records:
            self.texts.append(record.getMessage())
            self.texts.append(repr(record.args))
            if record.exc_info and record.exc_info[1] is not None:
                self.add(record.exc_info[1])
        for text in self.texts:
            for canary in CANARIES:
                assert canary not in text, f"the canary leaked into: {text[:300]!r}"


@pytest.fixture()
def seen(caplog: pytest.LogCaptureFixture) -> Iterator[Seen]:
    caplog.set_level(logging.DEBUG)  # root: the driver's loggers and urllib3's
    collected = Seen()
    yield collected
    collected.assert_clean(caplog)


@pytest.fixture(scope="module")
def keyed() -> Iterator[SandboxServer]:
    """A sandbox whose only accepted key is the canary, with some faults to retry."""
    srv = start_sandbox(seed=1, scale=0.05, api_key=CANARY, faults=15)
    yield srv
    srv.stop()


@pytest.fixture()
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StripeClient, "INITIAL_DELAY", 0.001)
    monkeypatch.setattr(StripeClient, "MAX_DELAY", 0.01)
    monkeypatch.setattr(StripeClient, "RATE_LIMIT_DELAY", 0.002)


def test_connect_failures_never_show_the_secret(seen, dead_url, small):
    seen.fail(stripe_dbapi.connect, f"LiveAPIKey={CANARY};ApiBase={dead_url};MaxRetries=1")
    rejected = start_sandbox(scale=0.01, api_key="sk_test_the_right_one_1234")
    try:
        err = seen.fail(stripe_dbapi.connect, f"LiveAPIKey={CANARY};ApiBase={rejected.url}")
        assert "credentials were rejected" in str(err)
        assert all(CANARY not in r.query for r in rejected.requests)
    finally:
        rejected.stop()
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(1)
        url = f"http://127.0.0.1:{hole.getsockname()[1]}"
        err = seen.fail(
            stripe_dbapi.connect, f"LiveAPIKey={CANARY};ApiBase={url};Timeout=0.2;MaxRetries=0"
        )
        assert "did not answer" in str(err)
    # bad connection strings: the secret is named, never shown
    seen.fail(stripe_dbapi.connect, f"LiveAPIKy={CANARY}")
    seen.fail(stripe_dbapi.connect, f"LiveAPIKey={CANARY} x")
    seen.fail(stripe_dbapi.connect, f'LiveAPIKey="{CANARY}')
    seen.fail(stripe_dbapi.connect, f"LiveAPIKey={CANARY};ApiBase=ftp://{CANARY}")
    seen.fail(stripe_dbapi.connect, f"AuthScheme=OAuth2;ClientSecret={CANARY}")
    seen.fail(
        stripe_dbapi.connect,
        f"AuthScheme=OAuth2;ClientId=ca_x;ClientSecret={CANARY};RefreshToken={CANARY_TOKEN};"
        f"OAuthTokenUrl={dead_url}/oauth/token;ApiBase={small.url};MaxRetries=0;Timeout=1",
    )


def test_queries_retries_and_debug_logs_never_show_the_secret(seen, keyed, fast_retries, caplog):
    with stripe_dbapi.connect(keyed.dsn + ";MaxRetries=8") as conn:
        seen.add(conn, conn.config, conn.client.credentials, conn.client, conn.auth_info)
        cur = conn.cursor()
        seen.add(cur)
        for sql in (
            "SELECT id, email FROM customers",
            "SELECT count(*) FROM charges WHERE amount > 1000",
            "SELECT * FROM invoices_lines LIMIT 20",
            "EXPLAIN SELECT id FROM charges WHERE customer IN ('cus_1', 'cus_2')",
        ):
            seen.add(cur.execute(sql).fetchall(), cur.description, cur.plan)
        seen.fail(cur.execute, "SELECT nope FROM customers")
        seen.fail(cur.execute, "SELEC 1")
        seen.fail(cur.execute, "DELETE FROM customers")
        seen.fail(lambda: cur.execute("SELECT * FROM billing_meters_event_summaries").fetchall())
        seen.fail(lambda: cur.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall())
    seen.add(conn, cur)
    assert {r.status for r in keyed.requests} - {200}, "no fault was injected: no retry ran"
    assert all(CANARY not in r.query and CANARY not in r.path for r in keyed.requests)
    assert any(r.name == "urllib3.connectionpool" for r in caplog.records)
    assert any(r.getMessage().startswith("retrying GET ") for r in caplog.records)


def test_debug_log_shows_each_request_method_path_params_status_request_id_and_time(small, caplog):
    caplog.set_level(logging.DEBUG, logger="stripe_dbapi")
    with stripe_dbapi.connect(small.dsn) as conn:
        small.reset_log()
        caplog.clear()
        conn.cursor().execute(
            "SELECT id FROM customers WHERE email = 'a&b@x.io' LIMIT 3"
        ).fetchall()
    lines = [r.getMessage() for r in caplog.records if r.name == "stripe_dbapi.client"]
    request_id = small.requests[0]
    assert len(lines) == 1, lines
    assert re.fullmatch(
        r"GET /v1/customers email=a&b@x\.io&limit=3 -> 200 request_id=req_\w+ in \d+ ms", lines[0]
    ), lines[0]
    assert request_id.status == 200


def test_a_secret_in_a_logged_parameter_is_redacted(small, caplog):
    caplog.set_level(logging.DEBUG, logger="stripe_dbapi")
    with stripe_dbapi.connect(small.dsn) as conn:
        key = small.api_key
        conn.cursor().execute("SELECT id FROM customers WHERE email = ?", [key]).fetchall()
    messages = [r.getMessage() for r in caplog.records if r.name == "stripe_dbapi.client"]
    assert any("email=****&limit=100 -> 200" in m for m in messages)
    assert not any(key in m for m in messages)


def test_reprs_of_configs_and_credentials_mask_every_secret(seen):
    config = resolve_config(
        f"AuthScheme=OAuth2;ClientId=ca_1;ClientSecret={CANARY};RefreshToken={CANARY_TOKEN}"
    )
    seen.add(config, config.to_properties() and "props", config.with_updates(api_key=CANARY))
    from stripe_dbapi.auth import ApiKeyCredentials

    seen.add(ApiKeyCredentials(CANARY))


def test_every_cli_command_keeps_the_secret_out_of_its_output(
    seen, capsys, keyed, dead_url, monkeypatch, fast_retries
):
    dsn = keyed.dsn + ";MaxRetries=8"
    wrong = f"LiveAPIKey={CANARY};ApiBase={dead_url};MaxRetries=0"
    runs = [
        (["query", "--dsn", dsn, "SELECT id, email FROM customers LIMIT 3"], 0),
        (["query", "--dsn", dsn, "--format", "json", "SELECT * FROM charges LIMIT 2"], 0),
        (["query", "--dsn", dsn, "--format", "csv", "SELECT nope FROM customers"], 1),
        (["explain", "--dsn", dsn, "SELECT id FROM charges WHERE customer = 'cus_1'"], 0),
        (["query", "--dsn", wrong, "SELECT 1"], 1),
        (["explain", "--dsn", f"LiveAPIKy={CANARY}", "SELECT 1"], 1),
        (["tables"], 0),
        (["describe", "customers"], 0),
        (["describe", "custmers"], 1),
        (["connections", "create", "canary", dsn], 0),
        (["connections", "show", "canary"], 0),
        (["connections", "list"], 0),
        (["connections", "test", "canary"], 0),
        (["connections", "test", wrong], 1),
        (["query", "--connection", "canary", "SELECT count(*) FROM customers"], 0),
        (["connections", "delete", "canary"], 0),
        (
            [
                "oauth",
                "authorize",
                "--client-id",
                "ca_canary",
                "--client-secret",
                CANARY,
                "--no-browser",
                "--redirect-port",
                "0",
                "--timeout",
                "0.2",
                "--token-url",
                dead_url,
                "--authorize-url",
                dead_url,
            ],
            1,
        ),
    ]
    for argv, code in runs:
        assert main(argv) == code, argv
        out, err = capsys.readouterr()
        seen.add(out, err)
    monkeypatch.setenv("STRIPE_DBAPI_DSN", wrong)
    assert main(["query", "SELECT 1"]) == 1
    seen.add(*capsys.readouterr())


# -- issue #14: the paths hardening added ----------------------------------------------------


def test_malformed_parts_wrong_properties_and_plain_http_never_show_the_secret(seen, capsys):
    for dsn in (
        f"LiveAPIKey={CANARY};{CANARY_BARE}",
        f"{CANARY_BARE};LiveAPIKey={CANARY}",
        f"LiveAPIKey={CANARY};Timeout={CANARY_BARE}",
        f"LiveAPIKey={CANARY};AccountId={CANARY_BARE}",
        f"LiveAPIKey={CANARY};MaxRows={CANARY_BARE}",
        f"LiveAPIKey={CANARY};ApiBase=http://{CANARY_BARE}.example.com",
        f"LiveAPIKey={CANARY};OAuthTokenUrl=http://x.example.com/{CANARY_BARE}",
        f"LiveAPIKey={CANARY};ApiBase=ftp://{CANARY_BARE}",
        f"AuthScheme=OAuth2;ClientSecret={CANARY};RefreshToken={CANARY_BARE};Timeout=x",
    ):
        seen.fail(stripe_dbapi.connect, dsn)
        assert main(["query", "--dsn", dsn, "SELECT 1"]) == 1
        seen.add(*capsys.readouterr())


def test_a_server_echoing_secrets_in_request_id_code_and_location_never_shows_them(seen):
    from tests.reliability.reliability_helpers import ACCOUNT, Reply, ScriptedServer

    def script(path, params, n):
        if path == "/v1/account":
            return ACCOUNT
        if path == "/v1/charges":
            return Reply(302, b"", {"Location": f"https://{CANARY_BARE}.example.com/x"})
        error = {"message": f"Bad key {CANARY_BARE}", "code": CANARY_BARE, "type": CANARY}
        return Reply(400, {"error": error}, {"Request-Id": CANARY_BARE})

    server = ScriptedServer(script).start()
    try:
        with stripe_dbapi.connect(f"LiveAPIKey={CANARY};ApiBase={server.url};MaxRetries=0") as conn:
            cur = conn.cursor()
            for sql in ("SELECT id FROM customers", "SELECT id FROM charges"):
                err = seen.fail(lambda sql=sql: cur.execute(sql).fetchall())
                seen.add(err.code, err.request_id)
    finally:
        server.stop()


def test_a_token_endpoint_echoing_or_redirecting_never_shows_the_secret(seen):
    from tests.reliability.reliability_helpers import Reply, ScriptedServer

    answers = iter(
        [
            Reply(307, b"", {"Location": f"https://{CANARY_BARE}.example.com/{CANARY}"}),
            Reply(400, {"error": CANARY_BARE, "error_description": f"Bad {CANARY_BARE}"}),
            Reply(500, {"error": CANARY, "error_description": CANARY}, {"Request-Id": CANARY}),
        ]
    )
    server = ScriptedServer(lambda path, params, n: next(answers)).start()
    try:
        for _ in range(3):
            err = seen.fail(
                stripe_dbapi.connect,
                AuthScheme="OAuth2",
                ClientSecret=CANARY,
                RefreshToken=CANARY_BARE,
                OAuthTokenUrl=f"{server.url}/oauth/token",
                ApiBase=server.url,
                MaxRetries=0,
                Timeout=2,
            )
            seen.add(err.code, err.request_id)
    finally:
        server.stop()
