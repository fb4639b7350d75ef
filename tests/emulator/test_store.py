"""The store on its own: transactions, unique keys and nonce expiry, under threads."""

from __future__ import annotations

import threading

import pytest

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
        barrier.wait()
        answers.append(store.once("1", "Submit", "tok", "fp", work))

    threads = [threading.Thread(target=racer) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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
