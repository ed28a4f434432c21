"""The streamed output formats: csv, tsv, json, ndjson and markdown, written as rows arrive.

Each format writes its header as soon as the columns are known and every batch of rows
the moment the cursor hands it over, so `--format ndjson … | head -1` ends after the first
page, not after the scan. Values follow each format's own conventions:

| value       | csv          | tsv        | json / ndjson     | markdown      |
| ----------- | ------------ | ---------- | ----------------- | ------------- |
| NULL        | empty field  | `\\N`       | `null`            | `NULL`        |
| boolean     | `true`/`false` | `true`/`false` | `true`/`false` | `true`/`false` |
| timestamp   | ISO 8601 with offset (`2026-01-31T09:30:00+00:00`) in every format |
| JSON column | its JSON text | its JSON text | the value, nested | its JSON text |
| text        | RFC 4180 quoting | `\\t`, `\\n`, `\\\\` escaped | a JSON string | `\\|` and `<br>` |

tsv follows PostgreSQL's text COPY format (what `\\copy` and most loaders read back);
json is one array streamed element by element; ndjson one object per line. Decimals are
written as exact text: a JSON number would go through a float.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Sequence
from typing import Any, TextIO

from stripe_dbapi.types import NUMBER

STREAMED = ("csv", "tsv", "json", "ndjson", "markdown")

Column = tuple[str, str]  # (name, DuckDB type name) as the cursor's description gives them


def text(value: Any) -> str:
    """A non-NULL value as plain text: ISO 8601 times, lower-case booleans, exact numbers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    return str(value)


def json_value(value: Any, type_name: str) -> Any:
    """A value as JSON data: a JSON column nested, times as ISO strings, no NaN."""
    if value is None:
        return None
    if type_name == "JSON" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value  # not JSON after all: keep the text rather than fail the output
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    if isinstance(value, (dt.datetime, dt.date, dt.time, decimal.Decimal, bytes, dt.timedelta)):
        return text(value)
    if isinstance(value, (list, tuple)):
        return [json_value(v, "") for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v, "") for k, v in value.items()}
    return value


def _json_default(value: Any) -> Any:
    return json_value(value, "")


class Writer:
    """One result in one format: `begin()`, `rows()` for each batch, then `end()`."""

    def __init__(self, out: TextIO, columns: Sequence[Column]) -> None:
        self.out = out
        self.columns = list(columns)
        self.names = [name for name, _ in self.columns]
        self.types = [type_name for _, type_name in self.columns]
        self.count = 0

    def begin(self) -> None:
        """Write what comes before the first row."""

    def rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Write a batch of rows and flush them, so that a reader downstream has them."""
        for row in rows:
            self.row(row)
            self.count += 1
        self.out.flush()

    def row(self, row: Sequence[Any]) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Write what comes after the last row."""
        self.out.flush()


class CsvWriter(Writer):
    """RFC 4180 CSV with a header line; NULL is an empty field, "" an empty quoted one."""

    def begin(self) -> None:
        self.out.write(",".join(_csv_cell(n) for n in self.names) + "\n")

    def row(self, row: Sequence[Any]) -> None:
        self.out.write(",".join(_csv_cell(None if v is None else text(v)) for v in row) + "\n")


def _csv_cell(cell: str | None) -> str:
    """A field quoted only when it must be; "" (an empty string) stays apart from NULL."""
    if cell is None:
        return ""
    if cell == "" or any(ch in cell for ch in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


class TsvWriter(Writer):
    """PostgreSQL's text format: tab-separated, NULL as `\\N`, control characters escaped."""

    _ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

    def begin(self) -> None:
        self.out.write("\t".join(n.translate(self._ESCAPES) for n in self.names) + "\n")

    def row(self, row: Sequence[Any]) -> None:
        cells = ["\\N" if v is None else text(v).translate(self._ESCAPES) for v in row]
        self.out.write("\t".join(cells) + "\n")


class NdjsonWriter(Writer):
    """One JSON object per line, keys in column order."""

    def row(self, row: Sequence[Any]) -> None:
        self.out.write(_json_object(self.names, self.types, row) + "\n")


class JsonWriter(Writer):
    """One JSON array of objects, streamed: `[` first, each object as it comes, `]` last."""

    def begin(self) -> None:
        self.out.write("[")

    def row(self, row: Sequence[Any]) -> None:
        self.out.write(
            ("\n  " if self.count == 0 else ",\n  ") + _json_object(self.names, self.types, row)
        )

    def end(self) -> None:
        self.out.write("\n]\n" if self.count else "]\n")
        self.out.flush()


class MarkdownWriter(Writer):
    """A GitHub-flavoured Markdown table; `|` escaped, line breaks as `<br>`."""

    def begin(self) -> None:
        self.out.write("| " + " | ".join(_md(n) for n in self.names) + " |\n")
        self.out.write("|" + "|".join(_md_rule(t) for t in self.types) + "|\n")

    def row(self, row: Sequence[Any]) -> None:
        cells = ["NULL" if v is None else _md(text(v)) for v in row]
        self.out.write("| " + " | ".join(cells) + " |\n")


def _md_rule(type_name: str) -> str:
    """Numbers right-aligned, as every table of figures is."""
    return " ---: " if is_numeric(type_name) else " --- "


def is_numeric(type_name: str) -> bool:
    """Whether a DuckDB type name is a number (right-aligned in tables): the PEP 249
    NUMBER type object's answer, less the booleans it also counts."""
    return bool(type_name == NUMBER) and not type_name.upper().startswith("BOOLEAN")


def _md(cell: str) -> str:
    return (
        cell.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")
    )


def _json_object(names: Sequence[str], types: Sequence[str], row: Sequence[Any]) -> str:
    data = {n: json_value(v, t) for n, t, v in zip(names, types, row)}
    return json.dumps(data, ensure_ascii=False, default=_json_default)


WRITERS: dict[str, type[Writer]] = {
    "csv": CsvWriter,
    "tsv": TsvWriter,
    "json": JsonWriter,
    "ndjson": NdjsonWriter,
    "markdown": MarkdownWriter,
}
