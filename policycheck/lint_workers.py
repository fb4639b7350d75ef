"""Linting a large tree in worker processes, the calling process among them: each takes shares
of the files and returns their outcomes (findings only, never Documents), which come back in
file order.

Processes, not threads: linting is pure Python and CPU-bound. Imported only when a run has
files enough to share (lint.PARALLEL_FROM) or --jobs asks for it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import struct
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from policycheck.lint_outcome import FileOutcome

SHARE = 64
"""Files per share. Each process takes the next share when it is free, so the last share any
of them finishes is about this size: a few milliseconds of linting, while sending a share's
outcomes costs far less."""


def lint_in_workers(
    lint_one: Callable[..., FileOutcome],
    todo: list[Any],
    arguments: tuple[Any, ...],
    workers: int,
) -> list[FileOutcome]:
    """`lint_one(file, *arguments)` of every file, by this process and `workers - 1` others; the
    list a loop gives.

    The first share is linted here before any worker starts (forked, they start with the rule
    modules, catalogs and checkers it loaded, instead of loading them each), with the garbage
    collector's objects frozen so the workers' collections do not copy their pages. Then all
    processes take the other shares as they become free, so none waits while there is work,
    however fast each runs. lint_one is passed in (a module-level function) so that this
    module does not import the one that calls it.
    """
    size = max(SHARE, -(-len(todo) // MAX_SHARES))
    shares = [todo[start : start + size] for start in range(0, len(todo), size)]
    done = {0: _lint_share(lint_one, shares[0], arguments)}
    gc.freeze()
    try:
        if _FORK:
            _forked(lint_one, shares, arguments, workers, done)
        else:
            _pooled(lint_one, shares, arguments, workers, done)
    finally:
        gc.unfreeze()
    return [outcome for number in range(len(shares)) for outcome in done[number]]


MAX_SHARES = 8192
"""More files make larger shares: the share numbers (4 bytes each) are written to a pipe at
once, and must fit in its buffer (64 KB)."""

_FORK = os.name == "posix" and sys.platform != "darwin"
"""Where fork is the way to start a worker (not on macOS, whose system libraries may not
survive it, nor on Windows, which has none): the workers are forked directly, sharing a pipe
of share numbers, rather than started by concurrent.futures, whose import (multiprocessing,
logging, threads) alone took 15 to 20 ms of a 3,000-file lint's 400."""

_NUMBER = struct.Struct("<I")


def _forked(
    lint_one: Callable[..., FileOutcome],
    shares: list[list[Any]],
    arguments: tuple[Any, ...],
    workers: int,
    done: dict[int, list[FileOutcome]],
) -> None:
    """Fill `done` (share 0's outcomes, from here) with shares 1 on, linted by this process and
    `workers - 1` forked ones.

    The share numbers wait in one pipe, written before any worker starts; every process
    reads the next one when it is free (a read of 4 bytes from a pipe is whole), until none is
    left. A worker sends its outcomes back pickled through a pipe of its own, which this
    process empties and unpickles between its shares, and leaves with os._exit (nothing of
    this process's exit, its buffers or handlers, runs twice). A worker that raises sends the
    exception, raised here; one that dies leaves shares without outcomes, an error here too.
    """
    import fcntl

    numbers, numbers_in = os.pipe()
    os.write(numbers_in, b"".join(_NUMBER.pack(number) for number in range(1, len(shares))))
    os.close(numbers_in)  # read to the end, the pipe says so
    children: dict[int, int] = {}  # pid -> the read end of its outcomes pipe
    received: dict[int, bytearray] = {}
    try:
        for _ in range(workers - 1):
            reader, writer = os.pipe()
            with contextlib.suppress(AttributeError, OSError):  # Linux: room for a worker's outcomes
                fcntl.fcntl(writer, fcntl.F_SETPIPE_SZ, 1 << 20)
            try:
                pid = os.fork()
            except OSError:
                os.close(reader)
                os.close(writer)
                raise
            if pid == 0:
                os.close(reader)
                _work(lint_one, shares, arguments, numbers, writer)  # never returns
            os.close(writer)
            os.set_blocking(reader, False)
            children[pid] = reader
            received[reader] = bytearray()
        while (number := _take(numbers)) is not None:
            done[number] = _lint_share(lint_one, shares[number], arguments)
            for reader, buffer in received.items():
                _drain(reader, buffer)
                done.update(_unpack(buffer))
        for reader, buffer in received.items():
            os.set_blocking(reader, True)
            _drain(reader, buffer)
            done.update(_unpack(buffer))
    finally:
        os.close(numbers)
        for pid, reader in children.items():
            os.close(reader)
            os.waitpid(pid, 0)
    missing = [number for number in range(1, len(shares)) if number not in done]
    if missing:
        raise RuntimeError(f"a lint worker process stopped before it finished ({len(missing)} shares left)")


def _take(numbers: int) -> int | None:
    data = os.read(numbers, _NUMBER.size)
    return _NUMBER.unpack(data)[0] if data else None


def _drain(reader: int, into: bytearray) -> None:
    """Read what a worker sent so far (to the end, if the pipe blocks)."""
    while True:
        try:
            data = os.read(reader, 1 << 20)
        except BlockingIOError:
            return
        if not data:
            return
        into += data


def _unpack(buffer: bytearray) -> list[tuple[int, list[FileOutcome]]]:
    """Take the whole messages off the front of what a worker sent: each is its size, then a
    pickled (share number, outcomes), or (-1, the exception it raised), raised here."""
    messages = []
    start = 0
    while len(buffer) - start >= _NUMBER.size:
        size = _NUMBER.unpack_from(buffer, start)[0]
        end = start + _NUMBER.size + size
        if len(buffer) < end:
            break
        number, outcomes = pickle.loads(buffer[start + _NUMBER.size : end])
        if isinstance(outcomes, BaseException):
            raise outcomes
        messages.append((number, outcomes))
        start = end
    del buffer[:start]
    return messages


def _work(
    lint_one: Callable[..., FileOutcome],
    shares: list[list[Any]],
    arguments: tuple[Any, ...],
    numbers: int,
    writer: int,
) -> NoReturn:
    """A forked worker: shares until none is left, each one's outcomes sent as it is done (the
    calling process unpickles them between its own shares, not all at the end)."""
    status = 1
    try:
        try:
            while (number := _take(numbers)) is not None:
                _send(writer, (number, _lint_share(lint_one, shares[number], arguments)))
        except Exception as error:  # noqa: BLE001 - raised again in the parent
            _send(writer, (-1, error))
        status = 0
    finally:
        os._exit(status)


def _send(writer: int, message: tuple[int, Any]) -> None:
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    view = memoryview(_NUMBER.pack(len(data)) + data)
    while view:
        view = view[os.write(writer, view) :]


def _pooled(
    lint_one: Callable[..., FileOutcome],
    shares: list[list[Any]],
    arguments: tuple[Any, ...],
    workers: int,
    done: dict[int, list[FileOutcome]],
) -> None:
    """Fill `done` as _forked does, by this process and a pool of `workers - 1` (where workers
    are not forked).

    Every share is submitted to the pool; this process lints shares from the back, each one
    it can still cancel (not yet sent to a worker), up to the first it cannot.
    """
    from concurrent.futures import ProcessPoolExecutor

    # the pool's workers collect garbage as this process does (cli.main raises the thresholds)
    with ProcessPoolExecutor(workers - 1, initializer=gc.set_threshold, initargs=gc.get_threshold()) as pool:
        futures = {
            number: pool.submit(_lint_share, lint_one, shares[number], arguments)
            for number in range(1, len(shares))
        }
        for number in reversed(futures):
            if not futures[number].cancel():
                break
            done[number] = _lint_share(lint_one, shares[number], arguments)
        for number, future in futures.items():
            if number not in done:
                done[number] = future.result()


def _lint_share(
    lint_one: Callable[..., FileOutcome], files: list[Any], arguments: tuple[Any, ...]
) -> list[FileOutcome]:
    return [lint_one(todo, *arguments) for todo in files]
