"""Hostile and broken input, through the CLI: a finding or a clean error, bounded time and memory.

Every file under tests/hostile/files/ has its expected finding codes here; the big or
self-referencing cases are generated into a temporary folder at test time.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

FILES = Path(__file__).parent / "files"
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space for the policycheck process

EXPECTED: dict[str, set[str]] = {
    "empty.json": {"JSON_SYNTAX"},
    "only-whitespace.json": {"JSON_SYNTAX"},
    "bom.json": {"UTF8_BOM"},
    "utf16.json": {"JSON_SYNTAX"},
    "utf32.json": {"JSON_SYNTAX"},
    "nul-bytes.json": {"JSON_SYNTAX"},
    "latin1.json": {"JSON_SYNTAX"},
    "utf8-encoded-surrogate.json": {"JSON_SYNTAX"},
    "lone-surrogate.json": {"JSON_SYNTAX"},
    "number-1e999.json": {"JSON_SYNTAX"},
    "nan.json": {"JSON_SYNTAX"},
    "comment.json": {"JSON_SYNTAX"},
    "trailing-comma.json": {"JSON_SYNTAX"},
    "trailing-garbage.json": {"JSON_SYNTAX"},
    "raw-control-char.json": {"JSON_SYNTAX"},
    "bad-escape.json": {"JSON_SYNTAX"},
    "duplicate-top-level.json": {"DUPLICATE_KEY"},
    "duplicate-in-statement.json": {"DUPLICATE_KEY", "OVERLY_PERMISSIVE"},
    "duplicate-condition-operator.json": {"DUPLICATE_KEY"},
    "duplicate-condition-key.json": {"DUPLICATE_KEY"},
    "duplicate-principal.json": {"DUPLICATE_KEY", "TRUST_POLICY_PRINCIPAL"},
    "statement-object.json": {"SCHEMA"},
    "statement-null.json": {"SCHEMA"},
    "top-level-array.json": {"SCHEMA"},
    "top-level-string.json": {"SCHEMA"},
    "version-number.json": {"SCHEMA"},
    "effect-lowercase.json": {"SCHEMA"},
    "deep-condition.json": {"SCHEMA"},
    "alias-bomb.yaml": {"JSON_SYNTAX"},
    "merge-key.yaml": {"JSON_SYNTAX"},
    "python-object-tag.yaml": {"JSON_SYNTAX"},
    "custom-tag.yaml": {"JSON_SYNTAX"},
    "binary-tag.yaml": {"JSON_SYNTAX"},
    "multi-document.yaml": {"JSON_SYNTAX"},
    "yaml-nul.yaml": {"JSON_SYNTAX"},
    "yaml-non-string-key.yaml": {"JSON_SYNTAX"},
    "yaml-bool-effect.yaml": {"SCHEMA"},
    "yaml-unclosed.yaml": {"JSON_SYNTAX"},
    "yaml-tabs.yaml": {"JSON_SYNTAX"},
    "dossier médias/politique ice.json": {"SCHEMA"},
}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """The CLI in a child with 1 GiB of address space and a time limit."""
    environment = {k: v for k, v in os.environ.items() if k != "POLICYCHECK_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "policycheck", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )


def lint_codes(path: Path | str, *extra: str) -> tuple[int, set[str], str]:
    done = run("lint", str(path), "--format", "json", *extra)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    codes = {f["code"] for f in json.loads(done.stdout)["findings"]} if done.stdout else set()
    return done.returncode, codes, done.stderr


def test_the_corpus_is_complete():
    on_disk = {str(p.relative_to(FILES)) for p in FILES.rglob("*") if p.is_file()}
    assert on_disk == set(EXPECTED)
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file(name):
    code, codes, _ = lint_codes(FILES / name)
    assert code == 1
    assert codes == EXPECTED[name]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The cases too big, too deep or too self-referencing to keep in git."""
    root = tmp_path_factory.mktemp("hostile")
    with open(root / "fifty-mib.json", "wb") as handle:
        handle.write(b'{"Version": "1", "Sid": "')
        handle.write(b"A" * (50 << 20))
        handle.write(b'"}')
    (root / "deep-100000.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "deep-100000.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000)
    statement = {"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}
    (root / "ten-thousand-statements.json").write_text(
        json.dumps({"Version": "1", "Statement": [statement] * 10_000})
    )
    long_action = {"Effect": "Allow", "Action": "ice:" + "A" * 900_000, "Resource": "*"}
    (root / "long-string.json").write_text(json.dumps({"Version": "1", "Statement": [long_action]}))
    loop = root / "loop"
    loop.mkdir()
    (loop / "ok.json").write_text(json.dumps({"Version": "1", "Statement": [statement]}))
    os.symlink(loop, loop / "again")
    return root


def test_fifty_mib_file_is_refused_unread(generated):
    code, codes, _ = lint_codes(generated / "fifty-mib.json")
    assert (code, codes) == (1, {"JSON_SYNTAX"})


@pytest.mark.parametrize("name", ["deep-100000.json", "deep-100000.yaml"])
def test_deep_nesting(generated, name):
    done = run("lint", str(generated / name), "--format", "json")
    [finding] = json.loads(done.stdout)["findings"]
    assert (
        done.returncode == 1 and finding["code"] == "JSON_SYNTAX" and "deeper than 32" in finding["message"]
    )


def test_ten_thousand_statements(generated):
    code, codes, _ = lint_codes(generated / "ten-thousand-statements.json")
    assert code == 1 and "POLICY_TOO_LARGE" in codes and codes <= {"POLICY_TOO_LARGE", "REDUNDANT"}


def test_long_string(generated):
    code, codes, _ = lint_codes(generated / "long-string.json")
    assert code == 1 and codes == {"POLICY_TOO_LARGE", "UNKNOWN_ACTION"}


def test_symlink_loop_in_a_scanned_folder(generated):
    done = run("lint", str(generated / "loop"), "--format", "json")
    payload = json.loads(done.stdout)
    assert done.returncode == 0 and payload["summary"]["files"] == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("lint", "policies/", "--config", "policies"), "is a directory, not a file"),
        (("lint", "policies/", "--output", "policies"), "cannot write policies"),
        (("check", "--config", "policies"), "is a directory, not a file"),
        (
            ("explain", "policies/ice-operator.json", "--session-policy", "policies", "--action", "ice:X"),
            "is a directory",
        ),
        (("emulator", "--world", "policies", "--port", "0"), "policies"),
    ],
)
def test_a_directory_where_a_file_is_expected(args, words):
    before = set(os.listdir(REPO))
    done = run(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert set(os.listdir(REPO)) <= before  # no half-written report left behind
