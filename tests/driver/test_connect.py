"""connect(): connection strings, and every way a connection can be unavailable."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import stripe_dbapi
from stripe_dbapi.connstr import parse, split_connection_string
from stripe_dbapi.sandbox import start_sandbox

CANARY = "sk_test_CANARYc4n4ry5ecret99"


# -- connection strings ---------------------------------------------------------------------


def test_keys_are_case_insensitive_and_aliases_resolve():
    config = parse("authscheme=apikey;APIKEY=sk_test_abcdefgh1234;accountid=acct_1")
    assert (config.auth_scheme, config.api_key, config.account_id) == (
        "APIKey",
        "sk_test_abcdefgh1234",
        "acct_1",
    )


def test_quoted_values_hold_semicolons_and_equals():
    pairs = split_connection_string('A="x;y=z""q"; B={p;q}}r} ;C= plain ')
    assert pairs == [("A", 'x;y=z"q'), ("B", "p;q}r"), ("C", "plain")]


def test_keywords_win_over_the_string():
    config = parse("LiveAPIKey=sk_test_aaaaaaaa1;Timeout=5", Timeout=7, MaxRetries="0")
    assert (config.timeout, config.max_retries) == (7.0, 0)


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        (
            "LiveAPIKy=sk_test_abcdefgh",
            "Unknown connection property `LiveAPIKy`; did you mean `LiveAPIKey`?",
        ),
        (
            "AuthScheme=Basic;LiveAPIKey=sk_test_abcdefgh",
            "AuthScheme must be one of APIKey, OAuth2, not `Basic`.",
        ),
        ("AuthScheme=APIKey", "AuthScheme=APIKey needs LiveAPIKey"),
        (
            "AuthScheme=OAuth2;ClientId=ca_1",
            "AuthScheme=OAuth2 needs ClientSecret and RefreshToken.",
        ),
        ("LiveAPIKey=pk_test_abcdefgh", "LiveAPIKey does not look like a Stripe API key"),
        ("LiveAPIKey=sk_test_abcdefgh;Timeout=soon", "Timeout must be a number, not `soon`."),
        ("LiveAPIKey=sk_test_abcdefgh;MaxRetries=-1", "MaxRetries must be at least 0, not `-1`."),
        (
            "LiveAPIKey=sk_test_abcdefgh;UseSearch=maybe",
            "UseSearch must be true or false, not `maybe`.",
        ),
        (
            "LiveAPIKey=sk_test_abcdefgh;AccountId=12",
            "AccountId must look like `acct_…`, not `12`.",
        ),
        ("LiveAPIKey=sk_test_abcdefgh;ApiBase=ftp://x", "ApiBase must be an http(s) URL"),
        ("LiveAPIKey", "Connection string part 1 is not of the form Key=Value (it has no `=`)."),
        ('LiveAPIKey="sk_test_abc', "The quoted value of `LiveAPIKey` is not closed"),
    ],
)
def test_bad_connection_strings_are_interface_errors(dsn, message):
    with pytest.raises(stripe_dbapi.InterfaceError) as info:
        stripe_dbapi.connect(dsn)
    assert str(info.value).startswith(message)


def test_secrets_never_show_in_messages_or_repr():
    config = parse(f"LiveAPIKey={CANARY};ClientSecret={CANARY}x;RefreshToken=rt_{CANARY}")
    assert CANARY not in repr(config) and CANARY not in str(config)
    with pytest.raises(stripe_dbapi.InterfaceError) as info:
        parse(f"AuthScheme=APIKey;LiveAPIKey={CANARY};Timeout={CANARY}")
    assert "Timeout" in str(info.value)
    with pytest.raises(stripe_dbapi.InterfaceError) as info:
        parse(f"AuthScheme={CANARY}")
    assert "AuthScheme" in str(info.value)


# -- connection unavailable ----------------------------------------------------------------


def test_unreachable_host(free_port):
    with pytest.raises(stripe_dbapi.OperationalError) as info:
        stripe_dbapi.connect(
            f"LiveAPIKey={CANARY};ApiBase=http://127.0.0.1:{free_port};MaxRetries=0"
        )
    assert str(info.value) == (
        f"Connection unavailable: could not reach Stripe at 127.0.0.1:{free_port} "
        "(connection refused)"
    )


def test_rejected_key_names_the_problem_and_keeps_the_request_id():
    with start_sandbox(scale=0.01, api_key="sk_test_the_right_key_1") as srv:
        with pytest.raises(stripe_dbapi.OperationalError) as info:
            stripe_dbapi.connect(f"LiveAPIKey={CANARY};ApiBase={srv.url}")
    text = str(info.value)
    assert text.startswith("Connection unavailable: the credentials were rejected by Stripe")
    assert CANARY not in text
    assert info.value.http_status == 401
    assert info.value.request_id and info.value.request_id in text


def test_a_server_that_never_answers_hits_the_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])  # accept, then never answer
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(stripe_dbapi.OperationalError) as info:
            stripe_dbapi.connect(
                f"LiveAPIKey={CANARY};ApiBase=http://127.0.0.1:{port};Timeout=0.5;MaxRetries=0"
            )
    finally:
        stop.set()
        thread.join()
        for s in accepted:
            s.close()
        listener.close()
    assert time.monotonic() - started < 5
    assert str(info.value) == (
        f"Connection unavailable: Stripe at 127.0.0.1:{port} did not answer GET /v1/account "
        "within 0.5 s"
    )


def test_sandbox_true_starts_and_stops_an_in_process_sandbox():
    conn = stripe_dbapi.connect("Sandbox=true;SandboxScale=0.01;SandboxSeed=4")
    url = conn.client.api_base
    cur = conn.cursor()
    cur.execute("SELECT count(*) > 0 FROM customers")
    assert cur.fetchone() == (True,)
    assert conn.auth_info.livemode is False
    conn.close()
    with pytest.raises(stripe_dbapi.OperationalError):
        stripe_dbapi.connect(f"LiveAPIKey=sk_test_abcdefgh12;ApiBase={url};MaxRetries=0")


def test_connection_repr_shows_no_secret(sandbox):
    with stripe_dbapi.connect(sandbox.dsn) as conn:
        assert sandbox.api_key not in repr(conn)
        assert sandbox.api_key not in repr(conn.config)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((123,), {}, "The connection string must be text (Key=Value;…), not int."),
        (
            ("APIKey=sk_test_aaaaaaaaa;LiveAPIKey=sk_test_bbbbbbbbb",),
            {},
            "Connection property `LiveAPIKey` is given twice (as `APIKey` and `LiveAPIKey`).",
        ),
        (
            ("Sandbox=true;AuthScheme=OAuth2",),
            {},
            "Sandbox=true connects with the sandbox's own test key",
        ),
    ],
)
def test_more_connection_mistakes_are_interface_errors(args, kwargs, message):
    with pytest.raises(stripe_dbapi.InterfaceError) as info:
        stripe_dbapi.connect(*args, **kwargs)
    assert str(info.value).startswith(message)
