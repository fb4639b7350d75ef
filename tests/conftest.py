"""Shared helpers: run the CLI as users do, and write policy files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run_cli(
    *args: str, cwd: Path | str | None = None, env: dict | None = None, stdin: str | None = None
) -> Run:
    """`python -m policycheck ARGS` in a subprocess, the way a user or CI runs it."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "POLICYCHECK_DEBUG")}
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "policycheck", *args],
        cwd=cwd or REPO,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def git(cwd: Path | str, *args: str) -> None:
    """Run git in `cwd` as a test's throwaway repository needs it (an author, no output)."""
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


def modules_loaded_after(code: str, prefixes: tuple[str, ...], cwd: Path = REPO) -> list[str]:
    """The modules named by `prefixes` that a fresh interpreter has loaded after running `code`
    (in `cwd`): what a command imports, which is most of what its start-up costs."""
    listing = f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))"
    done = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\n{listing}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return eval(done.stdout.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def lint_cache_folder(tmp_path_factory, monkeypatch) -> Path:
    """Every test's lint cache in a temporary folder, never in the repository or a test's tree
    (the CLI in a subprocess inherits the variable)."""
    folder = tmp_path_factory.mktemp("lint-cache")
    monkeypatch.setenv("POLICYCHECK_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def write(tmp_path):
    """write("name.json", dict_or_text) -> path"""

    def _write(name: str, content) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
        return path

    return _write


def policy(*statements: dict) -> dict:
    return {"Version": "1", "Statement": list(statements)}
