"""The differences between the library versions the package supports, in one place.

The driver runs inside other people's environments — released Apache Superset pins
SQLAlchemy 1.4 and sqlglot 28 — so it supports a range of each library (pyproject.toml).
Where their APIs differ, the rest of the package uses the names below and never asks
which version it has. `.ci/oldest` runs the planner, dialect and driver tests with the
oldest versions, so a difference missing here fails there.

The sqlglot half is imported by the pure query layer; the SQLAlchemy half imports
SQLAlchemy only inside its functions, which only the dialect calls (SQLAlchemy is an
optional dependency).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from sqlglot import exp
from sqlglot.optimizer.scope import walk_in_scope

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

# -- sqlglot 28 and 30 -----------------------------------------------------------------

# The data-type enum: `exp.DType` since sqlglot 30, `exp.DataType.Type` before (and
# still, as an alias, in 30).
DType: Any = getattr(exp, "DType", None) or exp.DataType.Type

_E = TypeVar("_E")


def find_all_in_scope(expression: Any, *types: type[_E]) -> Iterator[_E]:
    """The nodes of `types` in `expression`'s scope, not descending into subscopes.

    sqlglot 30 takes the types as separate arguments and 28 as one tuple; walking the
    scope (the same in both) and filtering here needs neither.
    """
    for node in walk_in_scope(expression):
        if isinstance(node, types):
            yield node


# -- SQLAlchemy 1.4 and 2.x ---------------------------------------------------------------


def double_type() -> TypeEngine[Any]:
    """An 8-byte float column type: `Double` in SQLAlchemy 2, a 53-bit `Float` in 1.4."""
    from sqlalchemy import types

    double = getattr(types, "Double", None)
    return double() if double is not None else types.Float(precision=53)

