"""Query strings in Stripe's form-encoding, parsed into plain values.

`limit=10&created[gte]=1&expand[]=data.customer&expand[1]=x` becomes
`{"limit": "10", "created": {"gte": "1"}, "expand": ["data.customer", "x"]}`: a name
with `[]` or `[n]` collects a list, `[key]` a mapping, anything else a string (the last
one given wins).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

Value = str | list[str] | dict[str, str]
Params = dict[str, Value]

_KEY = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")


def parse_query(query: str) -> Params:
    """Parse a raw query string into `Params`."""
    params: Params = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        m = _KEY.match(key)
        if m is None:
            params[key] = value
            continue
        name, sub = m.groups()
        if sub == "" or sub.isdigit():
            current = params.get(name)
            params[name] = [*current, value] if isinstance(current, list) else [value]
        else:
            current = params.get(name)
            params[name] = {**current, sub: value} if isinstance(current, dict) else {sub: value}
    return params


def names(params: Params) -> list[str]:
    """Every parameter as Stripe would name it in an error (`created[foo]`, `expand`)."""
    out: list[str] = []
    for name, value in params.items():
        if isinstance(value, dict):
            out.extend(f"{name}[{sub}]" for sub in value)
        else:
            out.append(name)
    return out
