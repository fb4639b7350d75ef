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
from typing import Any, NamedTuple, NoReturn

from policycheck.lint_outcome import FileOutcome


class HandBack(NamedTuple):
    """Files a worker leaves to the calling process: while `switch(True)` holds, a file whose
    lint_one raises `error` is linted by the caller once the workers run, so that what it
    needs is loaded in one process, not in each, and not before the workers start."""

    switch: Callable[[bool], None]
    error: type[Exception]


SHARE = 64
"""Files per share. Each process takes the next share when it is free, so the last share any
of them finishes is about this size: a few milliseconds of linting, while sending a share's
outcomes costs far less."""


def lint_in_workers(
    lint_one: Callable[..., FileOutcome],
    todo: list[Any],
    arguments: tuple[Any, ...],
    workers: int,
    hand_back: HandBack | None = None,
) -> list[FileOutcome]:
    """`lint_one(file, *arguments)` of every file, by this process and `workers - 1` others; the
    list a loop gives.

    The first share is linted here before any worker starts (forked, they start with the rule
    modules, catalogs and checkers it loaded, instead of loading them each), with the garbage
    collector's objects frozen so the workers' collections do not copy their pages; the files
    of it to hand back wait until the workers run. Then all processes take the other shares
    as they become free, so none waits while there is work, however fast each runs. lint_one
    is passed in (a module-level function) so that this module does not import the one that
    calls it. Files a worker hands back are linted here as their share arrives, between this
    process's own shares.
    """
    size = max(SHARE, -(-len(todo) // MAX_SHARES))
    shares = [todo[start : start + size] for start in range(0, len(todo), size)]
    if hand_back is not None:
        hand_back.switch(True)
    try:
        first = _worker_share(lint_one, shares[0], arguments, _declined(hand_back))
        gc.freeze()
        try:
            if _FORK:
                done = _forked(lint_one, shares, first, arguments, workers, hand_back)
            else:
                done = _pooled(lint_one, shares, first, arguments, workers, hand_back)
        finally:
            gc.unfreeze()
    finally:
        if hand_back is not None:
            hand_back.switch(False)
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
    first: list[FileOutcome | None],
    arguments: tuple[Any, ...],
    workers: int,
    hand_back: HandBack | None,
) -> dict[int, list[FileOutcome]]:
    """Every share's outcomes: the first one's (`first`, done here) completed, shares 1 on
    linted by this process and `workers - 1` forked ones.

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
    done: dict[int, list[FileOutcome]] = {}
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
                _work(lint_one, shares, arguments, numbers, writer, hand_back)  # never returns
            os.close(writer)
            os.set_blocking(reader, False)
            children[pid] = reader
            received[reader] = bytearray()
        if hand_back is not None:
            hand_back.switch(False)
        done[0] = _completed(lint_one, shares[0], first, arguments)
        while (number := _take(numbers)) is not None:
            done[number] = _lint_share(lint_one, shares[number], arguments)
            for reader, buffer in received.items():
                _drain(reader, buffer)
                for sent, outcomes in _unpack(buffer):
                    done[sent] = _completed(lint_one, shares[sent], outcomes, arguments)
        for reader, buffer in received.items():
            os.set_blocking(reader, True)
            _drain(reader, buffer)
            for sent, outcomes in _unpack(buffer):
                done[sent] = _completed(lint_one, shares[sent], outcomes, arguments)
    finally:
        os.close(numbers)
        for pid, reader in children.items():
            os.close(reader)
            os.waitpid(pid, 0)
    missing = [number for number in range(1, len(shares)) if number not in done]
    if missing:
        raise RuntimeError(f"a lint worker process stopped before it finished ({len(missing)} shares left)")
    return done


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


def _unpack(buffer: bytearray) -> list[tuple[int, list[FileOutcome | None]]]:
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
    hand_back: HandBack | None,
) -> NoReturn:
    """A forked worker: shares until none is left, each one's outcomes sent as it is done (the
    calling process unpickles them between its own shares, not all at the end)."""
    status = 1
    try:
        try:
            declined = _declined(hand_back)
            while (number := _take(numbers)) is not None:
                _send(writer, (number, _worker_share(lint_one, shares[number], arguments, declined)))
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
    first: list[FileOutcome | None],
    arguments: tuple[Any, ...],
    workers: int,
    hand_back: HandBack | None,
) -> dict[int, list[FileOutcome]]:
    """Every share's outcomes, as _forked gives them, by this process and a pool of
    `workers - 1` (where workers are not forked).

    Every share is submitted to the pool; this process lints shares from the back, each one
    it can still cancel (not yet sent to a worker), up to the first it cannot.
    """
    from concurrent.futures import ProcessPoolExecutor

    done: dict[int, list[FileOutcome]] = {}
    start = (gc.get_threshold(), hand_back.switch if hand_back else None)
    with ProcessPoolExecutor(workers - 1, initializer=_start, initargs=start) as pool:
        futures = {
            number: pool.submit(_worker_share, lint_one, shares[number], arguments, _declined(hand_back))
            for number in range(1, len(shares))
        }
        if hand_back is not None:
            hand_back.switch(False)
        done[0] = _completed(lint_one, shares[0], first, arguments)
        for number in reversed(futures):
            if not futures[number].cancel():
                break
            done[number] = _lint_share(lint_one, shares[number], arguments)
        for number, future in futures.items():
            if number not in done:
                done[number] = _completed(lint_one, shares[number], future.result(), arguments)
    return done


def _start(thresholds: tuple[int, ...], switch: Callable[[bool], None] | None) -> None:
    """A pool's worker collects garbage as the parent does (cli.main raises the thresholds),
    and hands files back as the parent's first share did."""
    gc.set_threshold(*thresholds)
    if switch is not None:
        switch(True)


def _declined(hand_back: HandBack | None) -> type[Exception] | tuple[()]:
    """What lint_one raises for a file handed back (nothing to catch without a HandBack)."""
    return hand_back.error if hand_back is not None else ()


def _worker_share(
    lint_one: Callable[..., FileOutcome],
    files: list[Any],
    arguments: tuple[Any, ...],
    declined: type[Exception] | tuple[()],
) -> list[FileOutcome | None]:
    """A share's outcomes in a worker; None for a file it hands back."""
    outcomes: list[FileOutcome | None] = []
    for todo in files:
        try:
            outcomes.append(lint_one(todo, *arguments))
        except declined:
            outcomes.append(None)
    return outcomes


def _completed(
    lint_one: Callable[..., FileOutcome],
    files: list[Any],
    outcomes: list[FileOutcome | None],
    arguments: tuple[Any, ...],
) -> list[FileOutcome]:
    """A worker's outcomes with the files it handed back linted here."""
    return [
        lint_one(todo, *arguments) if outcome is None else outcome
        for todo, outcome in zip(files, outcomes, strict=True)
    ]


def _lint_share(
    lint_one: Callable[..., FileOutcome], files: list[Any], arguments: tuple[Any, ...]
) -> list[FileOutcome]:
    return [lint_one(todo, *arguments) for todo in files]
