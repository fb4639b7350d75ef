"""The lint cache: a warm run reports exactly what a cold one does, and nothing stale survives a
change of file, setting or packaged code and data; a damaged cache file is ignored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from policycheck import lint_cache
from policycheck.catalog import CatalogExtension
from policycheck.lint import CACHE_FROM, LintSettings, lint_paths
from tests.conftest import run_cli

GOOD = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:GetUser", "Resource": "*"}]}
TYPO = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:GetUsr", "Resource": "*"}]}
ACCOUNT_ARN = {
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": "ram:GetUser", "Resource": "acs:ram::1234567890123456:user/a"}
    ],
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """CACHE_FROM + 10 policies in a folder (enough for the cache to be used), one with a typo."""
    folder = tmp_path / "policies"
    folder.mkdir()
    for number in range(CACHE_FROM + 10):
        (folder / f"p{number:03d}.json").write_text(json.dumps(GOOD, indent=2))
    (folder / "p007.json").write_text(json.dumps(TYPO, indent=2))
    (folder / "p008.json").write_text(json.dumps(ACCOUNT_ARN, indent=2))
    return folder


def codes(result) -> list[tuple[str, str]]:
    return [(os.path.basename(f.file), f.code) for f in result.findings]


def tamper(folder: Path) -> None:
    """Rewrite every cached finding's message, checksum and all: a run that uses the cache shows it."""
    [path] = folder.glob("lint-*.json")
    entries, stats, started = lint_cache._read(str(path))
    assert entries and stats, "the cache was written and reads back"
    for documents, *_ in entries.values():
        for findings in documents:
            for finding in findings:
                finding[2] = "FROM THE CACHE"
    body = json.dumps({"started": started, "entries": entries, "stats": stats}).encode()
    digest = lint_cache._hasher()
    digest.update(body)
    path.write_bytes(
        lint_cache.MAGIC + b" %d %s\n" % (lint_cache.CACHE_FORMAT, digest.hexdigest().encode()) + body
    )


def messages(result) -> set[str]:
    return {f.message for f in result.findings}


def test_a_warm_run_reads_the_cache_and_reports_the_same(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    settings = LintSettings(root=str(tree))
    cold = lint_paths([str(tree)], settings, cache_dir=str(cache))
    assert ("p007.json", "UNKNOWN_ACTION") in codes(cold)
    warm = lint_paths([str(tree)], settings, cache_dir=str(cache))
    assert warm.findings == cold.findings and warm.checked == cold.checked
    tamper(cache)
    assert messages(lint_paths([str(tree)], settings, cache_dir=str(cache))) == {"FROM THE CACHE"}
    assert lint_paths([str(tree)], settings).findings == cold.findings  # no cache_dir: no cache


def test_a_changed_file_is_linted_again(tree: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    settings = LintSettings(root=str(tree))
    lint_paths([str(tree)], settings, cache_dir=cache)
    (tree / "p007.json").write_text(json.dumps(GOOD, indent=2))
    (tree / "p009.json").write_text(json.dumps(TYPO, indent=2))
    found = codes(lint_paths([str(tree)], settings, cache_dir=cache))
    assert ("p007.json", "UNKNOWN_ACTION") not in found and ("p009.json", "UNKNOWN_ACTION") in found


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files lint reads from now on."""
    import policycheck.lint as lint_module

    read: list[str] = []
    original = lint_module.read_bytes

    def counting(path: str, *args, **kwargs):
        read.append(os.path.basename(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(lint_module, "read_bytes", counting)
    return read


def test_a_file_whose_stat_is_unchanged_is_not_read_again(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = str(tmp_path / "cache")
    settings = LintSettings(root=str(tree))
    monkeypatch.setattr(lint_cache, "RACY_NS", 0)  # the files were written just before the run
    cold = lint_paths([str(tree)], settings, cache_dir=cache)
    read = reads(monkeypatch)
    warm = lint_paths([str(tree)], settings, cache_dir=cache)
    assert read == [] and warm.findings == cold.findings and warm.checked == cold.checked
    (tree / "p009.json").write_text(json.dumps(TYPO, indent=2))
    found = codes(lint_paths([str(tree)], settings, cache_dir=cache))
    assert read == ["p009.json"] and ("p009.json", "UNKNOWN_ACTION") in found


def test_a_file_rewritten_to_the_same_size_and_time_is_read_again(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its change time moves (nothing sets it back), so the stat differs: as git decides."""
    cache = str(tmp_path / "cache")
    settings = LintSettings(root=str(tree))
    monkeypatch.setattr(lint_cache, "RACY_NS", -(10**18))  # no file is racy: the stat alone decides
    assert ("p007.json", "UNKNOWN_ACTION") in codes(lint_paths([str(tree)], settings, cache_dir=cache))
    target = tree / "p007.json"
    before = target.stat()
    good = json.dumps(GOOD).encode()
    with open(target, "r+b") as handle:  # in place: the same inode
        handle.write(good + b" " * (before.st_size - len(good)))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = target.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )
    read = reads(monkeypatch)
    assert ("p007.json", "UNKNOWN_ACTION") not in codes(lint_paths([str(tree)], settings, cache_dir=cache))
    assert read == ["p007.json"]


def test_files_changed_close_to_the_run_that_hashed_them_are_read_again(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Racy: a change in the same tick of a coarse clock could leave the stat as it was."""
    cache = str(tmp_path / "cache")
    settings = LintSettings(root=str(tree))
    cold = lint_paths([str(tree)], settings, cache_dir=cache)  # the files are seconds old at most
    read = reads(monkeypatch)
    again = lint_paths([str(tree)], settings, cache_dir=cache)
    assert len(read) == CACHE_FROM + 10 and again.findings == cold.findings
    monkeypatch.setattr(lint_cache, "RACY_NS", 0)  # later: the run just made took stats worth trusting
    read.clear()
    assert lint_paths([str(tree)], settings, cache_dir=cache).findings == cold.findings and read == []


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "control"},
        {"accounts": ("1234567890123456",)},
        {"catalog": CatalogExtension.of(("ram:GetUsr",))},
        {"kinds": (("p00*.json", "session"),)},
    ],
    ids=["kind", "accounts", "catalog-extension", "kinds"],
)
def test_a_changed_setting_is_not_answered_from_the_cache(tree: Path, tmp_path: Path, change: dict) -> None:
    cache = tmp_path / "cache"
    settings = LintSettings(root=str(tree))
    lint_paths([str(tree)], settings, cache_dir=str(cache))
    tamper(cache)
    changed = settings._replace(**change)
    assert messages(lint_paths([str(tree)], changed, cache_dir=str(cache))) == messages(
        lint_paths([str(tree)], changed)
    )


def test_a_changed_catalog_or_rule_is_not_answered_from_the_cache(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    settings = LintSettings(root=str(tree))
    lint_paths([str(tree)], settings, cache_dir=str(cache))
    tamper(cache)
    monkeypatch.setattr(lint_cache, "package_signature", lambda: "another catalog")
    assert "FROM THE CACHE" not in messages(lint_paths([str(tree)], settings, cache_dir=str(cache)))


def test_the_package_signature_follows_every_file(tmp_path: Path) -> None:
    """What tells a changed catalog, schema or rule: each file's size and modification time."""
    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    catalog = package / "data" / "ram.json"
    catalog.write_text('{"GetUser": {}}')
    before = lint_cache.package_signature(str(package))
    assert lint_cache.package_signature(str(package)) == before
    catalog.write_text('{"GetUser": {}, "X": 1}')
    grown = lint_cache.package_signature(str(package))
    os.utime(catalog, ns=(1, 1))
    assert len({before, grown, lint_cache.package_signature(str(package))}) == 3


def test_a_wheel_install_is_signed_by_its_record(tmp_path: Path) -> None:
    """pip's RECORD (every installed file with its SHA-256) stands for the files beside it: a new
    install changes it; without one, every file is looked at."""
    package = tmp_path / "site-packages" / "policycheck"
    package.mkdir(parents=True)
    (package / "rules.py").write_text("RULES = ()")
    walked = lint_cache.package_signature(str(package))
    record = tmp_path / "site-packages" / f"policycheck-{lint_cache.__version__}.dist-info" / "RECORD"
    record.parent.mkdir()
    record.write_text("policycheck/rules.py,sha256=one,10\n")
    signed = lint_cache.package_signature(str(package))
    assert signed != walked
    (package / "rules.py").write_text("RULES = (1,)")  # by hand, after the install: not seen
    assert lint_cache.package_signature(str(package)) == signed
    record.write_text("policycheck/rules.py,sha256=two,12\n")  # the next install
    assert lint_cache.package_signature(str(package)) not in (signed, walked)


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
def test_a_damaged_cache_file_is_ignored(tree: Path, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    settings = LintSettings(root=str(tree))
    cold = lint_paths([str(tree)], settings, cache_dir=str(cache))
    tamper(cache)
    [path] = cache.glob("lint-*.json")
    data = path.read_bytes()
    damaged = {
        "flip": data[:-10] + bytes([data[-10] ^ 0x20]) + data[-9:],
        "truncate": data[: len(data) // 2],
        "garbage": b"\x00\xff not a cache",
    }[damage]
    path.write_bytes(damaged)
    again = lint_paths([str(tree)], settings, cache_dir=str(cache))
    assert again.findings == cold.findings
    assert lint_cache._read(str(path))[0], "the damaged file was replaced by a good one"


def test_the_cache_keeps_a_bounded_number_of_files(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for number in range(lint_cache.MAX_CACHE_FILES + 3):
        settings = LintSettings(root=str(tree), accounts=(f"{number:016d}",))
        lint_paths([str(tree)], settings, cache_dir=str(cache))
    assert len(list(cache.glob("lint-*.json"))) == lint_cache.MAX_CACHE_FILES
    assert not list(cache.glob("*.tmp"))


def test_cli_warm_report_is_byte_identical_and_lands_next_to_the_config(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "policycheck.yaml").write_text("lint:\n  fail_on: error\n")
    env = {"POLICYCHECK_CACHE_DIR": ""}
    cold = run_cli("lint", "policies", "--format", "json", cwd=tmp_path, env=env)
    folder = tmp_path / ".policycheck" / "cache"
    assert list(folder.glob("lint-*.json")) and (folder / ".gitignore").read_text().endswith("*\n")
    warm = run_cli("lint", "policies", "--format", "json", cwd=tmp_path, env=env)
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    assert "UNKNOWN_ACTION" in cold.out


def test_cli_no_cache_and_cache_dir(tree: Path, tmp_path: Path, lint_cache_folder: Path) -> None:
    run_cli("lint", str(tree), "--no-cache", cwd=tmp_path)
    assert not list(lint_cache_folder.iterdir()) and not (tmp_path / ".policycheck").exists()
    elsewhere = tmp_path / "elsewhere"
    run_cli("lint", str(tree), "--cache-dir", str(elsewhere), cwd=tmp_path)
    assert list(elsewhere.glob("lint-*.json")) and not list(lint_cache_folder.iterdir())
