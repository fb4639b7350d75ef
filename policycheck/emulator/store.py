"""The emulator's state in SQLite: jobs, ClientToken answers and seen signature nonces.

SQLite (standard library, WAL) so the state survives restarts and stays right under many
threads: every write runs in a `BEGIN IMMEDIATE` transaction, and primary keys make a
second writer of the same job, token or nonce fail instead of silently winning.
Connections are pooled: one per concurrently running request, reused afterwards.

Writes of one process take turns behind a threading lock before they ask SQLite for its
write lock: a writer that finds SQLite's lock taken sleeps in SQLite's busy handler (1, 2,
5 ... 100 ms), which is where handlers spent ~80% of their time when every request wrote
its nonce that way; a threading lock hands over as soon as it is free. SQLite's lock still
orders this process against other emulators sharing the file.

Nonces, written by every request: a replay within this process is refused from memory;
a fresh nonce is one autocommit upsert (no transaction of its own, no per-request DELETE:
expired rows are swept once a minute), committed before the request is answered, so a
replay is refused after a restart and by another emulator sharing the database.
"""

from __future__ import annotations

import itertools
import json
import math
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from policycheck.emulator.errors import ApiError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    account_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    params TEXT NOT NULL,
    create_time REAL NOT NULL,
    cancel_time REAL,
    PRIMARY KEY (account_id, job_id)
);
CREATE TABLE IF NOT EXISTS client_tokens (
    account_id TEXT NOT NULL,
    action TEXT NOT NULL,
    token TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    answer TEXT NOT NULL,
    PRIMARY KEY (account_id, action, token)
);
DROP TABLE IF EXISTS nonces;
CREATE TABLE IF NOT EXISTS signature_nonces (
    scope TEXT NOT NULL,
    access_key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (scope, access_key_id, nonce)
);
CREATE INDEX IF NOT EXISTS signature_nonces_by_expiry ON signature_nonces (scope, expires_at);
"""
"""`nonces` (before nonce scopes) is dropped: its rows would never expire."""


@dataclass(frozen=True, slots=True)
class StoredJob:
    job_id: str
    account_id: str
    params: dict[str, Any]
    """SubmitIProductionJob's parameters, JSON values parsed (see ice.submit_params)."""
    create_time: float
    cancel_time: float | None


def _job(row: tuple[Any, ...] | None) -> StoredJob | None:
    if row is None:
        return None
    account_id, job_id, params, create_time, cancel_time = row
    return StoredJob(job_id, account_id, json.loads(params), create_time, cancel_time)


class Transaction:
    """The writes a handler may make inside `Store.once`; all commit together or not at all."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def insert_job(self, job: StoredJob) -> None:
        self._db.execute(
            "INSERT INTO jobs VALUES (?, ?, ?, ?, ?)",
            (
                job.account_id,
                job.job_id,
                json.dumps(job.params, sort_keys=True),
                job.create_time,
                job.cancel_time,
            ),
        )

    def get_job(self, account_id: str, job_id: str) -> StoredJob | None:
        return _job(
            self._db.execute(
                "SELECT * FROM jobs WHERE account_id = ? AND job_id = ?", (account_id, job_id)
            ).fetchone()
        )

    def set_cancel_time(self, account_id: str, job_id: str, when: float) -> None:
        self._db.execute(
            "UPDATE jobs SET cancel_time = ? WHERE account_id = ? AND job_id = ?", (when, account_id, job_id)
        )


NONCE_SWEEP_SECONDS = 60.0
"""How often (in request time) a scope's expired nonces are deleted from the database."""

NONCE_MEMORY = 4096
NONCE_MEMORY_MAX = 100_000
"""In-memory nonces kept before the expired ones are dropped (the bound then doubles with the live
ones, up to NONCE_MEMORY_MAX; past that the oldest are dropped too). Memory only spares SQLite the
replays: every fresh-looking nonce is still checked by the database's upsert."""

WRITE_WAIT_SECONDS = 60.0
"""The longest a write waits for this process's other writes; then the request is refused (503)."""

_UPSERT_NONCE = (
    "INSERT INTO signature_nonces VALUES (?, ?, ?, ?)"
    " ON CONFLICT (scope, access_key_id, nonce) DO UPDATE SET expires_at = excluded.expires_at"
    " WHERE signature_nonces.expires_at < ?"
)
"""A new nonce, or an expired row taken over: one changed row. A live nonce: none."""

_SWEEP_NONCES = "DELETE FROM signature_nonces WHERE scope = ? AND expires_at < ?"


class Store:
    """One SQLite database file; safe to share between threads (and between processes)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        """Held by this process's one writer at a time (see the module docstring)."""
        with self._connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
        self._claimed: dict[tuple[str, str, str], float] = {}
        """Nonces this process accepted, with their expiry: a replay is refused without SQLite."""
        self._memory_bound = NONCE_MEMORY
        self._claims = threading.Lock()
        self._nonce_db: sqlite3.Connection | None = None
        self._next_sweep: dict[str, float] = {}

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        # WAL with synchronous=NORMAL: a crash may lose the last commits, never corrupt the file.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            self._all.append(db)
        return db

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            db = self._idle.get_nowait()
        except queue.Empty:
            db = self._open()
        try:
            yield db
        finally:
            self._idle.put(db)

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's write turn; ServiceUnavailable after WRITE_WAIT_SECONDS."""
        if not self._writing.acquire(timeout=WRITE_WAIT_SECONDS):
            raise ApiError("ServiceUnavailable")
        try:
            yield
        finally:
            self._writing.release()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE takes the write lock up front, so two
        read-then-write transactions cannot both read the old state."""
        with self._turn(), self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        """Close every connection (every write was committed before its caller returned)."""
        with self._lock:
            self._nonce_db = None
            for db in self._all:
                db.close()
            self._all.clear()

    def remember_nonce(self, scope: str, access_key_id: str, nonce: str, now: float, keep: float) -> bool:
        """Record a nonce for `keep` seconds; False when this key already used it in `scope`.

        Returns once the nonce is committed (so a restart still refuses its replay). Expired
        nonces are forgotten only in the caller's own scope (a world and its clock skew), so
        an emulator with a short skew sharing the database cannot wipe the nonces another
        one still needs: each row carries the expiry its writer chose.
        """
        key = (scope, access_key_id, nonce)
        expires_at = now + keep
        with self._claims:
            claimed = self._claimed.get(key)
            if claimed is not None and claimed >= now:
                return False
            self._claimed[key] = expires_at
            if len(self._claimed) > self._memory_bound:
                live = {k: e for k, e in self._claimed.items() if e >= now}
                if len(live) > NONCE_MEMORY_MAX // 2:  # the oldest go; the database still refuses them
                    live = dict(itertools.islice(live.items(), len(live) - NONCE_MEMORY_MAX // 2, None))
                self._claimed = live
                self._memory_bound = min(max(NONCE_MEMORY, 2 * len(live)), NONCE_MEMORY_MAX)
        try:
            with self._turn():
                if self._nonce_db is None:
                    self._nonce_db = self._open()
                db = self._nonce_db
                if now >= self._next_sweep.get(scope, -math.inf):
                    db.execute(_SWEEP_NONCES, (scope, now))
                    self._next_sweep[scope] = now + NONCE_SWEEP_SECONDS
                return db.execute(_UPSERT_NONCE, (scope, access_key_id, nonce, expires_at, now)).rowcount == 1
        except BaseException:
            with self._claims:  # not recorded: the client may retry with this nonce
                if self._claimed.get(key) == expires_at:
                    del self._claimed[key]
            raise

    def seed_job(self, job: StoredJob) -> None:
        """Add a job of the world file unless the database already has it (a restart)."""
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO jobs VALUES (?, ?, ?, ?, ?)",
                (job.account_id, job.job_id, json.dumps(job.params, sort_keys=True), job.create_time, None),
            )

    def get_job(self, account_id: str, job_id: str) -> StoredJob | None:
        with self._connection() as db:
            return Transaction(db).get_job(account_id, job_id)

    def count_jobs(self) -> int:
        with self._connection() as db:
            return db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]

    def once(
        self,
        account_id: str,
        action: str,
        token: str | None,
        fingerprint: str,
        produce: Callable[[Transaction], dict[str, Any]],
    ) -> dict[str, Any]:
        """Run `produce` in one transaction; with a ClientToken, at most once per token.

        The same token with the same fingerprint returns the first answer again; with another
        fingerprint it is IdempotentParameterMismatch. A failed `produce` stores nothing, so
        the client may retry with the same token.
        """
        with self._write() as db:
            if token:
                row = db.execute(
                    "SELECT fingerprint, answer FROM client_tokens"
                    " WHERE account_id = ? AND action = ? AND token = ?",
                    (account_id, action, token),
                ).fetchone()
                if row is not None:
                    if row[0] != fingerprint:
                        raise ApiError("IdempotentParameterMismatch")
                    return json.loads(row[1])
            answer = produce(Transaction(db))
            if token:
                db.execute(
                    "INSERT INTO client_tokens VALUES (?, ?, ?, ?, ?)",
                    (account_id, action, token, fingerprint, json.dumps(answer)),
                )
            return answer
