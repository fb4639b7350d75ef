"""Lint a policy literal through the whole pipeline and look at what came out."""

from __future__ import annotations

import json

from policycheck.lint import lint_document
from policycheck.load import load_bytes
from policycheck.model import detect_kind
from policycheck.rules import RuleOptions


def findings(document: dict | str, kind: str | None = None, accounts: tuple[str, ...] = ()):
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    loaded = load_bytes(text.encode(), "p.json")
    found, _ = lint_document(loaded, kind or detect_kind(loaded.value), "p", RuleOptions(accounts=accounts))
    return found


def codes(document, kind=None, accounts=()) -> set[tuple[str, str]]:
    return {(f.code, f.path) for f in findings(document, kind, accounts)}


def statement(**fields) -> dict:
    return {"Version": "1", "Statement": [{"Effect": "Allow", **fields}]}
