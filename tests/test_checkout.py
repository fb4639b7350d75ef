"""A fresh clone runs as it is: `python -m policycheck` without installing policycheck.

The copy holds the tracked files of this checkout; Python runs with -S, so no site-packages
hook (the editable install of this checkout) can lend it a module, and finds the dependencies
(pyyaml, aliyun-python-sdk-core) on PYTHONPATH alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import REPO


def _clone(target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run_uninstalled(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"], "NO_COLOR": "1"}
    environment.pop("PYTHONHOME", None)
    return subprocess.run(
        [sys.executable, "-S", "-m", "policycheck", *args],
        cwd=checkout,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_python_m_policycheck_runs_from_a_fresh_clone(tmp_path):
    checkout = _clone(tmp_path / "clone")
    assert not (checkout / "policycheck" / "schemas").exists()
    probe = run_uninstalled(checkout, "--version")
    assert probe.returncode == 0, probe.stderr
    # Not this checkout's installed copy: the clone's own package answers.
    where = subprocess.run(
        [sys.executable, "-S", "-c", "import policycheck; print(policycheck.__file__)"],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.stdout.strip() == str(checkout / "policycheck" / "__init__.py")
    linted = run_uninstalled(
        checkout, "lint", "policies/examples-bad/broken-grammar.json", "--format", "json"
    )
    assert linted.returncode == 1, linted.stderr
    codes = {finding["code"] for finding in json.loads(linted.stdout)["findings"]}
    assert "SCHEMA" in codes  # the grammar's JSON Schema was found beside the package
    checked = run_uninstalled(checkout, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
