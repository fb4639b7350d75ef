"""Lint rules over the policy model, found through a registry.

A rule module holds a few related checks and lists them in `RULES`; adding a module name to
`RULE_MODULES` is all it takes to run it. Rules are pure: they read the Policy (and the
catalog) and report through the RuleContext; they never print or read files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from policycheck.findings import Finding
from policycheck.load.document import Document
from policycheck.model import POLICY_KINDS, JsonPath, Policy, PolicyKind, Statement

if TYPE_CHECKING:
    from policycheck.catalog import CatalogExtension

RULE_MODULES = (
    "size",
    "elements",
    "actions",
    "resources",
    "conditions",
    "grants",
    "escalation",
    "trust",
    "bucket",
)

ALL_KINDS: frozenset[PolicyKind] = frozenset(POLICY_KINDS)
PERMISSION_KINDS: frozenset[PolicyKind] = frozenset({"identity", "control", "session"})
"""Kinds that grant or bound permissions, as opposed to trust policies that name who may assume a role."""


class RuleOptions(NamedTuple):
    """Settings rules read: `accounts` are the team's own account ids (lint.accounts), `catalog`
    the actions and condition keys the team added to the packaged catalog (catalog:), `account`
    the account policycheck.yaml names at its top."""

    accounts: tuple[str, ...] = ()
    catalog: CatalogExtension | None = None
    account: str | None = None
    """The top-level account: of policycheck.yaml, the team's own account like those of `accounts`."""


class RuleContext:
    """What a rule sees: the policy, its document (for sizes and positions), options, and a sink.

    `codes` are the running rule's declared codes: the only ones it may report.
    """

    __slots__ = ("policy", "document", "options", "findings", "codes")

    def __init__(self, policy: Policy, document: Document, options: RuleOptions) -> None:
        self.policy = policy
        self.document = document
        self.options = options
        self.findings: list[Finding] = []
        self.codes: tuple[str, ...] = ()

    def report(self, code: str, path: JsonPath, message: str, severity: str | None = None) -> None:
        if code not in self.codes:
            # A bug, not a user's mistake: the rule's declaration (which the code table is
            # checked against) would no longer say what it reports.
            raise ValueError(f"a rule declaring {self.codes} reported {code}")
        self.findings.append(self.document.finding(code, message, path, severity))

    def element_path(self, statement: Statement, key: str, index: int) -> JsonPath:
        """Path of the index-th value of a string-or-list element, as the document wrote it."""
        raw = self.document.value["Statement"][statement.index].get(key)
        return (*statement.path, key) if isinstance(raw, str) else (*statement.path, key, index)


class Rule(NamedTuple):
    """One check: the codes it may report (RuleContext.report refuses any other, and a test
    holds every rule's codes, with the loader's, Terraform's and the expectations', to
    data/codes.json) and the policy kinds it applies to."""

    codes: tuple[str, ...]
    kinds: frozenset[PolicyKind]
    check: Callable[[RuleContext], None]


@cache
def all_rules() -> tuple[Rule, ...]:
    return tuple(
        rule for name in RULE_MODULES for rule in importlib.import_module(f"policycheck.rules.{name}").RULES
    )


@cache
def rules_for(kind: PolicyKind) -> tuple[Rule, ...]:
    """The rules that apply to a policy kind, in registry order."""
    return tuple(rule for rule in all_rules() if kind in rule.kinds)


def run_rules(policy: Policy, document: Document, options: RuleOptions | None = None) -> list[Finding]:
    context = RuleContext(policy, document, options or RuleOptions())
    for rule in rules_for(policy.kind):
        context.codes = rule.codes
        rule.check(context)
    return context.findings
