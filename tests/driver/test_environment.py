"""The process environment a connection reads: proxies and CA bundles, never ~/.netrc.

The client reads the environment once, when it connects (client._read_environment_once),
instead of on every request as requests does by default.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import stripe_dbapi
from stripe_dbapi.sandbox import SandboxServer


def test_a_netrc_entry_for_the_host_does_not_replace_the_key(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests would send the .netrc login as Basic auth instead of the key (a 401)."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-the-key\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with stripe_dbapi.connect(sandbox.dsn) as conn:
        cur = conn.cursor()
        cur.execute("SELECT id FROM customers LIMIT 2")
        assert len(cur.fetchall()) == 2


def test_a_proxy_in_the_environment_is_used(
    sandbox: SandboxServer, free_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY names a proxy nobody listens on: the connection is unavailable."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port}")
    with pytest.raises(stripe_dbapi.OperationalError):
        stripe_dbapi.connect(sandbox.dsn + ";MaxRetries=0;Timeout=2")


def test_no_proxy_exempts_the_host(
    sandbox: SandboxServer, free_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with stripe_dbapi.connect(sandbox.dsn) as conn:
        cur = conn.cursor()
        cur.execute("SELECT id FROM customers LIMIT 1")
        assert len(cur.fetchall()) == 1
