"""Parallel lint: worker processes give the same result, in the same order, as one process."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from policycheck import lint_workers
from policycheck.lint import LintSettings, lint_paths
from tests.conftest import run_cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from corpus import generate  # noqa: E402 - the bench's corpus: every kind of defect, trust policies


def test_parallel_output_equals_sequential(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for number, text in enumerate(generate(300, seed=3).ram):
        (folder / f"policy-{number:04d}.json").write_text(text)
    (folder / "broken.yaml").write_text("Version: '1'\nStatement: [\n")
    (folder / "package.json").write_text('{"name": "not a policy"}')
    settings = LintSettings(root=str(folder))
    one = lint_paths([str(folder)], settings, jobs=1)
    three = lint_paths([str(folder)], settings, jobs=3)
    assert one.findings and len({f.code for f in one.findings}) > 5
    assert three.findings == one.findings
    assert [(f.path, f.findings) for f in three.files] == [(f.path, f.findings) for f in one.files]
    assert three.skipped == one.skipped and three.checked == one.checked
    cli = [
        run_cli("lint", str(folder), "--format", "json", "--no-cache", "--jobs", jobs) for jobs in ("1", "2")
    ]
    assert cli[0].out == cli[1].out and cli[0].code == cli[1].code == 1
    assert json.loads(cli[0].out)["findings"]


def test_jobs_must_be_a_positive_number(tmp_path: Path) -> None:
    done = run_cli("lint", str(tmp_path), "--jobs", "0")
    assert done.code == 2 and "not a number of processes" in done.err


PARENT = os.getpid()


def _square(number: int) -> int:
    return number * number


def _fails_from_100(number: int) -> int:
    if number >= 100:
        raise ValueError(f"file {number}")
    return number


def _worker_dies(number: int) -> int:
    if os.getpid() != PARENT:
        os._exit(3)
    time.sleep(0.001)  # a share here takes a while: a worker takes one meanwhile
    return number


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "pool"])
def test_workers_keep_the_order_and_raise_what_one_raised(monkeypatch, fork):
    """Both ways of starting workers (forked here, a pool where fork is not used) give the
    outcomes in file order, and an exception in any process is raised to the caller."""
    monkeypatch.setattr(lint_workers, "_FORK", fork)
    files = list(range(1500))
    assert lint_workers.lint_in_workers(_square, files, (), 3) == [n * n for n in files]
    with pytest.raises(ValueError, match="file 1"):
        lint_workers.lint_in_workers(_fails_from_100, files, (), 3)


def test_a_worker_that_dies_is_an_error_not_missing_findings():
    with pytest.raises(RuntimeError, match="a lint worker process stopped before it finished"):
        lint_workers.lint_in_workers(_worker_dies, list(range(300)), (), 2)
