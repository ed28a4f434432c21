"""Issue #14: the saved-connections file is trusted only when it is the user's own regular
file: another owner is refused, a symlink is neither followed nor replaced, and a config
directory others can write to is warned about.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from stripe_dbapi import profiles
from stripe_dbapi.exceptions import InterfaceError

KEY = "sk_test_abcdefgh12345678"

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX owners, modes and symlinks")


def _another_owner(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `path` belong to someone else: really when we are root, else by our own uid."""
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
    else:
        uid = os.geteuid() + 1
        monkeypatch.setattr(os, "geteuid", lambda: uid)


@posix_only
def test_a_file_owned_by_another_user_is_refused(config_dir: Path, monkeypatch) -> None:
    path = profiles.save("prod", f"LiveAPIKey={KEY}", test=False)
    _another_owner(path, monkeypatch)
    with pytest.raises(InterfaceError) as caught:
        profiles.load("prod")
    assert str(caught.value) == (
        f"{path} belongs to another user, so its saved connections are not used; "
        "remove it or make it your own."
    )
    with pytest.raises(InterfaceError, match="belongs to another user"):
        profiles.save("other", f"LiveAPIKey={KEY}", test=False)


@posix_only
def test_a_symlinked_file_is_neither_followed_nor_replaced(config_dir: Path, tmp_path) -> None:
    target = tmp_path / "elsewhere.ini"
    target.write_text(f"[prod]\nLiveAPIKey = {KEY}\n")
    os.chmod(target, 0o600)
    config_dir.mkdir(mode=0o700)
    link = config_dir / "connections.ini"
    link.symlink_to(target)
    message = (
        f"{link} is a symbolic link, which stripe_dbapi neither follows nor replaces; "
        "put the file itself there."
    )
    with pytest.raises(InterfaceError) as caught:
        profiles.load("prod")
    assert str(caught.value) == message
    with pytest.raises(InterfaceError) as caught:
        profiles.save("other", f"LiveAPIKey={KEY}", test=False)
    assert str(caught.value) == message
    assert link.is_symlink()
    assert target.read_text() == f"[prod]\nLiveAPIKey = {KEY}\n"


@posix_only
@pytest.mark.parametrize("mode", [0o770, 0o777, 0o703])
def test_a_config_dir_others_can_write_is_warned_about(config_dir: Path, caplog, mode) -> None:
    profiles.save("prod", f"LiveAPIKey={KEY}", test=False)
    os.chmod(config_dir, mode)
    caplog.set_level(logging.WARNING, logger="stripe_dbapi")
    profiles.load("prod")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"{config_dir} can be written by other users, who could replace the saved "
        f"connections in it; run `chmod go-w {config_dir}`."
    ]


@posix_only
def test_a_private_config_dir_and_own_file_give_no_warning(config_dir: Path, caplog) -> None:
    profiles.save("prod", f"LiveAPIKey={KEY}", test=False)
    caplog.set_level(logging.WARNING, logger="stripe_dbapi")
    assert profiles.load("prod") == {"LiveAPIKey": KEY}
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_directory_where_the_file_should_be_is_an_interface_error(config_dir: Path) -> None:
    (config_dir / "connections.ini").mkdir(parents=True)
    with pytest.raises(InterfaceError, match="Cannot read the saved connections in"):
        profiles.load("prod")
