"""Combining statements, documents and layers into one decision."""

from evaluate_support import decide, evaluator, policy, statement, where

from policycheck.evaluate import PolicySet, Request, evaluate

ALLOW_ALL = statement(action="*", resource="*")


def test_no_statement_is_implicit_deny_by_identity():
    decision = decide(policy(statement(action="oss:*")), "ecs:StartInstance")
    assert (decision.decision, decision.denied_by_layer, decision.matched) == (
        "implicit_deny",
        "identity",
        (),
    )


def test_allow_reports_every_allowing_statement():
    a = policy(statement(action="ecs:*"), source="a.json")
    b = policy(statement(action="oss:*"), statement(action="ecs:Start*"), source="b.json")
    decision = decide((a, b), "ecs:StartInstance")
    assert decision.allowed and decision.denied_by_layer is None
    assert [where(m) for m in decision.matched] == [("a.json", 0, "identity"), ("b.json", 1, "identity")]
    assert all(m.effect == "Allow" for m in decision.matched)


def test_explicit_deny_in_another_document_wins():
    allow = policy(ALLOW_ALL, source="admin.json")
    deny = policy(statement(action="x:Y"), statement("Deny", action="ecs:Delete*"), source="deny.json")
    decision = decide((allow, deny), "ecs:DeleteInstance")
    assert decision.decision == "explicit_deny"
    assert decision.denied_by_layer == "identity"
    assert [where(m) for m in decision.matched] == [("deny.json", 1, "identity")]
    assert decision.matched[0].effect == "Deny"
    assert decision.matched[0].describe() == "Statement[1] of deny.json"


def test_explicit_deny_without_any_allow_is_still_explicit():
    decision = decide(policy(statement("Deny", action="ecs:*")), "ecs:StartInstance")
    assert decision.decision == "explicit_deny"


def test_conditional_deny_fires_only_when_its_condition_holds():
    p = policy(ALLOW_ALL, statement("Deny", condition={"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    assert decide(p, "ecs:X", context={"acs:SourceIp": ("10.1.1.1",)}).allowed
    assert decide(p, "ecs:X", context={"acs:SourceIp": ("8.8.8.8",)}).decision == "explicit_deny"


def test_control_policy_must_also_allow():
    identity = policy(ALLOW_ALL, source="id.json")
    control = policy(statement(action="ecs:*"), source="cp.json", kind="control")
    assert decide(identity, "ecs:StartInstance", control=(control,)).allowed
    decision = decide(identity, "oss:GetObject", control=(control,))
    assert (decision.decision, decision.denied_by_layer) == ("implicit_deny", "control")


def test_control_policies_are_one_layer_any_may_allow():
    identity = policy(ALLOW_ALL)
    cp1 = policy(statement(action="ecs:*"), source="cp1.json", kind="control")
    cp2 = policy(statement(action="oss:*"), source="cp2.json", kind="control")
    decision = decide(identity, "oss:GetObject", control=(cp1, cp2))
    assert decision.allowed
    assert [where(m) for m in decision.matched] == [("cp2.json", 0, "control"), ("p.json", 0, "identity")]


def test_control_policy_deny_is_explicit_and_names_the_control_layer():
    identity = policy(ALLOW_ALL)
    control = policy(ALLOW_ALL, statement("Deny", action="ram:*"), source="cp.json", kind="control")
    decision = decide(identity, "ram:CreateUser", control=(control,))
    assert (decision.decision, decision.denied_by_layer) == ("explicit_deny", "control")
    assert [where(m) for m in decision.matched] == [("cp.json", 1, "control")]


def test_control_policy_alone_grants_nothing():
    control = policy(ALLOW_ALL, kind="control")
    decision = decide((), "ecs:X", control=(control,))
    assert (decision.decision, decision.denied_by_layer) == ("implicit_deny", "identity")


def test_session_policy_must_also_allow():
    identity = policy(ALLOW_ALL)
    session = policy(statement(action="ice:QueryIProductionJob"), source="session.json", kind="session")
    assert decide(identity, "ice:QueryIProductionJob", session=session).allowed
    decision = decide(identity, "ice:SubmitIProductionJob", session=session)
    assert (decision.decision, decision.denied_by_layer) == ("implicit_deny", "session")


def test_session_policy_alone_grants_nothing():
    identity = policy(statement(action="oss:*"))
    session = policy(ALLOW_ALL, kind="session")
    decision = decide(identity, "ecs:X", session=session)
    assert (decision.decision, decision.denied_by_layer) == ("implicit_deny", "identity")


def test_first_layer_that_does_not_allow_is_reported_in_ram_order():
    identity = policy(statement(action="oss:*"))
    control = policy(statement(action="oss:*"), kind="control")
    session = policy(statement(action="ecs:*"), kind="session")
    # neither control nor session nor identity allow ecs... control is evaluated first
    assert decide(identity, "ram:X", control=(control,), session=session).denied_by_layer == "control"
    # control allows oss, the session does not
    assert decide(identity, "oss:X", control=(control,), session=session).denied_by_layer == "session"


def test_explicit_deny_in_any_layer_wins_over_allows_in_all():
    identity = policy(ALLOW_ALL, statement("Deny", action="oss:DeleteBucket"), source="id.json")
    control = policy(ALLOW_ALL, kind="control", source="cp.json")
    session = policy(ALLOW_ALL, statement("Deny", action="oss:Delete*"), kind="session", source="s.json")
    decision = decide(identity, "oss:DeleteBucket", control=(control,), session=session)
    assert decision.decision == "explicit_deny"
    assert decision.denied_by_layer == "session"  # the first layer, in RAM's order, with a Deny
    assert [where(m) for m in decision.matched] == [("s.json", 1, "session"), ("id.json", 1, "identity")]


def test_all_layers_allowing_lists_matches_in_layer_order():
    identity = policy(ALLOW_ALL, source="id.json")
    control = policy(ALLOW_ALL, kind="control", source="cp.json")
    session = policy(ALLOW_ALL, kind="session", source="s.json")
    decision = decide(identity, "oss:GetObject", control=(control,), session=session)
    assert [m.layer for m in decision.matched] == ["control", "session", "identity"]


def test_missing_context_is_sorted_and_unique_across_statements():
    p = policy(
        statement(condition={"StringEquals": {"acs:Z": "1", "acs:A": "1"}}),
        statement(condition={"StringEquals": {"ACS:z": "1"}}),
    )
    decision = decide(p, "x:Y")
    assert decision.missing_context == ("acs:A", "ACS:z")  # sorted by folded key; smallest spelling


def test_conditions_of_statements_that_do_not_match_the_action_are_not_reported():
    p = policy(statement(action="oss:*", condition={"StringEquals": {"acs:A": "1"}}))
    decision = decide(p, "ecs:X")
    assert decision.conditions == () and decision.missing_context == ()


def test_evaluate_convenience_function_and_evaluator_reuse():
    p = policy(statement(action="ecs:*"))
    assert evaluate(PolicySet((p,)), Request("ecs:X"), operation_level=lambda a: False).allowed
    ev = evaluator(p)
    assert [ev.evaluate(Request(a)).decision for a in ("ecs:A", "oss:B", "ECS:C")] == [
        "allow",
        "implicit_deny",
        "allow",
    ]
