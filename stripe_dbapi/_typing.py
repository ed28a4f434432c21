"""Type aliases the package shares, each said once (`types.py` is PEP 249's type objects).

A *row* is one Stripe object as decoded JSON, the shape pages arrive in and the sandbox
stores; a *result row* is what a Cursor hands out, a tuple in `description` order.
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]
Rows = list[Row]
ResultRow = tuple[Any, ...]

__all__ = ["ResultRow", "Row", "Rows"]
