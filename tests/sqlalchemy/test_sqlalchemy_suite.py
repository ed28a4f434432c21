"""The parts of SQLAlchemy's dialect compliance suite that a read-only dialect can run.

`sqlalchemy.testing.suite` needs SQLAlchemy's own pytest plugin, loaded at start-up with
`--dburi`, so it runs in a child pytest process over files written to a temporary
directory (a conftest here would load the plugin into this whole test session). Most of
the suite creates tables and writes rows; docs/sqlalchemy.md lists why those parts do not
apply.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy

CONFTEST = """
import pytest
from sqlalchemy.dialects import registry

registry.register("stripe", "stripe_dbapi.sqlalchemy", "StripeDialect")
# The plugin names the URL's driver explicitly: stripe+stripe_dbapi://
registry.register("stripe.stripe_dbapi", "stripe_dbapi.sqlalchemy", "StripeDialect")
pytest.register_assert_rewrite("sqlalchemy.testing.assertions")

from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: E402,F403
"""

REQUIREMENTS = """
from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements


class Requirements(SuiteRequirements):
    @property
    def table_value_constructor(self):
        return exclusions.open()  # DuckDB runs VALUES as a selectable
"""

SETUP_CFG = """
[tool:pytest]
addopts = -p no:cacheprovider -p no:warnings
[db]
default = stripe:///?Sandbox=true
[sqla_testing]
requirement_cls = stripe_requirements:Requirements
profile_file = profiles.txt
"""

SUITE = """
from sqlalchemy.testing.suite.test_select import ValuesExpressionTest  # noqa: F401

try:  # SQLAlchemy 2's suite; 1.4's has neither class
    from sqlalchemy.testing.suite.test_dialect import ArgSignatureTest, PingTest  # noqa: F401
except ImportError:
    pass
"""
SQLALCHEMY_2 = int(sqlalchemy.__version__.split(".")[0]) >= 2


def test_applicable_compliance_suite_classes_pass(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "stripe_requirements.py").write_text(REQUIREMENTS)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    (tmp_path / "test_suite.py").write_text(SUITE)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "setup.cfg", "--rootdir", ".", "-rA", "-q"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    passed = [line for line in run.stdout.splitlines() if line.startswith("PASSED")]
    assert any("ValuesExpressionTest" in line for line in passed)
    if SQLALCHEMY_2:
        assert any("StripeCompiler" in line for line in passed)
        assert any("PingTest" in line for line in passed)
    assert "FAILED" not in run.stdout
