"""explain(): the decision with its near misses as data, for every reporter to show."""

from evaluate_support import evaluator, policy, statement, where

from policycheck.evaluate import Request, explain


def test_an_implicit_deny_lists_the_allows_that_did_not_apply_and_why():
    ev = evaluator(
        policy(
            statement(action="oss:GetObject", resource="acs:oss:*:*:bucket/a/*"),
            statement(action="oss:GetObject", condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}),
            statement("Deny", action="oss:GetObject", resource="acs:oss:*:*:bucket/b/*"),
            statement(action="oss:PutObject"),
        )
    )
    request = Request("oss:GetObject", "acs:oss:*:*:bucket/c/x", {"acs:SourceIp": ("203.0.113.9",)})
    explanation = explain(ev, request)
    assert explanation.decision.decision == "implicit_deny" and not explanation.allowed
    misses = {where(m.match)[1]: m for m in explanation.near_misses}
    assert sorted(misses) == [0, 1]  # the Deny and the other action's Allow are no near miss
    assert misses[0].resource_mismatch and misses[0].failed_conditions == ()
    assert not misses[1].resource_mismatch
    assert [c.condition.key for c in misses[1].failed_conditions] == ["acs:SourceIp"]


def test_an_allow_has_no_near_misses_and_could_it_ever_decides_the_answer():
    ev = evaluator(policy(statement(action="oss:GetObject", resource="acs:oss:*:*:bucket/a/*")))
    allowed = explain(ev, Request("oss:GetObject", "acs:oss:*:*:bucket/a/x"))
    assert allowed.allowed and allowed.near_misses == () and allowed.possibility is None
    possible = explain(ev, Request("oss:GetObject", "acs:oss:*:*:bucket/*"), any_resource=True)
    assert not possible.decision.allowed and possible.allowed
