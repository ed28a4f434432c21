"""The file that holds saved connections: where it lives, its format, locking, atomic writes.

The format is INI, the shape ODBC has always used for named data sources (`odbc.ini`):
one `[name]` section per connection, one `Property = value` line per property, `#` or
`;` comment lines. It is read by a strict parser written here rather than configparser
(whose interpolation, case folding and continuation lines would silently change values)
or TOML (Python 3.10 has no tomllib, and a TOML writer would still need quoting rules).
Every error names the file and the line, and never echoes a value that may be a secret.

The file is `connections.ini` in `STRIPE_DBAPI_CONFIG_DIR` when set, otherwise in the
user config dir (`platformdirs`, so `$XDG_CONFIG_HOME/stripe_dbapi` on Linux). It is
replaced atomically (a temp file in the same directory, then `os.replace`) with mode
0600, and every read-modify-write holds an exclusive lock on `connections.ini.lock`, so
two processes saving at once both keep their change.

The file is trusted only as the user's own regular file: one owned by another user is
refused, a symbolic link is neither followed nor replaced (the file is opened with
`O_NOFOLLOW`), and a config directory that others can write to (so could swap the file)
is warned about on every read.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from stripe_dbapi.connstr import convert, property_hint
from stripe_dbapi.exceptions import InterfaceError
from stripe_dbapi.properties import lookup

logger = logging.getLogger(__name__)

CONFIG_DIR_ENV = "STRIPE_DBAPI_CONFIG_DIR"
FILE_NAME = "connections.ini"
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # always fullmatch: `$` allows "\n"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

_HEADER = (
    "# stripe_dbapi saved connections (docs/connections.md).\n"
    "# One [name] section per connection and one `Property = value` line per property.\n"
    "# A value may be a ${ENV_VAR} reference, resolved when connecting, or a\n"
    "# keyring:stripe_dbapi/<name>/<Property> reference to the OS keyring.\n"
)


@dataclass
class Section:
    """One saved connection as read: its properties, and its original lines when unchanged."""

    name: str
    properties: dict[str, str]
    lines: dict[str, int] = field(default_factory=dict)  # property → line number, for errors
    raw: list[str] | None = None  # the text as read, kept verbatim until the section changes


@dataclass
class Document:
    """The whole file: its leading comment lines and the sections in order."""

    path: Path
    preamble: list[str]
    sections: dict[str, Section]

    def set(self, name: str, properties: dict[str, str]) -> None:
        """Add or replace a section; it will be written afresh."""
        self.sections[name] = Section(name, dict(properties))

    def render(self) -> str:
        head = "".join(self.preamble)
        if not head.strip():
            head = _HEADER
        blocks = []
        for section in self.sections.values():
            if section.raw is not None:
                blocks.append("".join(section.raw).rstrip("\n") + "\n")
            else:
                body = "".join(f"{key} = {value}\n" for key, value in section.properties.items())
                blocks.append(f"[{section.name}]\n{body}")
        return head.rstrip("\n") + "\n" + "".join("\n" + block for block in blocks)


def config_dir() -> Path:
    """The directory of the saved-connections file."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("stripe_dbapi", appauthor=False))


def config_path() -> Path:
    """The saved-connections file (it may not exist yet)."""
    return config_dir() / FILE_NAME


def check_name(name: str) -> str:
    """A valid connection name, or InterfaceError saying what a name may hold."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or name.upper() == "DEFAULT":
        raise InterfaceError(
            f"`{name}` is not a valid connection name: use 1-64 letters, digits, `_`, `.` "
            "or `-`, starting with a letter or digit."
        )
    return name


def is_reference(value: str) -> bool:
    """Whether a stored value is resolved at connect time (`${ENV}` or `keyring:`)."""
    return "${" in value or value.startswith("keyring:")


def check_value(key: str, value: str) -> str:
    """Reject what the file cannot hold, and values the property cannot take."""
    prop = lookup(key)
    assert prop is not None
    if any(ch in value for ch in "\r\n\x00"):
        raise InterfaceError(f"The value of {prop.name} may not contain a line break.")
    if not is_reference(value):
        convert(prop, value)
    return value


def read(path: Path | None = None) -> Document:
    """Parse the file (an empty document when it does not exist)."""
    path = path or config_path()
    _check_dir(path.parent)
    if not _NOFOLLOW:
        _check_target(path)  # no O_NOFOLLOW (Windows): look before opening
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        return Document(path, [], {})
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _symlink_error(path) from None
        raise InterfaceError(
            f"Cannot read the saved connections in {path}: {exc.strerror}."
        ) from None
    try:
        with os.fdopen(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            _check_owner(path, status)
            data = handle.read()
    except OSError as exc:  # a directory where the file should be, an I/O error
        raise InterfaceError(
            f"Cannot read the saved connections in {path}: {exc.strerror}."
        ) from None
    if os.name == "posix" and status.st_mode & 0o077:
        logger.warning("%s can be read by other users; run `chmod 600 %s`.", path, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InterfaceError(f"{path}, line {line}: the file is not UTF-8 text.") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Document:
    """The document in `text`; InterfaceError naming `path` and the line on any mistake."""
    preamble: list[str] = []
    sections: dict[str, Section] = {}
    current: Section | None = None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()

        def fail(reason: str, number: int = number) -> InterfaceError:
            return InterfaceError(f"{path}, line {number}: {reason}")

        if current is None and (not stripped or stripped[0] in "#;"):
            preamble.append(line)
            continue
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                raise fail("a section header must look like `[name]`.")
            name = stripped[1:-1].strip()
            if not NAME_RE.fullmatch(name) or name.upper() == "DEFAULT":
                raise fail(f"`{name}` is not a valid connection name.")
            if name in sections:
                raise fail(f"the connection `{name}` is defined a second time.")
            current = sections[name] = Section(name, {}, raw=[])
        elif current is None:
            raise fail("a property appears before any `[name]` section header.")
        elif stripped and stripped[0] not in "#;":
            key, eq, value = stripped.partition("=")
            key, value = key.strip(), value.strip()
            if not eq or not key:
                raise fail("expected `Property = value`, a `[name]` header or a `#` comment.")
            prop = lookup(key)
            if prop is None:
                raise fail(f"unknown connection property `{key}`{property_hint(key)}")
            if prop.name == "ConnectionName":
                raise fail("a saved connection cannot name another one (ConnectionName).")
            if prop.name in current.properties:
                raise fail(f"{prop.name} is given a second time in `[{current.name}]`.")
            try:
                check_value(prop.name, value)
            except InterfaceError as exc:
                raise fail(str(exc)) from None
            current.properties[prop.name] = value
            current.lines[prop.name] = number
        assert current is not None
        assert current.raw is not None
        current.raw.append(line)
    for section in sections.values():
        # trailing blank lines belong to the gap between sections, which render() re-creates
        while section.raw and not section.raw[-1].strip():
            section.raw.pop()
    return Document(path, preamble, sections)


def write(doc: Document) -> None:
    """Replace the file with `doc` atomically, mode 0600."""
    directory = doc.path.parent
    ensure_dir(directory)
    _check_target(doc.path)  # os.replace would silently replace a symlink or another's file
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{FILE_NAME}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(doc.render())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, doc.path)
    except BaseException:
        with contextlib.suppress(OSError):  # the temp file may already be gone; the error matters
            os.unlink(tmp)
        raise


def ensure_dir(directory: Path) -> None:
    """Create the config directory with mode 0700 (an existing one is left as it is)."""
    if not directory.is_dir():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)


@contextlib.contextmanager
def locked(path: Path | None = None) -> Iterator[Document]:
    """Hold the store's lock and yield the current document; the caller writes it back."""
    path = path or config_path()
    ensure_dir(path.parent)
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _symlink_error(lock_path) from None
        raise InterfaceError(
            f"Cannot lock the saved connections with {lock_path}: {exc.strerror}."
        ) from None
    try:
        _lock(fd)
        yield read(path)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _check_dir(directory: Path) -> None:
    """Warn when others may write to the directory: they could replace the file in it."""
    try:
        mode = directory.stat().st_mode
    except OSError:
        return  # not there yet: ensure_dir creates it 0700
    if os.name == "posix" and mode & 0o022:
        logger.warning(
            "%s can be written by other users, who could replace the saved connections in "
            "it; run `chmod go-w %s`.",
            directory,
            directory,
        )


def _check_target(path: Path) -> None:
    """InterfaceError when `path` is a symlink or another user's file (absent is fine)."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(status.st_mode):
        raise _symlink_error(path)
    _check_owner(path, status)


def _check_owner(path: Path, status: os.stat_result) -> None:
    if hasattr(os, "geteuid") and status.st_uid != os.geteuid():
        raise InterfaceError(
            f"{path} belongs to another user, so its saved connections are not used; "
            "remove it or make it your own."
        )


def _symlink_error(path: Path) -> InterfaceError:
    return InterfaceError(
        f"{path} is a symbolic link, which stripe_dbapi neither follows nor replaces; put "
        "the file itself there."
    )


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: lock the first byte instead, blocking until it is free
        import msvcrt

        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                return
            except OSError:  # LK_LOCK gives up after ~10 s; another writer is slow, wait on
                continue
    fcntl.flock(fd, fcntl.LOCK_EX)
