"""Linting a large tree in worker processes, the calling process among them: each takes shares
of the files and returns their outcomes (findings only, never Documents), which come back in
file order.

Processes, not threads: linting is pure Python and CPU-bound. Imported only when a run has
files enough to share (lint.PARALLEL_FROM) or --jobs asks for it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from policycheck.lint_outcome import FileOutcome

SHARE = 64
"""Files per share. Workers take shares from the front and the calling process from the back
until they meet, so the last share any of them finishes is about this size: a few
milliseconds of linting, while sending a share and its outcomes costs far less."""


def lint_in_workers(
    lint_one: Callable[..., FileOutcome], todo: list[Any], arguments: tuple[Any, ...], workers: int
) -> list[FileOutcome]:
    """`lint_one(file, *arguments)` of every file, by this process and `workers - 1` others; the
    list a loop gives.

    The first share is linted here before any worker starts (forked, they start with the rule
    modules, catalogs and checkers it loaded, instead of loading them each), with the garbage
    collector's objects frozen so the workers' collections do not copy their pages. Then every
    other share is submitted to the pool, and this process lints shares from the back, each
    one it can still cancel (not yet sent to a worker), up to the first it cannot: no process
    waits while there is work, however fast each runs, and no share is linted twice.
    lint_one is passed in (a module-level function, sent by name) so that this module does
    not import the one that calls it.
    """
    from concurrent.futures import ProcessPoolExecutor

    shares = [todo[start : start + SHARE] for start in range(0, len(todo), SHARE)]
    here = {0: _lint_share(lint_one, shares[0], arguments)}
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers - 1, initializer=_start, initargs=(gc.get_threshold(),)) as pool:
            futures = {
                number: pool.submit(_lint_share, lint_one, shares[number], arguments)
                for number in range(1, len(shares))
            }
            for number in reversed(futures):
                if not futures[number].cancel():
                    break
                here[number] = _lint_share(lint_one, shares[number], arguments)
            return [
                outcome
                for number in range(len(shares))
                for outcome in (here[number] if number in here else futures[number].result())
            ]
    finally:
        gc.unfreeze()


def _start(thresholds: tuple[int, ...]) -> None:
    """A worker collects garbage as the parent does (cli.main raises the thresholds)."""
    gc.set_threshold(*thresholds)


def _lint_share(
    lint_one: Callable[..., FileOutcome], files: list[Any], arguments: tuple[Any, ...]
) -> list[FileOutcome]:
    return [lint_one(todo, *arguments) for todo in files]
