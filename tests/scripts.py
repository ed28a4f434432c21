"""Running a snippet in a fresh interpreter that imports this checkout's stripe_dbapi.

For what only a separate process can show: a crash that would take the test run with it,
a real signal, a process's exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_script(code: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `code` (dedented) with this checkout first on the path; its output captured."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
