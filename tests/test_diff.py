"""policycheck.diff: principals paired, worked out once per set of documents, counted."""

from __future__ import annotations

from policycheck import diff
from policycheck.diff import Side, compare_principals
from policycheck.evaluate import PolicySet
from policycheck.model import build_policy


def _policy(action: str, source: str):
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return build_policy({"Version": "1", "Statement": [statement]}, source, "identity")


def test_principals_with_the_same_documents_are_compared_once(monkeypatch):
    old, new = _policy("oss:GetObject", "old.json"), _policy("oss:Get*", "new.json")
    calls = []
    real = diff.compare
    monkeypatch.setattr(diff, "compare", lambda *args: calls.append(args[0]) or real(*args))
    base, head = Side(PolicySet((old,))), Side(PolicySet((new,)))
    found = compare_principals({"a": (base, head), "b": (Side(PolicySet((old,))), Side(PolicySet((new,))))})
    assert calls == ["a"]
    assert [p.name for p in found] == ["a", "b"] and found[0].added == found[1].added != ()


def test_a_principal_only_on_one_side_gains_or_loses_everything():
    policies = Side(PolicySet((_policy("oss:GetObject", "p.json"),)))
    added, removed = compare_principals({"new": (None, policies), "gone": (policies, None)})
    assert [c.action for c in added.added] == ["oss:GetObject"] and added.removed == ()
    assert [c.action for c in removed.removed] == ["oss:GetObject"] and removed.added == ()


def test_unknown_head_permissions_are_new_access_that_cannot_be_ruled_out():
    policies = PolicySet((_policy("oss:GetObject", "p.json"),))
    (principal,) = compare_principals({"w": (Side(policies), Side(policies, unknowns=("a System policy",)))})
    (change,) = principal.added
    assert change.status == "unknown" and "a System policy" in change.reason
