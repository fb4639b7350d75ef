"""Parallel lint: worker processes give the same result, in the same order, as one process."""

from __future__ import annotations

import json
import multiprocessing
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


class _Declined(Exception):
    pass


_declining = False


def _decline(elsewhere: bool) -> None:
    global _declining
    _declining = elsewhere


def _odd_ones_declined(number: int) -> tuple[int, bool, bool]:
    """Odd numbers are refused while _decline(True) holds; says where and when it ran."""
    if _declining and number % 2:
        raise _Declined
    here = os.getpid() == PARENT
    if here:
        time.sleep(0.0002)  # so that the worker gets shares too
    return number, here, bool(_forked or multiprocessing.active_children())


_forked: list[int] = []


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "pool"])
def test_files_handed_back_are_linted_by_the_caller_once_workers_run(monkeypatch, fork):
    monkeypatch.setattr(lint_workers, "_FORK", fork)
    real_fork = os.fork

    def noted_fork() -> int:
        pid = real_fork()
        if pid:
            _forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", noted_fork)
    _forked.clear()
    files = list(range(1500))
    hand_back = lint_workers.HandBack(_decline, _Declined)
    outcomes = lint_workers.lint_in_workers(_odd_ones_declined, files, (), 2, hand_back)
    assert [number for number, _, _ in outcomes] == files
    assert not _declining  # the caller declines no more
    assert all(here for number, here, _ in outcomes if number % 2)
    assert not all(here for _, here, _ in outcomes)  # the worker did lint some (the even ones)
    first_share = outcomes[: lint_workers.SHARE]
    assert not any(running for number, _, running in first_share if not number % 2)  # before workers
    assert all(running for number, _, running in first_share if number % 2)  # handed back: after
