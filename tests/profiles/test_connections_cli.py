"""`stripe-dbapi connections …`: create (TEST then CREATE), test, list, show, delete."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from stripe_dbapi import profiles
from stripe_dbapi.sandbox import SandboxServer

RIGHT_KEY = "sk_test_right_key_123"  # the one key strict_sandbox accepts (conftest.py)
WRONG_KEY = "sk_test_wrong_key_456"


def test_create_tests_then_saves(cli, strict_sandbox: SandboxServer, config_dir: Path) -> None:
    result = cli(
        "connections", "create", "local", f"LiveAPIKey={RIGHT_KEY};ApiBase={strict_sandbox.url}"
    )
    path = config_dir / "connections.ini"
    assert result.code == 0
    assert result.out.splitlines() == [
        "connection available",
        f"saved connection `local` in {path}",
    ]
    assert result.err == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert profiles.load("local")["ApiBase"] == strict_sandbox.url


def test_create_with_a_wrong_key_saves_nothing(
    cli, strict_sandbox: SandboxServer, config_dir: Path
) -> None:
    result = cli(
        "connections", "create", "local", f"LiveAPIKey={WRONG_KEY};ApiBase={strict_sandbox.url}"
    )
    assert result.code == 1
    assert result.out.startswith(
        "Connection unavailable: the credentials were rejected by Stripe — Stripe answered 401"
    )
    assert not (config_dir / "connections.ini").exists()


def test_create_against_nothing_listening_saves_nothing(
    cli, dead_url: str, config_dir: Path
) -> None:
    result = cli(
        "connections", "create", "dead", f"LiveAPIKey={RIGHT_KEY};ApiBase={dead_url};MaxRetries=0"
    )
    assert result.code == 1
    host = dead_url.removeprefix("http://")
    assert (
        result.out
        == f"Connection unavailable: could not reach Stripe at {host} (connection refused)\n"
    )
    assert profiles.list_connections() == []


def test_create_no_test_saves_without_connecting(cli, dead_url: str) -> None:
    result = cli(
        "connections", "create", "dead", f"LiveAPIKey={RIGHT_KEY};ApiBase={dead_url}", "--no-test"
    )
    assert result.code == 0
    assert "connection available" not in result.out
    assert "(not tested)" in result.out
    assert profiles.load("dead")["ApiBase"] == dead_url


def test_create_an_existing_name_needs_force(cli) -> None:
    assert cli("connections", "create", "p", "Sandbox=true;AccountId=acct_1", "--no-test").code == 0
    result = cli("connections", "create", "p", "Sandbox=true;AccountId=acct_2", "--no-test")
    assert result.code == 1
    assert result.err == (
        "error: A saved connection named `p` already exists; use --force to replace it.\n"
    )
    assert profiles.load("p")["AccountId"] == "acct_1"
    result = cli(
        "connections", "create", "p", "Sandbox=true;AccountId=acct_2", "--no-test", "--force"
    )
    assert result.code == 0
    assert profiles.load("p")["AccountId"] == "acct_2"


def test_create_without_a_key_and_no_terminal_is_a_clear_error(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a TTY, as under CI or a pipe
    result = cli("connections", "create", "p", "AccountId=acct_1")
    assert result.code == 1
    assert result.err == (
        "error: The connection string has no LiveAPIKey: add it as a value or a ${ENV_VAR} "
        "reference, or run this in a terminal to be asked for it.\n"
    )
    result = cli("connections", "create", "o", "AuthScheme=OAuth2;ClientId=ca_1")
    assert "has no ClientSecret and RefreshToken: add them" in result.err
    assert profiles.list_connections() == []


def test_create_with_an_env_reference_stores_the_reference(
    cli, strict_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, config_dir: Path
) -> None:
    monkeypatch.setenv("MY_STRIPE_KEY", RIGHT_KEY)
    result = cli(
        "connections", "create", "env", "LiveAPIKey=${MY_STRIPE_KEY};ApiBase=" + strict_sandbox.url
    )
    assert result.code == 0, result
    text = (config_dir / "connections.ini").read_text()
    assert "LiveAPIKey = ${MY_STRIPE_KEY}\n" in text
    assert RIGHT_KEY not in text


def test_test_by_name_and_by_string(cli, strict_sandbox: SandboxServer, dead_url: str) -> None:
    good = f"LiveAPIKey={RIGHT_KEY};ApiBase={strict_sandbox.url}"
    cli("connections", "create", "good", good, "--no-test")
    cli(
        "connections",
        "create",
        "dead",
        f"LiveAPIKey={RIGHT_KEY};ApiBase={dead_url};MaxRetries=0",
        "--no-test",
    )
    assert cli("connections", "test", "good") == type(cli("connections", "test", good))(
        0, "connection available\n", ""
    )
    result = cli("connections", "test", "dead")
    assert result.code == 1
    assert result.out.startswith("Connection unavailable: could not reach Stripe")
    result = cli("connections", "test", f"LiveAPIKey={WRONG_KEY};ApiBase={strict_sandbox.url}")
    assert result.code == 1
    assert result.out.startswith("Connection unavailable: the credentials were rejected")
    result = cli("connections", "test", "godo")
    assert (result.code, result.err) == (
        1,
        "error: No saved connection named `godo`; did you mean `good`?\n",
    )


def test_list_show_delete(cli, config_dir: Path) -> None:
    cli(
        "connections",
        "create",
        "a",
        "LiveAPIKey=sk_test_abcdefgh12345678;AccountId=acct_9",
        "--no-test",
    )
    cli("connections", "create", "sb", "Sandbox=true;SandboxScale=0.1", "--no-test")
    result = cli("connections", "list")
    assert result.out.splitlines() == [
        "NAME  SCHEME  ACCOUNT  TARGET",
        "a     APIKey  acct_9   https://api.stripe.com",
        "sb    APIKey  -        sandbox",
    ]
    result = cli("connections", "show", "a")
    assert result.out == "[a]\nLiveAPIKey = sk_test_****5678\nAccountId = acct_9\n"
    assert cli("connections", "delete", "a").out == "deleted connection `a`\n"
    assert [c.name for c in profiles.list_connections()] == ["sb"]
    result = cli("connections", "show", "a")
    assert (result.code, result.out) == (1, "")
    assert (
        result.err == f"error: No saved connection named `a` in {config_dir / 'connections.ini'}.\n"
    )


def test_list_of_nothing_says_where_it_looked(cli, config_dir: Path) -> None:
    result = cli("connections", "list")
    assert (result.code, result.out) == (0, "")
    assert result.err == f"no saved connections in {config_dir / 'connections.ini'}\n"


def test_show_keeps_references_as_written(cli) -> None:
    cli(
        "connections",
        "create",
        "o",
        "AuthScheme=OAuth2;ClientSecret=${CS};RefreshToken=rt_test_abcdefgh1234",
        "--no-test",
    )
    result = cli("connections", "show", "o")
    assert result.out == "[o]\nAuthScheme = OAuth2\nClientSecret = ${CS}\nRefreshToken = ****1234\n"


def test_a_hand_edited_file_error_is_one_line_on_stderr(cli, config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "connections.ini").write_text("[p]\nTimeout = later\n")
    result = cli("connections", "list")
    assert result.code == 1
    assert result.err == (
        f"error: {config_dir / 'connections.ini'}, line 2: Timeout must be a number, not `later`.\n"
    )


def test_the_installed_command_creates_and_queries_through_a_saved_connection(
    strict_sandbox: SandboxServer, config_dir: Path
) -> None:
    env = {**os.environ, "STRIPE_DBAPI_CONFIG_DIR": str(config_dir), "SANDBOX_KEY": RIGHT_KEY}
    command = [str(Path(sys.executable).with_name("stripe-dbapi"))]  # the installed script
    create = subprocess.run(
        [
            *command,
            "connections",
            "create",
            "sb",
            "LiveAPIKey=${SANDBOX_KEY};ApiBase=" + strict_sandbox.url,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert (create.returncode, create.stdout.splitlines()[0]) == (0, "connection available")
    query = subprocess.run(
        [*command, "query", "--connection", "sb", "SELECT count(*) AS n FROM customers"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert query.returncode == 0, query.stderr
    assert "50" in query.stdout
    refused = subprocess.run(
        [
            *command,
            "connections",
            "create",
            "bad",
            f"LiveAPIKey={WRONG_KEY};ApiBase={strict_sandbox.url}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert refused.returncode == 1
    assert refused.stdout.startswith("Connection unavailable:")
    assert [c.name for c in profiles.list_connections()] == ["sb"]
