"""The store on its own: transactions, unique keys and nonce expiry, under threads."""

from __future__ import annotations

import threading

import pytest

from policycheck.emulator import store as store_module
from policycheck.emulator.errors import ApiError
from policycheck.emulator.store import Store, StoredJob


def _job(job_id: str) -> StoredJob:
    return StoredJob(job_id, "1", {"FunctionName": "Cover"}, 0.0, None)


def test_once_runs_the_work_at_most_once_per_token(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    runs = []
    barrier = threading.Barrier(12)
    answers = []

    def work(txn):
        runs.append(1)
        txn.insert_job(_job(f"job-{len(runs)}"))
        return {"JobId": f"job-{len(runs)}"}

    def racer():
        barrier.wait(timeout=30)
        answers.append(store.once("1", "Submit", "tok", "fp", work))

    threads = [threading.Thread(target=racer) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(runs) == 1
    assert answers == [{"JobId": "job-1"}] * 12
    assert store.count_jobs() == 1
    store.close()


def test_failed_work_rolls_back_and_keeps_the_token_free(tmp_path):
    store = Store(str(tmp_path / "s.db"))

    def fails(txn):
        txn.insert_job(_job("half-done"))
        raise ApiError("InvalidParameter", "x")

    with pytest.raises(ApiError):
        store.once("1", "Submit", "tok", "fp", fails)
    assert store.get_job("1", "half-done") is None
    assert store.once("1", "Submit", "tok", "fp", lambda txn: {"ok": True}) == {"ok": True}
    with pytest.raises(ApiError, match="IdempotentParameterMismatch"):
        store.once("1", "Submit", "tok", "other", lambda txn: {"ok": False})


def test_nonces_are_single_use_until_they_age_out(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    assert store.remember_nonce("w", "ak", "n1", now=1000.0, keep=1800.0)
    assert not store.remember_nonce("w", "ak", "n1", now=2799.0, keep=1800.0)
    assert store.remember_nonce("w", "other-ak", "n1", now=1001.0, keep=1800.0)
    # once past its expiry it is forgotten (its request would be refused as expired anyway)
    assert store.remember_nonce("w", "ak", "n1", now=2801.0, keep=1800.0)


def test_expiry_in_one_scope_never_forgets_another_scopes_nonces(tmp_path):
    first, second = Store(str(tmp_path / "s.db")), Store(str(tmp_path / "s.db"))
    assert first.remember_nonce("long-skew", "ak", "n1", now=1000.0, keep=1800.0)
    # a second emulator on the same file, short skew and a clock far ahead, cleans up its own scope
    assert second.remember_nonce("short-skew", "ak", "n2", now=9000.0, keep=120.0)
    assert not first.remember_nonce("long-skew", "ak", "n1", now=1500.0, keep=1800.0)


def test_a_database_from_before_nonce_scopes_opens(tmp_path):
    import sqlite3

    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE nonces (access_key_id TEXT, nonce TEXT, seen_at REAL)")
    assert Store(path).remember_nonce("w", "ak", "n1", now=1.0, keep=10.0)


def test_a_second_store_on_the_same_file_sees_the_first_ones_writes(tmp_path):
    first = Store(str(tmp_path / "s.db"))
    first.once("1", "Submit", None, "fp", lambda txn: txn.insert_job(_job("shared")) or {})
    second = Store(str(tmp_path / "s.db"))
    assert second.get_job("1", "shared").params == {"FunctionName": "Cover"}
    assert second.get_job("2", "shared") is None


def test_a_nonce_is_refused_after_a_restart(tmp_path):
    """The nonce is committed before remember_nonce returns: a new process on the same file
    refuses it, though its in-memory set is empty."""
    path = str(tmp_path / "s.db")
    first = Store(path)
    assert first.remember_nonce("w", "ak", "n1", now=1000.0, keep=1800.0)
    first.close()
    again = Store(path)
    assert not again.remember_nonce("w", "ak", "n1", now=1001.0, keep=1800.0)
    assert again.remember_nonce("w", "ak", "n2", now=1001.0, keep=1800.0)
    again.close()


def test_a_nonce_raced_by_many_threads_is_accepted_once(tmp_path):
    stores = [Store(str(tmp_path / "s.db")) for _ in range(2)]  # two emulators, one file
    barrier = threading.Barrier(16)
    answers = []

    def racer(index: int) -> None:
        barrier.wait(timeout=30)
        answers.append(stores[index % 2].remember_nonce("w", "ak", "same", now=1000.0, keep=60.0))

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == [False] * 15 + [True]
    for store in stores:
        store.close()


def test_many_nonces_at_once_are_each_accepted_and_kept(tmp_path):
    path = str(tmp_path / "s.db")
    store = Store(path)
    results = []

    def sender(index: int) -> None:
        results.append(store.remember_nonce("w", "ak", f"n{index}", now=1000.0, keep=60.0))

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    store.close()
    assert results == [True] * 64
    reopened = Store(path)
    assert not any(reopened.remember_nonce("w", "ak", f"n{i}", now=1001.0, keep=60.0) for i in range(64))
    reopened.close()


def _rows(path: str, scope: str) -> int:
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM signature_nonces WHERE scope = ?", (scope,)).fetchone()[0]


def test_expired_nonces_leave_the_database_at_the_next_sweep(tmp_path):
    path = str(tmp_path / "s.db")
    store = Store(path)
    assert store.remember_nonce("w", "ak", "n1", now=1000.0, keep=10.0)
    assert store.remember_nonce("w", "ak", "n2", now=1020.0, keep=10.0)  # n1 expired, not yet swept
    assert _rows(path, "w") == 2
    assert store.remember_nonce("w", "ak", "n3", now=1000.0 + store_module.NONCE_SWEEP_SECONDS, keep=10.0)
    assert _rows(path, "w") == 1
    store.close()


def test_nonces_kept_in_memory_stay_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "NONCE_MEMORY", 8)
    monkeypatch.setattr(store_module, "NONCE_MEMORY_MAX", 32)
    store = Store(str(tmp_path / "s.db"))
    for index in range(200):  # expiring as fast as they come
        assert store.remember_nonce("w", "ak", f"n{index}", now=1000.0 + index, keep=2.0)
    assert len(store._claimed) <= 16
    assert not store.remember_nonce("w", "ak", "n199", now=1199.5, keep=2.0)  # live ones stay
    for index in range(200):  # all alive: memory drops the oldest, the database still refuses them
        assert store.remember_nonce("w", "long", f"n{index}", now=2000.0, keep=600.0)
    assert len(store._claimed) <= 33
    assert not any(store.remember_nonce("w", "long", f"n{i}", now=2001.0, keep=600.0) for i in range(200))
    store.close()


def test_a_write_that_cannot_get_its_turn_is_refused_and_its_nonce_stays_usable(tmp_path, monkeypatch):
    """Every wait has a bound: a writer stuck behind another for WRITE_WAIT_SECONDS answers 503
    (which clients retry), and the nonce it could not record is not burnt."""
    monkeypatch.setattr(store_module, "WRITE_WAIT_SECONDS", 0.05)
    store = Store(str(tmp_path / "s.db"))
    with store._turn():
        with pytest.raises(ApiError, match="ServiceUnavailable"):
            store.remember_nonce("w", "ak", "n1", now=1000.0, keep=60.0)
        with pytest.raises(ApiError, match="ServiceUnavailable"):
            store.once("1", "Submit", None, "fp", lambda txn: {})
    assert store.remember_nonce("w", "ak", "n1", now=1000.0, keep=60.0)
    assert not store.remember_nonce("w", "ak", "n1", now=1001.0, keep=60.0)
    store.close()
