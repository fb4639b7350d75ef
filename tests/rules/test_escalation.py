"""PRIVILEGE_ESCALATION: the evaluator proves that a policy can allow a documented capability."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policycheck.evaluate import Evaluator, PolicySet
from policycheck.evaluate.budget import Budget
from policycheck.evaluate.capability_actions import may_grant
from policycheck.evaluate.escalation import (
    IMPOSSIBLE,
    POSSIBLE,
    UNDECIDED,
    capabilities,
    find_escalations,
)
from policycheck.evaluate.keys import single_valued
from policycheck.model import build_policy
from tests.rules.helpers import findings


def policy(*statements: dict) -> dict:
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Resource": "*", **s} for s in statements]}


def escalations(document: dict) -> list:
    return [f for f in findings(document) if f.code == "PRIVILEGE_ESCALATION"]


def capability_ids(document: dict) -> set[str]:
    """The capabilities the evaluator proves possible (the rule's message lists only four)."""
    built = build_policy(document, "p.json", "identity")
    found = find_escalations(lambda: Evaluator(PolicySet(identity=(built,))), Budget(), alone=built)
    return {e.capability.id for e in found if e.status == POSSIBLE}


RAM_CAPABILITIES = {
    "attach-policy-to-user",
    "attach-policy-to-group",
    "attach-policy-to-role",
    "add-user-to-group",
    "create-policy-version",
    "set-default-policy-version",
    "update-role-trust-policy",
    "create-access-key",
    "create-login-profile",
    "update-login-profile",
}


def test_ram_attach_wildcard_is_found_and_named():
    [finding] = escalations(policy({"Action": "ram:Attach*"}))
    assert (finding.path, finding.severity) == ("Statement[0].Action", "security_warning")
    assert "attach-policy-to-user (ram:AttachPolicyToUser)" in finding.message
    assert capability_ids(policy({"Action": "ram:Attach*"})) == {
        "attach-policy-to-user",
        "attach-policy-to-group",
        "attach-policy-to-role",
    }


def test_allow_not_action_oss_grants_every_capability():
    document = policy({"NotAction": "oss:*"})
    [finding] = escalations(document)
    assert finding.path == "Statement[0].NotAction"
    assert capability_ids(document) == {c.id for c in capabilities()}


def test_ram_star_grants_the_ram_capabilities_only():
    assert capability_ids(policy({"Action": "ram:*"})) == RAM_CAPABILITIES


@pytest.mark.parametrize(
    "actions",
    [["ram:Get*", "ram:List*"], ["ram:GetUser", "sts:GetCallerIdentity"], ["oss:*", "ice:*"]],
)
def test_read_only_ram_access_is_not_escalation(actions):
    assert escalations(policy({"Action": actions})) == []


def test_a_condition_is_named_as_the_context_it_needs():
    document = policy(
        {"Action": "fc:*"},
        {"Action": "ram:PassRole", "Condition": {"StringEquals": {"acs:Service": "fc.aliyuncs.com"}}},
    )
    [finding] = escalations(document)
    assert finding.path == "Statement[1].Action"
    assert (
        "pass-role-to-fc (ram:PassRole when acs:Service=fc.aliyuncs.com + fc:CreateFunction)"
        in finding.message
    )


def test_a_combination_needs_every_step():
    assert capability_ids(policy({"Action": "ram:PassRole"})) == set()
    assert capability_ids(policy({"Action": ["ram:PassRole", "ecs:RunInstances"]})) == {"pass-role-to-ecs"}


def test_a_deny_in_the_document_counts():
    document = policy({"Action": "*"})
    document["Statement"].append({"Effect": "Deny", "Action": ["ram:*", "sts:*"], "Resource": "*"})
    assert capability_ids(document) == {"run-command-on-instance"}


def test_a_conditional_deny_leaves_the_context_that_dodges_it():
    document = policy(
        {"Action": "ram:AttachPolicyToUser", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}
    )
    document["Statement"].append(
        {
            "Effect": "Deny",
            "Action": "ram:*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"acs:SourceIp": "10.1.0.0/16"}},
        }
    )
    [finding] = escalations(document)
    assert "ram:AttachPolicyToUser when acs:SourceIp=10.1." in finding.message


@pytest.mark.parametrize(
    ("resource", "found"),
    [
        ("*", True),
        ("acs:ram:*:*:user/*", True),
        ("acs:ram::123456789012:user/*", True),
        ("acs:ram::123456789012:user/alice", False),
        ("acs:ram::123456789012:user/team-33*", False),  # a prefix the policy writes, not "any user"
        ("acs:ram::123456789012:role/*", False),
    ],
)
def test_credentials_for_users_the_policy_does_not_name(resource, found):
    document = policy({"Action": "ram:CreateAccessKey", "Resource": resource})
    assert ("create-access-key" in capability_ids(document)) is found


def test_assuming_named_roles_is_not_assuming_any_role():
    assert capability_ids(policy({"Action": "sts:AssumeRole", "Resource": "acs:ram::1:role/ci"})) == set()
    assert capability_ids(policy({"Action": "sts:AssumeRole"})) == {"assume-any-role"}


def test_control_policies_are_not_checked(cli, tmp_path):
    (tmp_path / "scp.json").write_text(json.dumps(policy({"Action": "*"})))
    run = cli("lint", "scp.json", "--kind", "control", "--format", "json", cwd=tmp_path)
    assert "PRIVILEGE_ESCALATION" not in {f["code"] for f in run.json()["findings"]}


DIVERSE = [
    policy({"Action": "*"}),
    policy(
        {
            "Action": "ram:*",
            "Condition": {
                "DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"},
                "StringLike": {"acs:UserAgent": "*tool*"},
            },
        }
    ),
    policy(
        {
            "Action": "ram:Attach*",
            "Condition": {"DateGreaterThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}},
        }
    ),
    policy(
        {
            "Action": "sts:AssumeRole",
            "Condition": {
                "DateLessThanEquals": {"acs:CurrentTime": "0001-01-01T00:00:00Z"},
                "DateGreaterThanEquals": {"acs:CurrentTime": "0001-01-01T00:00:00Z"},
            },
        }
    ),
    policy({"Action": "ram:*", "Resource": "acs:ram:*:*:user/*"}),
    policy({"Action": "ram:*", "Resource": ["acs:ram::1:user/a", "acs:ram::1:group/*"]}),
    policy({"Action": "ram:Create*", "Condition": {"Bool": {"acs:MFAPresent": "true"}}}),
    policy(
        {"Action": "ram:*", "Condition": {"IpAddress": {"acs:SourceIp": "1.1.1.1"}}},
        {"Action": "ram:UpdateRole", "Condition": {"IpAddress": {"acs:SourceIp": "2.2.2.2"}}},
    ),
    {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": ["ram:*", "ecs:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "ram:Attach*", "Resource": "acs:ram:*:*:user/*"},
            {"Effect": "Deny", "Action": "ecs:*Command", "Resource": "*"},
        ],
    },
    policy({"NotAction": ["ram:*", "sts:*"], "Resource": "acs:ecs:*:*:instance/*"}),
    policy({"Action": "sts:AssumeRole", "Resource": ["acs:ram::1:role/a*", "acs:ram::2:role/*"]}),
]


@pytest.mark.parametrize("document", DIVERSE, ids=range(len(DIVERSE)))
def test_the_shortcuts_from_the_text_agree_with_the_evaluator(document):
    """Answers read off the text (no search) are the search's answers: with `alone` and without."""
    built = build_policy(document, "p.json", "identity")

    def decide(alone):
        found = find_escalations(
            lambda: Evaluator(PolicySet(identity=(built,))), Budget(), single_valued, alone=alone
        )
        return {e.capability.id: e.status for e in found}

    fast, searched = decide(built), decide(None)
    assert fast == searched
    assert POSSIBLE in fast.values()


def test_a_date_upper_bound_is_settled_from_the_text_at_the_earliest_instant(monkeypatch):
    """DateLessThan accepts no value its condition writes; the earliest instant (the solver's
    first pick) it accepts, so the proof needs no solver. A lower bound still goes to it."""
    from policycheck.evaluate import escalation as proof

    asked = []
    real = proof.could_allow
    monkeypatch.setattr(
        proof, "could_allow", lambda *args, **kwargs: asked.append(args) or real(*args, **kwargs)
    )

    def attach_policy(condition: dict) -> list:
        document = policy({"Action": "ram:AttachPolicyToUser", "Condition": condition})
        found = proof.find_escalations_alone(build_policy(document, "p.json", "identity"), {})
        return [e for e in found if e.status == POSSIBLE]

    [before] = attach_policy({"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}})
    assert asked == []
    assert before.steps[0].witness.context == {"acs:CurrentTime": ("0001-01-01T00:00:00Z",)}
    [after] = attach_policy({"DateGreaterThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}})
    assert asked
    assert after.steps[0].witness.context == {"acs:CurrentTime": ("2030-01-01T00:00:01Z",)}


def test_every_witness_is_allowed_by_the_evaluator():
    for document in DIVERSE:
        built = build_policy(document, "p.json", "identity")
        evaluator = Evaluator(PolicySet(identity=(built,)))
        for escalation in find_escalations(lambda e=evaluator: e, Budget(), single_valued, alone=built):
            for step in escalation.steps:
                assert evaluator.evaluate(step.witness).allowed, (escalation.capability.id, step.witness)


def test_an_exhausted_budget_is_undecided_never_impossible():
    document = policy({"Action": "ram:*", "Condition": {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}})
    built = build_policy(document, "p.json", "identity")
    found = find_escalations(lambda: Evaluator(PolicySet(identity=(built,))), Budget(1), alone=built)
    statuses = {e.capability.id: e.status for e in found}
    assert {statuses[c] for c in RAM_CAPABILITIES} == {UNDECIDED}
    assert statuses["run-command-on-instance"] == IMPOSSIBLE  # no Allow names it: no search at all


def test_an_exhausted_budget_is_a_finding(monkeypatch):
    import policycheck.evaluate.escalation as proof  # where lint's analysis gets its budget

    monkeypatch.setattr(proof, "Budget", lambda: Budget(1))
    document = policy({"Action": "ram:*", "Condition": {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}})
    [finding] = escalations(document)
    assert finding.message.startswith("could not prove that this policy allows no privilege escalation")
    assert "budget" in finding.message


def test_through_the_cli(cli, tmp_path):
    files = {
        "attach.json": policy({"Action": "ram:Attach*"}),
        "not-oss.json": policy({"NotAction": "oss:*"}),
        "ram-all.json": policy({"Action": "ram:*"}),
        "read-only.json": policy({"Action": ["ram:Get*", "ram:List*"]}),
    }
    for name, document in files.items():
        (tmp_path / name).write_text(json.dumps(document))
    run = cli("lint", ".", "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.err
    flagged = {f["file"] for f in run.json()["findings"] if f["code"] == "PRIVILEGE_ESCALATION"}
    assert flagged == {"attach.json", "not-oss.json", "ram-all.json"}
    text = cli("lint", "attach.json", cwd=tmp_path).out
    assert "security_warning PRIVILEGE_ESCALATION allows privilege escalation: attach-policy-to-user" in text


# The pre-filter (may_grant: patterns only) must never skip a statement that can take a step:
# every spelling below grants a capability action, and the rule must see it.
GRANTING_SPELLINGS = [
    ("Action", "*"),
    ("Action", "*:*"),
    ("Action", "r*:*"),
    ("Action", "ra?:*"),
    ("Action", "ram:Attach*"),
    ("Action", "ram:*Policy*"),
    ("Action", "*:AttachPolicyToUser"),
    ("Action", "RAM:attachpolicytouser"),
    ("Action", "Ram:ATTACHPOLICYTOUSER"),
    ("Action", "ram:AttachPolicyTo????"),
    ("Action", "sts:Assume*"),
    ("Action", "*Role"),
    ("Action", "ecs:*Command"),
    ("NotAction", "oss:*"),
    ("NotAction", "ram:Get*"),
    ("NotAction", ["ram:*", "ecs:*", "fc:*", "ros:*"]),  # still allows sts:AssumeRole
]


@pytest.mark.parametrize(("key", "action"), GRANTING_SPELLINGS, ids=lambda v: str(v))
def test_the_pre_filter_never_skips_a_grant(key, action):
    document = policy({key: action})
    built = build_policy(document, "p.json", "identity")
    assert may_grant(built.statements[0])
    assert capability_ids(document), "the spelling grants a capability"
    assert escalations(document), "and the rule reports it"


@pytest.mark.parametrize(
    ("key", "action"),
    [("Action", "ram:Get*"), ("Action", "ram:Attach"), ("Action", "xram:*"), ("NotAction", "*")],
)
def test_the_pre_filter_skips_what_names_no_capability_action(key, action):
    built = build_policy(policy({key: action}), "p.json", "identity")
    assert not may_grant(built.statements[0])


_PIECES = st.sampled_from(
    [
        "*",
        "?",
        "ram",
        "RAM",
        "sts",
        "ecs",
        "fc",
        "ros",
        "oss",
        ":",
        "Attach",
        "attach",
        "Policy",
        "To",
        "User",
        "Role",
        "Assume",
        "Create",
        "AccessKey",
        "Pass",
        "Run",
        "Command",
        "Instances",
        "Login",
        "Profile",
        "Update",
        "Group",
        "Add",
        "Version",
        "Default",
        "Set",
        "Stack",
        "Function",
        "Get",
    ]
)
_PATTERNS = st.lists(_PIECES, min_size=1, max_size=6).map("".join)


def _any_capability_action_allowed(built) -> bool:
    """The search alone, with no pre-filter: can any capability action be allowed at all?"""
    from policycheck.evaluate.possible import could_allow

    evaluator = Evaluator(PolicySet(identity=(built,)))
    actions = {a for c in capabilities() for s in c.requires for a in s.actions}
    return any(could_allow(evaluator, action, "*", budget=Budget()).possible for action in sorted(actions))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.lists(_PATTERNS, min_size=1, max_size=3)), min_size=1, max_size=3)
)
def test_a_policy_the_pre_filter_skips_allows_no_capability_action(statements):
    """Property: if no statement passes may_grant, the evaluator allows no capability action."""
    document = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", ("NotAction" if negated else "Action"): actions, "Resource": "*"}
            for negated, actions in statements
        ],
    }
    built = build_policy(document, "p.json", "identity")
    if not any(may_grant(s) for s in built.statements):
        assert not _any_capability_action_allowed(built)
        assert escalations(document) == []


_RESOURCES = st.sampled_from(
    [
        "*",
        "acs:ram:*:*:user/*",
        "acs:ram::1:user/*",
        "acs:ram::1:user/x*",
        "acs:ram::1:user/?",
        "acs:ram::*:user/a",
        "acs:ram:*:1:*",
        "acs:ram::000000000000:user/*",
        "acs:ram::1:role/*",
        "acs:ram:*:*:role/y?",
        "acs:*:*:*:*",
        "acs:ram::1:*x",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Allow", "Allow", "Deny"]),
            st.sampled_from(["ram:CreateAccessKey", "ram:*LoginProfile", "sts:AssumeRole", "ram:*"]),
            st.lists(_RESOURCES, min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_unnamed_steps_read_from_the_text_agree_with_the_search(statements):
    """The one-resource questions of unnamed steps settled from the text (a pattern that does not
    match the resource cannot allow it) give the search's answers."""
    document = {
        "Version": "1",
        "Statement": [
            {"Effect": effect, "Action": action, "Resource": resources}
            for effect, action, resources in statements
        ],
    }
    built = build_policy(document, "p.json", "identity")

    evaluator = Evaluator(PolicySet(identity=(built,)))

    def decide(alone):
        found = find_escalations(lambda: evaluator, Budget(), single_valued, alone=alone)
        for escalation in found:
            for step in escalation.steps:
                assert evaluator.evaluate(step.witness).allowed
        return {e.capability.id: e.status for e in found}

    assert decide(built) == decide(None)
