"""Take the screenshot in docs/harlequin.md: Harlequin on the sandbox, headless.

    python tools/harlequin_screenshot.py   # writes docs/images/harlequin.svg

Harlequin is a Textual app; Textual runs it without a terminal (`App.run_test`) and saves
what the screen shows as SVG (GitHub shows SVG in Markdown; a PNG rasterised without the
terminal's font set the text badly, so none is kept). Harlequin's own caches and history
go to a temporary directory, not the user's.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "images"
QUERY = """SELECT c.currency, count(*) AS charges, sum(c.amount) AS amount
FROM charges c
WHERE c.status = 'succeeded' AND c.created >= '2026-01-01'
GROUP BY c.currency
ORDER BY amount DESC;"""


async def _shoot(svg: Path) -> None:
    from harlequin import Harlequin

    from stripe_dbapi.harlequin_adapter import StripeAdapter

    app = Harlequin(
        adapter=StripeAdapter(("Sandbox=true",)),
        adapter_name="stripe",
        record_history=False,
        no_download_tzdata=True,
    )
    async with app.run_test(size=(128, 36)) as pilot:
        for _ in range(200):  # connected, catalog loaded, editor ready
            await pilot.pause(0.1)
            if app.editor is not None and app.connection is not None:
                break
        assert app.editor is not None, "Harlequin did not open its editor"
        app.editor.text = QUERY
        await app.action_run_query()
        for _ in range(300):
            await pilot.pause(0.1)
            if not app.results_viewer.loading and app.results_viewer.tab_count:
                break
        await pilot.pause(1.0)
        app.data_catalog.focus()  # open the `stripe` schema to show the tables
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(1.0)
        app.save_screenshot(svg.name, str(svg.parent))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    svg = OUT / "harlequin.svg"
    with tempfile.TemporaryDirectory() as home:
        os.environ.update(
            HOME=home, XDG_CACHE_HOME=home, XDG_CONFIG_HOME=home, XDG_DATA_HOME=home
        )
        asyncio.run(_shoot(svg))
    print(f"wrote {svg.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
