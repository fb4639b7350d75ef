"""Shared helpers for the catalog tests: the data files, their schemas, and the refresh tool."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "policycheck" / "catalog" / "data"
SCHEMA_DIR = ROOT / "schemas"
SOURCES_DIR = ROOT / "policycheck" / "catalog" / "sources"
CATALOG_FILES = sorted(
    p
    for p in DATA_DIR.glob("*.json")
    if p.name != "global-condition-keys.json" and not p.name.startswith("_")
)


def load_json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="session")
def update_tool() -> ModuleType:
    """tools/update_ice_catalog.py, imported from its file (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "update_ice_catalog", ROOT / "tools" / "update_ice_catalog.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
