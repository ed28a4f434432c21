"""The file itself: where it lives, its mode, its format, and errors in a hand-edited one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from stripe_dbapi import profiles
from stripe_dbapi.exceptions import InterfaceError

KEY = "sk_test_abcdefgh12345678"


def test_file_lives_in_the_override_dir_with_mode_0600(config_dir: Path) -> None:
    path = profiles.save("prod", f"LiveAPIKey={KEY}", test=False)
    assert path == config_dir / "connections.ini"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700


def test_file_mode_stays_0600_after_a_rewrite_of_a_loose_file(config_dir: Path) -> None:
    path = profiles.save("prod", f"LiveAPIKey={KEY}", test=False)
    os.chmod(path, 0o644)
    profiles.save("other", f"LiveAPIKey={KEY}", test=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_xdg_config_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRIPE_DBAPI_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert profiles.config_path() == tmp_path / "xdg" / "stripe_dbapi" / "connections.ini"


def test_file_is_readable_ini_with_values_as_written(config_dir: Path) -> None:
    profiles.save("prod", "apikey=${STRIPE_KEY};accountid=acct_1;UseSearch=true", test=False)
    text = (config_dir / "connections.ini").read_text()
    assert "[prod]\nLiveAPIKey = ${STRIPE_KEY}\nAccountId = acct_1\nUseSearch = true\n" in text
    assert profiles.load("prod") == {
        "LiveAPIKey": "${STRIPE_KEY}",
        "AccountId": "acct_1",
        "UseSearch": "true",
    }


def test_no_temp_or_partial_files_are_left_behind(config_dir: Path) -> None:
    for i in range(5):
        profiles.save(f"c{i}", f"LiveAPIKey={KEY}", test=False)
    assert sorted(p.name for p in config_dir.iterdir()) == [
        "connections.ini",
        "connections.ini.lock",
    ]


def test_hand_edits_to_other_sections_and_comments_are_kept(config_dir: Path) -> None:
    config_dir.mkdir()
    path = config_dir / "connections.ini"
    path.write_text("# my connections\n\n[prod]\n# the live account\nLiveAPIKey = ${PROD_KEY}\n")
    profiles.save("test", f"LiveAPIKey={KEY}", test=False)
    text = path.read_text()
    assert text.startswith("# my connections\n\n[prod]\n# the live account\n")
    assert profiles.load("prod") == {"LiveAPIKey": "${PROD_KEY}"}
    profiles.delete("test")
    assert (
        path.read_text()
        == "# my connections\n\n[prod]\n# the live account\nLiveAPIKey = ${PROD_KEY}\n"
    )


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (
            "[prod]\nLiveAPIKy = sk_test_x\n",
            2,
            "unknown connection property `LiveAPIKy`; did you mean `LiveAPIKey`?",
        ),
        (
            "# c\n[prod]\nAuthScheme = APIKey\nTimeout = soon\n",
            4,
            "Timeout must be a number, not `soon`.",
        ),
        (
            "[prod]\nthis line is broken\n",
            2,
            "expected `Property = value`, a `[name]` header or a `#` comment.",
        ),
        ("LiveAPIKey = sk_test_x\n", 1, "a property appears before any `[name]` section header."),
        ("[prod]\n[prod]\n", 2, "the connection `prod` is defined a second time."),
        ("[prod\n", 1, "a section header must look like `[name]`."),
        ("[a b]\n", 1, "`a b` is not a valid connection name."),
        (
            "[prod]\nMaxRetries = 1\nmaxretries = 2\n",
            3,
            "MaxRetries is given a second time in `[prod]`.",
        ),
        (
            "[prod]\nConnectionName = other\n",
            2,
            "a saved connection cannot name another one (ConnectionName).",
        ),
    ],
)
def test_a_hand_edited_mistake_names_the_file_and_line(
    config_dir: Path, text: str, line: int, reason: str
) -> None:
    config_dir.mkdir()
    path = config_dir / "connections.ini"
    path.write_text(text)
    with pytest.raises(InterfaceError) as info:
        profiles.saved_properties("prod")
    assert str(info.value) == f"{path}, line {line}: {reason}"


def test_a_corrupt_file_names_the_file_and_line(config_dir: Path) -> None:
    config_dir.mkdir()
    path = config_dir / "connections.ini"
    path.write_bytes(b"[prod]\nAccountId = acct_1\n\xff\xfe\x00garbage\n")
    with pytest.raises(
        InterfaceError, match=r"connections.ini, line 3: the file is not UTF-8 text"
    ):
        profiles.list_connections()


def test_a_secret_on_a_broken_line_is_not_echoed(config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "connections.ini").write_text("[prod]\nsk_test_CANARY0123456789\n")
    with pytest.raises(InterfaceError) as info:
        profiles.load("prod")
    assert "CANARY" not in str(info.value)
    assert "line 2" in str(info.value)


def test_a_bad_value_from_the_environment_names_the_line(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_dir.mkdir()
    path = config_dir / "connections.ini"
    path.write_text("[prod]\nLiveAPIKey = sk_test_abcdefgh\nMaxRetries = ${RETRIES}\n")
    monkeypatch.setenv("RETRIES", "many")
    with pytest.raises(InterfaceError) as info:
        profiles.saved_properties("prod")
    assert str(info.value) == (
        f"{path}, line 3 ([prod] MaxRetries, resolved): MaxRetries must be a whole number, not `many`."
    )


@pytest.mark.parametrize("name", ["", "a b", "x=y", "a/b", "DEFAULT", "-x", "x" * 65])
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(InterfaceError, match="is not a valid connection name"):
        profiles.save(name, f"LiveAPIKey={KEY}", test=False)
