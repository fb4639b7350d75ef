"""Action and resource matching: wildcards, case, NotAction/NotResource, operation-level services."""

import pytest
from evaluate_support import decide, policy, statement, where

from policycheck.evaluate import Evaluator, PolicySet, Request


@pytest.mark.parametrize(
    ("pattern", "action", "allowed"),
    [
        ("ecs:Describe*", "ecs:DescribeInstances", True),
        ("ecs:Describe*", "ecs:Describe", True),  # * matches the empty run
        ("ecs:Describe*", "ecs:StartInstance", False),
        ("ecs:*Instance", "ecs:StartInstance", True),
        ("ecs:Get?", "ecs:GetX", True),  # ? is exactly one character
        ("ecs:Get?", "ecs:Get", False),
        ("ecs:Get?", "ecs:GetXY", False),
        ("e?s:*", "ecs:Anything", True),
        ("*", "ram:CreateUser", True),
        ("ecs:Describe*", "ecs:describeinstances", True),  # actions are case-insensitive
        ("ICE:queryiproductionjob", "ice:QueryIProductionJob", True),  # service prefix too
        ("ecs:DescribeInstances", "ecs:DescribeInstancesX", False),  # whole-string match
        ("ecs:Describe.", "ecs:DescribeX", False),  # regex characters are literal
    ],
)
def test_action_patterns(pattern, action, allowed):
    decision = decide(policy(statement(action=pattern)), action)
    assert decision.decision == ("allow" if allowed else "implicit_deny")


def test_action_list_matches_any_element():
    p = policy(statement(action=["oss:GetObject", "oss:PutObject"]))
    assert decide(p, "oss:PutObject").allowed
    assert not decide(p, "oss:DeleteObject").allowed


def test_not_action_allow_grants_everything_except_the_listed():
    p = policy(statement(NotAction="ram:*"))
    assert decide(p, "ecs:StartInstance").allowed
    assert decide(p, "ram:CreateUser").decision == "implicit_deny"
    assert decide(p, "RAM:createuser").decision == "implicit_deny"  # NotAction is case-insensitive too


def test_not_action_deny_denies_everything_except_the_listed():
    p = policy(
        statement(action="*"), statement("Deny", NotAction=["ecs:Describe*", "ecs:List*"], resource="*")
    )
    assert decide(p, "ecs:DescribeInstances").allowed
    deny = decide(p, "ecs:StartInstance")
    assert deny.decision == "explicit_deny"
    assert [where(m) for m in deny.matched] == [("p.json", 1, "identity")]


@pytest.mark.parametrize(
    ("pattern", "resource", "allowed"),
    [
        ("acs:oss:*:*:bucket/*", "acs:oss:*:*:bucket/a/b.txt", True),
        ("acs:oss:*:*:bucket/*", "acs:oss:*:*:other/a", False),
        ("acs:oss:*:*:bucket/?", "acs:oss:*:*:bucket/a", True),
        ("acs:oss:*:*:bucket/?", "acs:oss:*:*:bucket/ab", False),
        ("acs:*:*cn-beijing*:*:*", "acs:ecs:cn-beijing:123:instance/i-1", True),  # * crosses ':' too
        ("acs:oss:*:*:Bucket/*", "acs:oss:*:*:bucket/a", False),  # resources are case-sensitive
    ],
)
def test_resource_patterns(pattern, resource, allowed):
    decision = decide(policy(statement(action="oss:GetObject", resource=pattern)), "oss:GetObject", resource)
    assert decision.allowed is allowed


def test_not_resource_applies_to_resources_not_listed():
    p = policy(statement(action="oss:*", NotResource="acs:oss:*:*:secret/*"))
    assert decide(p, "oss:GetObject", "acs:oss:*:*:public/a").allowed
    assert not decide(p, "oss:GetObject", "acs:oss:*:*:secret/a").allowed


ACCOUNT_ARN = "acs:ice:<region>:<account-id>:*"


def test_ice_resource_scoped_grant_allows_nothing():
    """ICE authorizes per operation: the request is on the account-scoped ARN, which a job ARN
    never matches, whatever resource the caller names and wherever the request is made."""
    p = policy(statement(action="ice:QueryIProductionJob", resource="acs:ice:*:*:job/*"))
    for resource in ("*", "acs:ice:*:*:job/1"):
        for region, account in ((None, None), ("cn-shanghai", "1234")):
            decision = decide(p, "ice:QueryIProductionJob", resource, region=region, account=account)
            assert decision.decision == "implicit_deny"
            assert decision.denied_by_layer == "identity"
            assert decision.missing_scope == ()
    assert decide(p, "ice:QueryIProductionJob").resource == ACCOUNT_ARN


def test_ice_grant_on_star_allows_whatever_resource_is_named():
    p = policy(statement(action="ice:QueryIProductionJob", resource="*"))
    decision = decide(p, "ice:QueryIProductionJob", "acs:ice:*:*:job/1")
    assert decision.allowed
    assert decision.resource == ACCOUNT_ARN


@pytest.mark.parametrize(
    "resource", ["*", "acs:ice:*:*:*", "acs:*:*:*:*", "acs:ice:*", "acs:*", "acs:ice:*:*:?"]
)
def test_service_wide_arn_grants_an_operation_level_action_everywhere(resource):
    """AliyunICEFullAccess writes `acs:ice:*:*:*`: it applies in every region and account."""
    p = policy(statement(action="ice:*", resource=resource))
    for region, account in ((None, None), ("cn-shanghai", "1234"), ("ap-southeast-1", "99")):
        decision = decide(p, "ice:QueryIProductionJob", region=region, account=account)
        assert decision.allowed
        assert decision.missing_scope == ()


def test_region_and_account_scoped_arns_apply_there_only():
    in_region = policy(statement(action="ice:*", resource="acs:ice:cn-shanghai:*:*"))
    in_account = policy(statement(action="ice:*", resource="acs:ice:*:1234:*"))
    assert decide(in_region, "ice:QueryIProductionJob", region="cn-shanghai").allowed
    assert not decide(in_region, "ice:QueryIProductionJob", region="cn-beijing").allowed
    assert decide(in_account, "ice:QueryIProductionJob", account="1234").allowed
    assert not decide(in_account, "ice:QueryIProductionJob", account="5678").allowed
    shown = decide(in_account, "ice:QueryIProductionJob", region="cn-beijing", account="1234").resource
    assert shown == "acs:ice:cn-beijing:1234:*"


def test_unknown_region_or_account_is_reported_like_a_missing_key():
    """A statement that matches only some regions neither grants nor denies when the region is
    not given, and the decision says what it depends on."""
    allow = policy(statement(action="ice:*", resource="acs:ice:cn-shanghai:*:*"))
    decision = decide(allow, "ice:QueryIProductionJob")
    assert decision.decision == "implicit_deny"
    assert decision.missing_scope == ("region",)
    assert [m.statement.index for m in decision.pending] == [0]
    deny = policy(
        statement(action="ice:*", resource="*"),
        statement("Deny", action="ice:*", resource="acs:ice:*:1234:*"),
    )
    decision = decide(deny, "ice:QueryIProductionJob")
    assert decision.allowed
    assert decision.missing_scope == ("account",)
    assert decide(deny, "ice:QueryIProductionJob", account="1234").decision == "explicit_deny"
    assert decide(deny, "ice:QueryIProductionJob", account="5678").missing_scope == ()


def test_operation_level_resource_is_never_a_job():
    """Patterns are matched against `acs:ice:<region>:<account>:*`: a `*` of the pattern never
    reaches across the region or account field (`acs:ice:*:*:job/*` cannot match by taking
    `job/` as part of a region)."""
    for resource in ("acs:ice:*:*:job/*", "acs:ice:*:*:*/x", "acs:oss:*:*:*", "?", "acs:ice:*:*:job"):
        p = policy(statement(action="ice:*", resource=resource))
        assert not decide(p, "ice:QueryIProductionJob").allowed, resource
        assert decide(p, "ice:QueryIProductionJob").missing_scope == (), resource


def test_operation_level_deny_with_scoped_resource_does_not_apply():
    p = policy(
        statement(action="ice:*", resource="*"),
        statement("Deny", action="ice:*", resource="acs:ice:*:*:job/*"),
    )
    assert decide(p, "ice:SubmitIProductionJob").allowed


def test_resource_level_service_uses_the_given_resource():
    p = policy(statement(action="oss:GetObject", resource="acs:oss:*:*:b/*"))
    assert decide(p, "oss:GetObject", "acs:oss:*:*:b/x").resource == "acs:oss:*:*:b/x"
    assert not decide(p, "oss:GetObject").allowed  # the default resource `*` is not under b/


def test_statement_without_resource_never_applies():
    trust = policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::1:root"]}},
        kind="trust",
    )
    assert decide(trust, "sts:AssumeRole").decision == "implicit_deny"


def test_default_operation_level_comes_from_the_catalog(monkeypatch):
    import sys
    import types

    from policycheck.evaluate import Evaluator, PolicySet, Request

    catalog = types.ModuleType("policycheck.catalog")
    catalog.is_operation_level = lambda action: action.lower().startswith("ice:")
    monkeypatch.setitem(sys.modules, "policycheck.catalog", catalog)
    p = policy(statement(action="ice:*", resource="acs:ice:*:*:job/*"))
    request = Request("ice:QueryIProductionJob", "acs:ice:*:*:job/1")
    assert Evaluator(PolicySet((p,))).evaluate(request).decision == "implicit_deny"
    assert Evaluator(PolicySet((p,)), operation_level=lambda action: False).evaluate(request).allowed


def test_a_global_service_is_requested_in_the_empty_region():
    """RAM's own ARNs leave the region empty (acs:ram::<account-id>:role/NAME): an operation-level
    RAM action is placed there, whatever region is given, so `acs:ram::1:*` names only the account."""
    ram_level = lambda action: action.startswith("ram:")  # noqa: E731
    p = policy(statement(action="ram:*", resource="acs:ram::1:*"))
    ev = Evaluator(PolicySet((p,)), operation_level=ram_level)
    decision = ev.evaluate(Request("ram:GetAccountAlias", region="cn-shanghai", account="1"))
    assert decision.allowed and decision.resource == "acs:ram::1:*"
    assert ev.evaluate(Request("ram:GetAccountAlias")).missing_scope == ("account",)
