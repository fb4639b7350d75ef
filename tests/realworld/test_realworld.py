"""The real-world corpus judges policycheck's verdicts (issue 19): lint all of it once, through the CLI.

tests/realworld/ holds over 400 RAM policy documents from public sources (SOURCES.md, sources.json);
expected.json says, per file, which findings we judged correct ("findings") and which false
("not"); docs/realworld.md gives the evidence. A finding at error, warning or security_warning
level that expected.json does not list fails the test: it is a false positive or a finding
nobody has triaged yet (triage it into expected.json and docs/realworld.md).

KNOWN_WRONG_TODAY lists where policycheck is still wrong, each row with its reason: REPORTED (a
finding we judged false is still reported) or MISSING (a finding we judged correct is not). The
rows keep the suite green while the fixes land; each row fails once policycheck is right there,
like a strict xfail, so the table cannot hide a fix: delete the row (or the group) when it fails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_cli

CORPUS = Path(__file__).resolve().parent
PREFIX = "tests/realworld/"
# Levels that fail a lint run (--fail-on warning): the ones a false verdict costs users.
ASSERTED_LEVELS = {"error", "warning", "security_warning"}
NOT_POLICIES = {"sources.json", "expected.json", "policycheck.yaml"}

REPORTED = "reported"
MISSING = "missing"


@dataclass(frozen=True)
class Wrong:
    """Findings where policycheck disagrees with our triage today, all for one reason."""

    state: str  # REPORTED: judged false but reported; MISSING: judged correct but not reported
    reason: str
    rows: tuple[tuple[str, str, str], ...]  # (file under tests/realworld/, code, JSON path)


KNOWN_WRONG_TODAY: dict[str, Wrong] = {}

# Judged false, but hidden today behind another wrong finding (the "Condition": {} SCHEMA error
# hides the rest of its file). Tolerated, not required: they appear when the "Condition": {} fix
# lands before the PassRole and acs:Service fixes. Delete a row when both fixes are in.
TOLERATED_WHILE_HIDDEN: tuple[tuple[str, str, str], ...] = (
    (
        "tf-provider-alicloud/resource-alicloud-log-store-test.json",
        "UNKNOWN_ACTION",
        "Statement[0].Action[0]",
    ),
    ("tf-module-ram-policy/networkadministrator-main.json", "UNKNOWN_ACTION", "Statement[1].Action[0]"),
    (
        "tf-module-ram-policy/networkadministrator-main.json",
        "INVALID_CONDITION_KEY",
        "Statement[1].Condition.StringEquals.acs:Service",
    ),
)


def known_rows() -> list[tuple[str, Wrong, tuple[str, str, str]]]:
    return [(name, wrong, row) for name, wrong in KNOWN_WRONG_TODAY.items() for row in wrong.rows]


@pytest.fixture(scope="module")
def findings() -> list[dict]:
    """One lint run over the whole corpus, as a user runs it (exit 1: it has findings)."""
    run = run_cli(
        "lint", "tests/realworld", "--config", "tests/realworld/policycheck.yaml", "--format", "json"
    )
    assert run.code == 1, run.err
    report = run.json()
    assert report["summary"]["files"] == len(corpus_files()), "every corpus file is linted once"
    return report["findings"]


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, list[dict]]]:
    return json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["files"]


def corpus_files() -> list[str]:
    return sorted(
        str(p.relative_to(CORPUS))
        for p in CORPUS.glob("*/*")
        if p.suffix in (".json", ".yaml", ".yml") and p.name not in NOT_POLICIES
    )


def matches(entry: dict, code: str, path: str) -> bool:
    """An expectation names a code and a JSON path; path "*" accepts any path in the file."""
    return entry["code"] == code and entry["path"] in ("*", path)


def reported(findings: list[dict], levels: set[str] | None = None) -> set[tuple[str, str, str]]:
    return {
        (f["file"].removeprefix(PREFIX), f["code"], f["path"])
        for f in findings
        if levels is None or f["severity"] in levels
    }


def is_present(row: tuple[str, str, str], found: set[tuple[str, str, str]]) -> bool:
    file, code, path = row
    return any(f == file and c == code and path in ("*", p) for f, c, p in found)


def test_every_file_has_its_source():
    """Data, not code: each file names its repository and 40-hex commit, or its page and date."""
    sources = {e["file"]: e for e in json.loads((CORPUS / "sources.json").read_text())["files"]}
    assert sorted(sources) == corpus_files()
    for name, entry in sources.items():
        assert entry["kind"] in {"identity", "trust", "control", "bucket"}, name
        if "repository" in entry:
            assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), name
            assert entry["path"], name
        else:
            assert entry["url"].startswith("https://") and entry["date"], name
        suffix = {
            "identity": ".json",
            "trust": ".trust.json",
            "control": ".control.json",
            "bucket": ".bucket.json",
        }
        assert name.endswith(suffix[entry["kind"]]), name


def test_expectations_name_corpus_files(expected):
    assert set(expected) <= set(corpus_files())


def test_every_finding_judged_correct_is_reported(findings, expected):
    found = reported(findings)
    missing_today = {
        row for wrong in KNOWN_WRONG_TODAY.values() if wrong.state == MISSING for row in wrong.rows
    }
    problems = [
        f"{file}: {entry['code']} at {entry['path']} is not reported ({entry.get('why', 'judged correct')})"
        for file, judged in sorted(expected.items())
        for entry in judged.get("findings", [])
        if not is_present((file, entry["code"], entry["path"]), found)
        and (file, entry["code"], entry["path"]) not in missing_today
    ]
    assert not problems, "\n".join(problems)


def test_no_finding_judged_false_or_untriaged(findings, expected):
    reported_today = {
        row for wrong in KNOWN_WRONG_TODAY.values() if wrong.state == REPORTED for row in wrong.rows
    }
    problems = []
    for file, code, path in sorted(reported(findings, ASSERTED_LEVELS)):
        judged = expected.get(file, {})
        if any(matches(e, code, path) for e in judged.get("findings", [])):
            continue
        if (file, code, path) in reported_today or (file, code, path) in TOLERATED_WHILE_HIDDEN:
            continue
        false = [e["why"] for e in judged.get("not", []) if matches(e, code, path)]
        problems.append(
            f"{file}: {code} at {path} " + (f"is judged false: {false[0]}" if false else "is not triaged")
        )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("group", "wrong", "row"),
    known_rows(),
    ids=[f"{name}:{row[0]}:{row[1]}:{row[2]}" for name, _, row in known_rows()],
)
def test_known_wrong_row_is_still_wrong(findings, group, wrong, row):
    """A row that no longer holds is a fix: delete it from KNOWN_WRONG_TODAY."""
    present = is_present(row, reported(findings))
    if wrong.state == REPORTED:
        assert present, f"fixed, delete this row of {group!r}: {row[1]} at {row[2]} is no longer reported"
    else:
        assert not present, f"fixed, delete this row of {group!r}: {row[1]} at {row[2]} is now reported"


def test_known_wrong_rows_agree_with_expected(expected):
    """The table only tracks judgements expected.json makes: REPORTED rows are "not", MISSING rows "findings"."""
    for name, wrong, (file, code, path) in known_rows():
        side = "not" if wrong.state == REPORTED else "findings"
        entries = expected.get(file, {}).get(side, [])
        assert any(e["code"] == code and e["path"] == path for e in entries), (name, file, code, path)
    for file, code, path in TOLERATED_WHILE_HIDDEN:
        assert any(e["code"] == code and e["path"] == path for e in expected[file]["not"]), (file, code, path)
