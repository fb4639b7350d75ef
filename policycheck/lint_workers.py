"""Linting a large tree in worker processes: each gets a share of the files already read and
returns their outcomes (findings only, never Documents), which come back in file order.

Processes, not threads: linting is pure Python and CPU-bound. Imported only when a run has
files enough to share (lint.PARALLEL_FROM) or --jobs asks for it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from policycheck.lint_outcome import FileOutcome, FileToLint

CHUNKS_PER_WORKER = 4
"""Shares per worker: a worker that finishes early takes another, so one slow share (large
templates) does not leave the others idle at the end."""


def lint_in_workers(
    lint_one: Callable[..., FileOutcome], todo: list[FileToLint], arguments: tuple[Any, ...], workers: int
) -> list[FileOutcome]:
    """`lint_one(file, *arguments)` of every file, by `workers` processes; the list a loop gives.

    lint_one is passed in (a module-level function, sent by name) so that this module does
    not import the one that calls it.
    """
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, -(-len(todo) // (workers * CHUNKS_PER_WORKER)))
    chunks = [(lint_one, todo[start : start + size], arguments) for start in range(0, len(todo), size)]
    with ProcessPoolExecutor(workers, initializer=_start, initargs=(gc.get_threshold(),)) as pool:
        return [outcome for share in pool.map(_lint_chunk, chunks) for outcome in share]


def _start(thresholds: tuple[int, ...]) -> None:
    """A worker collects garbage as the parent does (cli.main raises the thresholds)."""
    gc.set_threshold(*thresholds)


def _lint_chunk(
    chunk: tuple[Callable[..., FileOutcome], list[FileToLint], tuple[Any, ...]],
) -> list[FileOutcome]:
    lint_one, files, arguments = chunk
    return [lint_one(todo, *arguments) for todo in files]
