"""The package as a user gets it: built, checked, installed into a clean virtualenv with
its extras, and run from there (the README's demo query, an engine, pandas, keyring).

It takes minutes (a build and a fresh install from the package index), so the README's
test command skips it and `.ci/run` runs it with STRIPE_DBAPI_PACKAGE_TEST=1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.docs.test_docs import readme_query

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("STRIPE_DBAPI_PACKAGE_TEST") != "1",
    reason="builds and installs the package (minutes); .ci/run sets STRIPE_DBAPI_PACKAGE_TEST=1",
)


def _run(*args: str | Path, cwd: Path, timeout: float = 900) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel built from it, as `python -m build` makes them."""
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out)
    return out


def test_build_makes_an_sdist_and_a_wheel_that_pass_twine_check(dist: Path) -> None:
    import stripe_dbapi

    version = stripe_dbapi.__version__
    names = sorted(p.name for p in dist.iterdir())
    assert names == [f"stripe_dbapi-{version}-py3-none-any.whl", f"stripe_dbapi-{version}.tar.gz"]
    _run(sys.executable, "-m", "twine", "check", "--strict", *dist.iterdir(), cwd=dist)
    with zipfile.ZipFile(dist / names[0]) as wheel:
        files = set(wheel.namelist())
        metadata = wheel.read(f"stripe_dbapi-{version}.dist-info/METADATA").decode()
    assert {"stripe_dbapi/catalog/catalog.json", "stripe_dbapi/py.typed"} <= files
    assert f"stripe_dbapi-{version}.dist-info/licenses/LICENSE" in files
    assert "Classifier: Typing :: Typed" in metadata
    assert "Provides-Extra: sqlalchemy" in metadata and "Project-URL: " in metadata


def test_the_wheel_installs_with_its_extras_and_runs_the_readme_demo(
    dist: Path, tmp_path: Path
) -> None:
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    bin_dir = venv / "bin"
    _run(bin_dir / "pip", "install", "-q", f"{wheel}[sqlalchemy,pandas,keyring]", cwd=tmp_path)

    # From outside the checkout, so only the installed package can answer.
    out = _run(bin_dir / "stripe-dbapi", "query", "--sandbox", readme_query(), cwd=tmp_path)
    header, _, *rows = out.splitlines()
    assert header.split() == ["currency", "charges", "net_revenue"]
    assert {row.split()[0] for row in rows if row.strip() and not row.startswith("(")} >= {
        "usd",
        "eur",
    }

    script = f"""
import importlib.metadata, keyring, pandas as pd, stripe_dbapi
from sqlalchemy import create_engine
assert stripe_dbapi.__file__.startswith(r"{venv}"), stripe_dbapi.__file__
assert importlib.metadata.version("stripe_dbapi") == stripe_dbapi.__version__
engine = create_engine("stripe:///?Sandbox=true")
df = pd.read_sql("SELECT currency, count(*) AS n FROM charges GROUP BY 1 ORDER BY 1", engine)
print(df.to_dict("records"))
"""
    printed = _run(bin_dir / "python", "-c", script, cwd=tmp_path)
    assert "'currency': 'eur'" in printed and "'currency': 'usd'" in printed
