"""`connections` commands (being written; see the saved-connections and OAuth2 issues)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `connections` command group."""
