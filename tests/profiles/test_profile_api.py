"""stripe_dbapi.profiles from Python: save, load, list, test, delete, references, precedence."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import stripe_dbapi
from stripe_dbapi import profiles
from stripe_dbapi.exceptions import InterfaceError, OperationalError
from stripe_dbapi.sandbox import SandboxServer

RIGHT_KEY = "sk_test_right_key_123"  # the one key strict_sandbox accepts (conftest.py)


def _dsn(sandbox: SandboxServer, key: str = RIGHT_KEY) -> str:
    return f"LiveAPIKey={key};ApiBase={sandbox.url}"


def test_save_tests_then_connect_by_name_runs_a_query(strict_sandbox: SandboxServer) -> None:
    profiles.save("local", _dsn(strict_sandbox))
    with stripe_dbapi.connect("ConnectionName=local") as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM customers")
        assert cur.fetchone()[0] > 0
        assert conn.config.connection_name == "local"


def test_a_refused_save_raises_and_saves_nothing(
    strict_sandbox: SandboxServer, config_dir: Path
) -> None:
    with pytest.raises(OperationalError, match=r"^Connection unavailable: the credentials were"):
        profiles.save("local", _dsn(strict_sandbox, "sk_test_wrong_key_456"))
    assert profiles.list_connections() == []
    assert not (config_dir / "connections.ini").exists()


def test_explicit_properties_override_the_saved_ones(strict_sandbox: SandboxServer) -> None:
    profiles.save("x", _dsn(strict_sandbox) + ";AccountId=acct_1")
    with stripe_dbapi.connect("ConnectionName=x;AccountId=acct_2") as conn:
        assert conn.config.account_id == "acct_2"
    with stripe_dbapi.connect("ConnectionName=x") as conn:
        assert conn.config.account_id == "acct_1"
    with stripe_dbapi.connect(ConnectionName="x", AccountId="acct_3") as conn:
        assert conn.config.account_id == "acct_3"


def test_env_references_are_stored_as_written_and_resolved_at_connect(
    strict_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, config_dir: Path
) -> None:
    monkeypatch.setenv("SANDBOX_KEY", RIGHT_KEY)
    monkeypatch.setenv("SANDBOX_PORT", strict_sandbox.url.rsplit(":", 1)[1])
    profiles.save("env", "LiveAPIKey=${SANDBOX_KEY};ApiBase=http://127.0.0.1:${SANDBOX_PORT}")
    text = (config_dir / "connections.ini").read_text()
    assert "LiveAPIKey = ${SANDBOX_KEY}" in text
    assert RIGHT_KEY not in text
    assert profiles.load("env")["LiveAPIKey"] == "${SANDBOX_KEY}"
    assert profiles.saved_properties("env")["ApiBase"] == strict_sandbox.url
    with stripe_dbapi.connect("ConnectionName=env") as conn:
        assert conn.config.api_key == RIGHT_KEY


def test_a_missing_variable_names_it_and_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    profiles.save("env", "LiveAPIKey=${NOT_SET_ANYWHERE}", test=False)
    with pytest.raises(InterfaceError) as info:
        stripe_dbapi.connect("ConnectionName=env")
    assert str(info.value) == (
        "The saved connection `env` reads LiveAPIKey from the environment variable "
        "`NOT_SET_ANYWHERE`, which is not set."
    )


def test_an_unknown_name_suggests_the_nearest(config_dir: Path) -> None:
    with pytest.raises(InterfaceError) as info:
        profiles.load("prod")
    assert (
        str(info.value) == f"No saved connection named `prod` in {config_dir / 'connections.ini'}."
    )
    profiles.save("prod", "Sandbox=true", test=False)
    with pytest.raises(InterfaceError) as info:
        stripe_dbapi.connect("ConnectionName=prdo")
    assert str(info.value) == "No saved connection named `prdo`; did you mean `prod`?"


def test_an_unknown_property_suggests_the_nearest() -> None:
    with pytest.raises(InterfaceError) as info:
        profiles.save("p", "LiveAPIKy=sk_test_abcdefgh", test=False)
    assert str(info.value) == "Unknown connection property `LiveAPIKy`; did you mean `LiveAPIKey`?"


def test_an_existing_name_needs_force(strict_sandbox: SandboxServer) -> None:
    profiles.save("p", "AccountId=acct_1;Sandbox=true", test=False)
    with pytest.raises(InterfaceError, match="already exists; use --force"):
        profiles.save("p", "AccountId=acct_2;Sandbox=true", test=False)
    profiles.save("p", "AccountId=acct_2;Sandbox=true", test=False, force=True)
    assert profiles.load("p")["AccountId"] == "acct_2"


def test_save_accepts_a_mapping_with_python_values() -> None:
    profiles.save(
        "m", {"APIKey": "sk_test_abcdefgh", "UseSearch": True, "MaxRetries": 0}, test=False
    )
    assert profiles.load("m") == {
        "LiveAPIKey": "sk_test_abcdefgh",
        "UseSearch": "true",
        "MaxRetries": "0",
    }


def test_list_gives_name_scheme_account_and_target() -> None:
    profiles.save("a", "LiveAPIKey=sk_test_abcdefgh;AccountId=acct_9", test=False)
    profiles.save("b", "Sandbox=true", test=False)
    profiles.save("c", "AuthScheme=OAuth2;ClientSecret=${CS};RefreshToken=${RT}", test=False)
    assert profiles.list_connections() == [
        profiles.SavedConnection("a", "APIKey", "acct_9", "https://api.stripe.com"),
        profiles.SavedConnection("b", "APIKey", None, "sandbox"),
        profiles.SavedConnection("c", "OAuth2", None, "https://api.stripe.com"),
    ]


def test_delete_removes_only_that_connection() -> None:
    profiles.save("a", "Sandbox=true", test=False)
    profiles.save("b", "Sandbox=true", test=False)
    profiles.delete("a")
    assert [c.name for c in profiles.list_connections()] == ["b"]
    with pytest.raises(InterfaceError, match="No saved connection named `a`"):
        profiles.delete("a")


def test_test_says_available_or_unavailable(strict_sandbox: SandboxServer, dead_url: str) -> None:
    profiles.save("good", _dsn(strict_sandbox), test=False)
    profiles.save("dead", f"LiveAPIKey={RIGHT_KEY};ApiBase={dead_url};MaxRetries=0", test=False)
    assert profiles.test("good") == (True, "connection available")
    assert profiles.test(_dsn(strict_sandbox)) == (True, "connection available")
    ok, message = profiles.test("dead")
    assert not ok
    assert message.startswith("Connection unavailable: could not reach Stripe at 127.0.0.1:")
    ok, message = profiles.test(_dsn(strict_sandbox, "sk_test_wrong_key_456"))
    assert not ok
    assert message.startswith("Connection unavailable: the credentials were rejected by Stripe")


def test_update_properties_rewrites_one_value_atomically(config_dir: Path) -> None:
    profiles.save(
        "o", "AuthScheme=OAuth2;ClientSecret=${CS};RefreshToken=rt_test_old123456", test=False
    )
    profiles.save("other", "Sandbox=true", test=False)
    assert profiles.update_properties("o", {"RefreshToken": "rt_test_new123456"}) is True
    assert profiles.load("o") == {
        "AuthScheme": "OAuth2",
        "ClientSecret": "${CS}",
        "RefreshToken": "rt_test_new123456",
    }
    assert [c.name for c in profiles.list_connections()] == ["o", "other"]


def test_update_properties_keeps_an_env_reference_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    profiles.save("o", "AuthScheme=OAuth2;ClientSecret=${CS};RefreshToken=${RT}", test=False)
    with caplog.at_level(logging.WARNING, logger="stripe_dbapi.profiles"):
        assert profiles.update_properties("o", {"RefreshToken": "rt_test_new123456"}) is False
    assert profiles.load("o")["RefreshToken"] == "${RT}"
    assert "RefreshToken of saved connection o was not saved" in caplog.text
    assert "rt_test_new123456" not in caplog.text
