"""A real wheel installs and works from a clean virtualenv, schemas and data included."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv

import pytest

from tests.conftest import REPO


def _listed_packages() -> set[str]:
    text = (REPO / "pyproject.toml").read_text()
    block = re.search(r"^packages = \[(.*?)\]", text, re.S | re.M).group(1)
    return set(re.findall(r'"([\w.]+)"', block))


def test_every_subpackage_is_listed_in_pyproject():
    found = {"policycheck.schemas"} | {
        ".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "policycheck").rglob("__init__.py")
    }
    assert _listed_packages() == found


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the wheel and install it (with its dependencies) into a fresh virtualenv."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root / "dist"), str(REPO)],
        check=True,
        timeout=600,
    )
    [wheel] = (root / "dist").glob("policycheck-*.whl")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, timeout=600)
    return root, wheel, python


def test_wheel_contains_schemas_and_data(installed):
    import zipfile

    _, wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in (REPO / "schemas").glob("*.json"):
        assert f"policycheck/schemas/{schema.name}" in names
    assert "policycheck/data/codes.json" in names
    assert "policycheck/data/demo-world.yaml" in names


def test_installed_emulator_has_its_demo_world(installed, tmp_path):
    """`policycheck emulator` with no --world works after pip install (it used to say "no such
    world file"): the demo world loads from the installed package, outside any checkout."""
    _, _, python = installed
    code = (
        "from policycheck.data import DEMO_WORLD; from policycheck.emulator.world import load_world; "
        "w = load_world(DEMO_WORLD); print(DEMO_WORLD, len(w.accounts))"
    )
    run = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[1] == "2" and "venv" in run.stdout.split()[0]


def test_installed_tool_lints_outside_the_source_tree(installed, tmp_path):
    root, _, python = installed
    good = tmp_path / "good.json"
    good.write_text((REPO / "policies/ice-iproduction-query.json").read_text())
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"Version": "1", "Statement": [{"Effect": "allow", "Action": "a:b", "Resource": "*"}]})
    )
    script = root / "venv" / "bin" / "policycheck"
    ok = subprocess.run(
        [str(script), "lint", str(good)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stderr
    failed = subprocess.run(
        [str(python), "-m", "policycheck", "lint", str(bad), "--format", "sarif"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["runs"][0]["results"][0]["ruleId"] == "SCHEMA"
    where = subprocess.run(
        [str(python), "-c", "import policycheck; print(policycheck.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert str(root / "venv") in where.stdout


def test_an_installed_wheel_needs_no_jsonschema_and_is_signed_by_its_record(installed, tmp_path):
    """Schema findings are worded without jsonschema (a test-only dependency), and the lint
    cache finds pip's RECORD beside the installed package (lint_cache.package_signature)."""
    _, _, python = installed
    code = (
        "import importlib.util, os; from policycheck import __version__; "
        "from policycheck.lint_cache import PACKAGE_ROOT; "
        "print(importlib.util.find_spec('jsonschema') is None); "
        "print(os.path.isfile(os.path.join(os.path.dirname(PACKAGE_ROOT), "
        "f'policycheck-{__version__}.dist-info', 'RECORD')))"
    )
    run = subprocess.run(  # not from the repository, whose checkout `-c` would import
        [str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]
