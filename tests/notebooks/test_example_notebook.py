"""docs/example.ipynb runs top to bottom, headless, on the sandbox (jupysql, pandas, matplotlib)."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "example.ipynb"


def _outputs(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def _text(output: nbformat.NotebookNode) -> str:
    if output.output_type == "stream":
        return str(output.text)
    return str(output.get("data", {}).get("text/plain", ""))


def test_example_notebook_executes_top_to_bottom(monkeypatch: pytest.MonkeyPatch) -> None:
    # jupysql's telemetry would try the network; the kernel inherits this environment.
    monkeypatch.setenv("PLOOMBER_STATS_ENABLED", "false")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    started = time.monotonic()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed = time.monotonic() - started

    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(_text(o) for o in outputs)
    assert "accounts_capabilities" in text  # the tables listing
    assert "cus_" in text  # the filtered query
    assert "@example.com" in text  # the join
    assert "datetime64[us, UTC]" in text  # read_sql's dtypes
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1  # the monthly revenue chart
    assert elapsed < 60, f"the notebook took {elapsed:.1f} s"
