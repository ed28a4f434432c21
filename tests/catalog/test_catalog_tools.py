"""The generator and the docs writer: the committed files are what they produce."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tools" / "generate_catalog.py"
GENDOCS = ROOT / "tools" / "gendocs.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_catalog", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


SPEC_PATH = Path(
    os.environ.get(
        "STRIPE_OPENAPI_SPEC",
        ROOT.parent / "shared" / "stripe-openapi" / "spec3-2023-09-12.json",
    )
)
needs_spec = pytest.mark.skipif(not SPEC_PATH.exists(), reason="the OpenAPI spec is not here")


@needs_spec
def test_committed_catalog_is_what_the_generator_writes() -> None:
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr


@needs_spec
def test_check_names_a_stale_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    generator = _generator()
    stale = tmp_path / "catalog.json"
    stale.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(generator, "CATALOG_PATH", stale)
    assert generator.main(["--check"]) == 1
    assert f"{stale} is stale" in capsys.readouterr().err
    assert stale.read_text(encoding="utf-8") == "{}"  # --check never writes


def test_committed_docs_are_what_gendocs_writes() -> None:
    run = subprocess.run(
        [sys.executable, str(GENDOCS), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
