"""The finding-code registry checks itself: the codes raised anywhere in policycheck (the rules'
declared codes, the loaders', Terraform's, the schema's, the expectations') are exactly the
codes of data/codes.json, and every rule reports only what its Rule declares."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from policycheck.findings import code_table
from policycheck.load import load_bytes
from policycheck.model import build_policy
from policycheck.rules import Rule, RuleContext, all_rules, run_rules

PACKAGE = Path(__file__).resolve().parent.parent / "policycheck"
LOOKS_LIKE_A_CODE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
# Calls that make a finding, and the position of the code among their arguments.
FINDING_CALLS = {"finding": 0, "report": 0, "Finding": 0, "default_severity": 0, "_finding": 1}


def _call_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _is_rule_declaration(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _call_name(node) == "Rule"


def codes_in(path: Path) -> tuple[set[str], set[str]]:
    """(every known code written in the module outside Rule(...) declarations, every
    code-looking string passed where a finding-making call takes its code)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = {id(n) for d in ast.walk(tree) if _is_rule_declaration(d) for n in ast.walk(d)}
    known = code_table()
    written = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in known and id(node) not in declared
    }
    raised = set()
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        position = FINDING_CALLS.get(_call_name(call))
        if position is not None and len(call.args) > position:
            argument = call.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                raised.add(argument.value)
    return written, {code for code in raised if LOOKS_LIKE_A_CODE.match(code)}


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_codes_raised_anywhere_are_the_code_table():
    written = set().union(*(codes_in(path)[0] for path in MODULES))
    raised = set().union(*(codes_in(path)[1] for path in MODULES))
    declared = {code for rule in all_rules() for code in rule.codes}
    assert written | declared == set(code_table())
    assert raised <= set(code_table()), "a finding is raised with a code data/codes.json lacks"


def test_each_rule_module_reports_exactly_what_its_rules_declare():
    by_module: dict[str, set[str]] = {}
    for rule in all_rules():
        by_module.setdefault(rule.check.__module__, set()).update(rule.codes)
    for module, codes in by_module.items():
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        assert codes_in(path)[0] == codes, module


def test_no_two_rules_declare_one_code():
    declared = [code for rule in all_rules() for code in rule.codes]
    assert len(declared) == len(set(declared))


def test_a_rule_cannot_report_a_code_it_does_not_declare(monkeypatch):
    def sloppy(context: RuleContext) -> None:
        context.report("INVALID_ARN", ("Statement", 0), "not mine to say")

    text = b'{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}'
    document = load_bytes(text, "p.json")
    policy = build_policy(document.value, "p.json", "identity")
    monkeypatch.setattr(
        "policycheck.rules.rules_for", lambda kind: (Rule(("REDUNDANT",), frozenset({kind}), sloppy),)
    )
    with pytest.raises(ValueError, match="INVALID_ARN"):
        run_rules(policy, document)
