"""Lint a policy literal through the whole pipeline and look at what came out."""

from __future__ import annotations

import json

from policycheck.lint import lint_document
from policycheck.load import load_bytes
from policycheck.model import detect_kind
from policycheck.rules import RuleOptions


def findings(
    document: dict | str,
    kind: str | None = None,
    accounts: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
):
    """Findings of a document; `ignore` leaves out codes another rule's test is not about (a
    grant of `*` is also PRIVILEGE_ESCALATION, tested in test_escalation.py)."""
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    loaded = load_bytes(text.encode(), "p.json")
    found, _ = lint_document(loaded, kind or detect_kind(loaded.value), "p", RuleOptions(accounts=accounts))
    return [f for f in found if f.code not in ignore]


def codes(document, kind=None, accounts=(), ignore=()) -> set[tuple[str, str]]:
    return {(f.code, f.path) for f in findings(document, kind, accounts, ignore)}


def statement(**fields) -> dict:
    return {"Version": "1", "Statement": [{"Effect": "Allow", **fields}]}
