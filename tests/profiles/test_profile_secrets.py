"""A canary secret never shows in CLI output, exception messages or log records."""

from __future__ import annotations

import io
import logging
import secrets
import sys
from pathlib import Path

import pytest

from stripe_dbapi import profiles
from stripe_dbapi.exceptions import Error
from stripe_dbapi.sandbox import SandboxServer

RIGHT_KEY = "sk_test_right_key_123"  # the one key strict_sandbox accepts (conftest.py)


def test_a_canary_secret_never_leaks(
    cli,
    strict_sandbox: SandboxServer,
    dead_url: str,
    config_dir: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    canary = "sk_test_CANARY" + secrets.token_hex(8)
    token = "rt_test_CANARY" + secrets.token_hex(8)
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def run(*argv: str) -> int:
        result = cli(*argv)
        seen.extend([result.out, result.err])
        return result.code

    wrong = f"LiveAPIKey={canary};ApiBase={strict_sandbox.url}"
    assert run("connections", "create", "wrong", wrong) == 1  # rejected by the sandbox
    assert (
        run("connections", "create", "dead", f"LiveAPIKey={canary};ApiBase={dead_url};MaxRetries=0")
        == 1
    )
    assert run("connections", "test", wrong) == 1
    assert run("connections", "create", "saved", wrong, "--no-test") == 0
    assert run("connections", "create", "saved", wrong, "--no-test") == 1  # exists
    assert run("connections", "test", "saved") == 1
    assert run("connections", "list") == 0
    assert run("connections", "show", "saved") == 0
    assert run("connections", "create", "typo", f"LiveAPIKy={canary}") == 1
    assert run("connections", "create", "bad", f"LiveAPIKey={canary};Timeout=x") == 1
    assert run("connections", "create", "o", f"AuthScheme=OAuth2;ClientSecret={canary}") == 1
    oauth = f"AuthScheme=OAuth2;ClientSecret={canary};RefreshToken={token}"
    assert run("connections", "create", "o", oauth, "--no-test") == 0
    assert run("connections", "show", "o") == 0
    assert profiles.update_properties("o", {"RefreshToken": token + "x"})
    assert run("connections", "delete", "saved") == 0
    assert run("connections", "delete", "saved") == 1

    messages = []
    for call in (
        lambda: profiles.save("wrong", wrong),
        lambda: profiles.save("x", {"LiveAPIKey": canary, "MaxRetries": "-1"}, test=False),
        lambda: profiles.update_properties("nope", {"LiveAPIKey": canary}),
    ):
        with pytest.raises(Error) as info:
            call()
        messages.append(str(info.value))

    assert any("Connection unavailable" in text for text in seen)
    assert any("****" in text for text in seen)  # show masked something
    logged = [r.getMessage() for r in caplog.records]
    for text in seen + messages + logged:
        assert canary not in text
        assert token not in text
        assert "CANARY" not in text
    assert canary in (config_dir / "connections.ini").read_text()  # saved as asked, mode 0600
