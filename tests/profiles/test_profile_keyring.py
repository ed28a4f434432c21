"""Secrets in the OS keyring (`--keyring`): the file keeps only a reference.

The `keyring` package is an optional extra; without it `--keyring` is a clear error and
the rest of the suite does not need it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from stripe_dbapi import profiles
from stripe_dbapi.exceptions import InterfaceError

KEY = "sk_test_abcdefgh12345678"


def test_without_the_keyring_package_keyring_is_a_clear_error(
    cli, monkeypatch: pytest.MonkeyPatch, config_dir: Path
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # as if it were not installed
    result = cli("connections", "create", "k", f"LiveAPIKey={KEY}", "--no-test", "--keyring")
    assert (result.code, result.err) == (
        1,
        "error: Keeping secrets in the OS keyring needs the `keyring` package: "
        "pip install 'stripe_dbapi[keyring]'.\n",
    )
    assert not (config_dir / "connections.ini").exists()
    config_dir.mkdir()
    (config_dir / "connections.ini").write_text(
        "[k]\nLiveAPIKey = keyring:stripe_dbapi/k/LiveAPIKey\n"
    )
    with pytest.raises(InterfaceError, match="keeps LiveAPIKey in the OS keyring; this needs"):
        profiles.saved_properties("k")


@pytest.fixture
def memory_keyring():
    """A real keyring backend that keeps passwords in a dict (needs `keyring`)."""
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_keyring_keeps_the_secret_and_the_file_a_reference(
    cli, memory_keyring, config_dir: Path
) -> None:
    result = cli(
        "connections", "create", "k", f"LiveAPIKey={KEY};AccountId=acct_1", "--no-test", "--keyring"
    )
    assert result.code == 0, result.err
    text = (config_dir / "connections.ini").read_text()
    assert "LiveAPIKey = keyring:stripe_dbapi/k/LiveAPIKey\n" in text
    assert KEY not in text
    assert memory_keyring.store == {("stripe_dbapi", "k/LiveAPIKey"): KEY}
    assert profiles.saved_properties("k") == {"LiveAPIKey": KEY, "AccountId": "acct_1"}
    assert cli("connections", "show", "k").out == (
        "[k]\nLiveAPIKey = keyring:stripe_dbapi/k/LiveAPIKey\nAccountId = acct_1\n"
    )
    assert profiles.update_properties("k", {"LiveAPIKey": KEY + "new"}) is True
    assert profiles.saved_properties("k")["LiveAPIKey"] == KEY + "new"
    profiles.delete("k")
    assert memory_keyring.store == {}
