"""The one JSON codec of the driver's hot path: Stripe's pages in, nested columns out.

Decoding a page and encoding its nested values were most of the driver's CPU per row
with the standard `json` module (issue #15, docs/performance.md); msgspec does both
several times faster. It was chosen over orjson because it keeps integers beyond 64 bits
exact, as `json` does, where orjson turns them into floats: a driver for money never
rounds a number it was given. What msgspec refuses and `json` accepts (`NaN`,
`Infinity`, numbers beyond a double) is decoded by `json`, so no answer that decoded
before fails now.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


def loads(data: bytes) -> Any:
    """A JSON document as Python values; raises ValueError when it is not JSON."""
    try:
        return _decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return json.loads(data)  # NaN, Infinity and the like; malformed text raises


def dumps(value: Any) -> bytes:
    """Compact JSON text (UTF-8) of a decoded value, keys in their order."""
    return _encoder.encode(value)


def dumps_lines(values: Sequence[Any]) -> bytes:
    """The `dumps` text of each value, each followed by a newline, in one call.

    Compact JSON never holds a raw newline (a string escapes it), so the lines are exactly
    the values' texts; one call costs less than one `dumps` a value.
    """
    return _encoder.encode_lines(values)
