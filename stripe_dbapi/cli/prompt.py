"""The shell's line editor: a prompt_toolkit session with history, completion, and Enter
that runs a statement only once it ends with `;` (or is a dot command).

History lives in the user's state directory (platformdirs: `~/.local/state/stripe_dbapi/`
on Linux, honouring `XDG_STATE_HOME`), so it survives across sessions and stays out of
the connections file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import platformdirs
from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from stripe_dbapi.catalog import Catalog
from stripe_dbapi.cli import script
from stripe_dbapi.cli.completion import SqlCompleter
from stripe_dbapi.cli.output import FORMATS

APP = "stripe_dbapi"


def history_path() -> Path:
    """Where the shell keeps its history."""
    return Path(platformdirs.user_state_dir(APP)) / "shell_history"


def ready(text: str) -> bool:
    """Whether Enter should run `text`: a dot command, an empty line, or SQL ending in `;`."""
    stripped = text.strip()
    return not stripped or stripped.startswith(".") or script.is_complete(text)


def _history() -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
    except OSError:  # a read-only home: the shell still works, without saved history
        return InMemoryHistory()
    return FileHistory(str(path))


def make_session(
    catalog: Catalog, dot_commands: Sequence[str], continuation: str
) -> PromptSession[str]:
    """The prompt for one shell session: `dot_commands` are completed, `continuation`
    starts each line after the first."""
    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
        elif ready(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    return PromptSession(
        multiline=True,
        key_bindings=bindings,
        history=_history(),
        completer=SqlCompleter(catalog, dot_commands, FORMATS),
        complete_while_typing=False,
        prompt_continuation=lambda width, line, soft: continuation,
        enable_open_in_editor=True,
    )
