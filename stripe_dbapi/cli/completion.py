"""Tab completion for the shell: dot commands, SQL keywords, tables and their columns.

Candidates come from the catalog (every table and column) and from sqlglot's list of
keywords, never from a hand-kept list. After FROM or JOIN only tables are offered; after a
dot command its argument (a table, a mode, on/off); elsewhere the columns of the tables
the statement names come first, then keywords and tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from sqlglot.tokens import Tokenizer

from stripe_dbapi.catalog import Catalog

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TABLE_BEFORE = {"FROM", "JOIN", "DESCRIBE", "TABLE"}
KEYWORDS = sorted({k for k in Tokenizer.KEYWORDS if re.fullmatch(r"[A-Z_]+( [A-Z_]+)*", k)})


class SqlCompleter(Completer):
    """Completions for the text before the cursor."""

    def __init__(self, catalog: Catalog, dot_commands: Iterable[str], modes: Iterable[str]):
        self.tables = sorted(t.name for t in catalog)
        self.columns = {t.name: t.column_names for t in catalog}
        self.dot_commands = tuple(dot_commands)
        self.modes = tuple(modes)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        before = document.text_before_cursor
        match = _WORD.search(before)
        word = match.group(0) if match else ""
        head = before[: len(before) - len(word)]
        if before.lstrip().startswith(".") and "\n" not in before:
            yield from self._dot(before.lstrip(), word)
            return
        previous = _NAMES.findall(head)
        last = previous[-1].upper() if previous else ""
        if last in _TABLE_BEFORE and not head.rstrip().endswith(","):
            yield from _matching(word, self.tables)
            return
        named = [n.lower() for n in _NAMES.findall(document.text) if n.lower() in self.columns]
        columns = sorted({c for t in named for c in self.columns[t]})
        keywords = KEYWORDS if not word or word[0].isupper() else [k.lower() for k in KEYWORDS]
        yield from _matching(word, [*columns, *keywords, *self.tables])

    def _dot(self, text: str, word: str) -> Iterator[Completion]:
        command, space, _ = text.partition(" ")
        if not space:
            for name in self.dot_commands:
                if name.startswith(command):
                    yield Completion(name, start_position=-len(command))
            return
        choices: dict[str, Iterable[str]] = {
            ".describe": self.tables,
            ".tables": self.tables,
            ".mode": self.modes,
            ".explain": ("on", "off"),
            ".timing": ("on", "off"),
        }
        yield from _matching(word, choices.get(command.lower(), ()))


def _matching(word: str, candidates: Iterable[str]) -> Iterator[Completion]:
    seen = set()
    lowered = word.lower()
    for candidate in candidates:
        if candidate.lower().startswith(lowered) and candidate not in seen:
            seen.add(candidate)
            yield Completion(candidate, start_position=-len(word))
