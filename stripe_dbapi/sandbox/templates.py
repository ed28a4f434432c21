"""Stripe's example objects, used as templates for the generated rows.

`fixtures.json` is the `resources` map of Stripe's `fixtures3` file from the public
stripe/openapi repository (MIT licence, Stripe, Inc.): one real example object per object
type, in current shapes. Rows are shallow copies of a template with their own ids,
amounts, times and references; nested values not overridden are shared between rows, so
nothing may mutate a row's nested values in place.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES_PATH = Path(__file__).with_name("fixtures.json")


@cache
def fixtures() -> dict[str, dict[str, Any]]:
    """Every example object, keyed by object type (`charge`, `checkout.session` …)."""
    with FIXTURES_PATH.open(encoding="utf-8") as fh:
        data: dict[str, dict[str, Any]] = json.load(fh)
    # Only live resources: the `deleted_*` variants share object types with the real ones.
    live = {k: v for k, v in data.items() if not k.startswith("deleted_")}
    by_object = {v["object"]: v for v in live.values() if isinstance(v.get("object"), str)}
    return {**by_object, **live}


def fixture(object_type: str) -> dict[str, Any] | None:
    """The example object for `object_type`, or None when the fixtures lack it."""
    return fixtures().get(object_type)
