"""EXPLAIN: a Plan as rows, one per Stripe call, without calling Stripe. Pure.

Each scan's predicates are marked as its calls express them: "exact" (every call sends
it whole), "widened" (a superset of the rows is fetched) or "left to the engine".
"""

from __future__ import annotations

from stripe_dbapi.query.plan import Plan, Scan

_MARKS = {"exact": "exact", "widened": "widened", "dropped": "left to the engine"}

EXPLAIN_COLUMNS = ("step", "table", "request", "pages", "detail")


def explain_rows(plan: Plan) -> list[tuple[str, str, str, str, str]]:
    """One row per Stripe call (or fan-out), then one for what the engine still does."""
    rows: list[tuple[str, str, str, str, str]] = []

    def add_scan(scan: Scan, step: str) -> None:
        marks = (f"{_MARKS[status]}: {text}" for text, status in scan.predicates)
        detail = "; ".join((*marks, *scan.notes))
        if scan.keyed is not None:
            add_keyed(scan, step)
            otherwise = "otherwise (more keys): this whole-table read"
            detail = f"{otherwise}; {detail}" if detail else otherwise
        if scan.fanout is not None:
            f = scan.fanout
            add_scan(f.parent, f"{step}.parent")
            where = "path" if f.in_path else f"param {f.param}"
            how = f"fan-out: one call per {f.parent.table}.id in the {where}"
            if f.embedded:
                how = (
                    f"fan-out: rows read from each {f.parent.table} row's embedded "
                    f"`{f.embedded}` list; one call per {f.parent.table}.id in the {where} "
                    "only where that list is truncated (has_more)"
                )
            rows.append(
                (
                    step,
                    scan.table,
                    f.template.describe(),
                    "per parent" if not f.embedded else "per truncated parent",
                    how + (f"; {detail}" if detail else ""),
                )
            )
            return
        if not scan.calls:
            rows.append((step, scan.table, "(none)", "0", detail or "no Stripe call needed"))
        for call in scan.calls:
            text = detail
            if call.slice:
                sliced = (
                    f"parallel: after the first page, split into {call.slice} slices "
                    f"({call.slice}[gte]=a&{call.slice}[lt]=b) fetched concurrently"
                )
                text = f"{detail}; {sliced}" if detail else sliced
            rows.append((step, scan.table, call.describe(), call.pages(), text))

    def add_keyed(scan: Scan, step: str) -> None:
        k = scan.keyed
        assert k is not None
        source = f"{k.source_alias}.{k.source_column}"
        for template in k.templates:
            rows.append(
                (
                    f"{step}.keyed",
                    scan.table,
                    template.describe(),
                    "per key",
                    f"decided at run time, after scan {k.source} is read: one call per "
                    f"distinct non-null {source} ({k.equality}) if that is at most "
                    f"{k.max_calls} calls, else the whole-table read below",
                )
            )

    for scan in plan.scans:
        add_scan(scan, f"scan {scan.index}")
    work = "; ".join(plan.engine_work) if plan.engine_work else "returns the rows"
    rows.append(("engine", "", "DuckDB", "", f"{work}. SQL: {plan.sql}"))
    return rows
