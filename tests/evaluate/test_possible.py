""" "Could this ever be allowed?": witnesses that verify, reasons that name the statement."""

import pytest
from evaluate_support import evaluator, policy, statement, where

from policycheck.evaluate import could_allow
from policycheck.evaluate.budget import Budget
from policycheck.evaluate.glob import compile_globs


def check(ev, action, resource="*", **kwargs):
    """could_allow, plus the invariants every answer must keep."""
    answer = could_allow(ev, action, resource, **kwargs)
    if answer.possible:
        assert answer.exhaustive
        assert answer.witness is not None and answer.witness.action == action
        assert ev.evaluate(answer.witness).allowed
        if kwargs.get("any_resource", True):
            assert compile_globs([resource])(answer.witness.resource) or answer.witness.resource == "*"
        assert answer.granted_by == ev.evaluate(answer.witness).matched
        assert answer.reason == ""
    else:
        assert answer.witness is None and answer.granted_by == () and answer.reason
    return answer


def test_media_worker_can_query_but_never_submit():
    worker = evaluator(policy(statement(action="ice:QueryIProductionJob"), source="worker.json"))
    query = check(worker, "ice:QueryIProductionJob")
    assert query.possible and query.conditional_keys == ()
    assert query.witness.resource == "acs:ice:cn-hangzhou:1234567890123456:*"
    assert [where(m) for m in query.granted_by] == [("worker.json", 0, "identity")]
    submit = check(worker, "ice:SubmitIProductionJob")
    assert not submit.possible and submit.exhaustive
    assert submit.reason == "no Allow statement in the identity policies matches ice:SubmitIProductionJob"


def test_ice_resource_scoped_grant_is_never_allowed_and_says_why():
    ev = evaluator(policy(statement(action="ice:*", resource="acs:ice:*:*:job/*"), source="scoped.json"))
    answer = check(ev, "ice:QueryIProductionJob", "acs:ice:*:*:job/*")
    assert not answer.possible and answer.exhaustive
    assert "authorized per operation" in answer.reason and "Statement[0] of scoped.json" in answer.reason


def test_ip_deny_is_avoided_by_an_address_outside_it():
    ev = evaluator(
        policy(
            statement(action="oss:*"),
            statement("Deny", action="oss:*", condition={"IpAddress": {"acs:SourceIp": "0.0.0.0/1"}}),
        )
    )
    answer = check(ev, "oss:GetObject")
    assert answer.possible
    # leaving the key out is enough: a Deny on a missing key does not fire
    assert answer.witness.context == {}


def test_ip_allow_and_ip_deny_leave_a_gap():
    ev = evaluator(
        policy(
            statement(action="oss:*", condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}),
            statement("Deny", action="oss:*", condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/9"}}),
        )
    )
    answer = check(ev, "oss:GetObject")
    assert answer.possible and answer.conditional_keys == ("acs:SourceIp",)
    [ip] = answer.witness.context["acs:SourceIp"]
    assert ip.startswith("10.") and int(ip.split(".")[1]) >= 128


def test_ip_deny_covering_the_allow_makes_it_impossible():
    ev = evaluator(
        policy(
            statement(action="oss:*", condition={"IpAddress": {"acs:SourceIp": "10.1.0.0/16"}}),
            statement("Deny", action="oss:*", condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}),
            source="p.json",
        )
    )
    answer = check(ev, "oss:GetObject")
    assert not answer.possible and answer.exhaustive
    assert "Statement[1] of p.json" in answer.reason


def test_unconditional_deny_on_every_matching_resource_blocks():
    ev = evaluator(
        policy(statement(action="oss:*", resource="acs:oss:*:*:b/*")),
        policy(statement("Deny", action="oss:Get*", resource="acs:oss:*:*:b/*"), source="deny.json"),
    )
    answer = check(ev, "oss:GetObject", "acs:oss:*:*:b/*")
    assert not answer.possible and answer.exhaustive
    assert answer.reason == "denied by Statement[0] of deny.json for every context"


def test_deny_on_part_of_the_resources_leaves_the_rest():
    ev = evaluator(
        policy(statement(action="oss:*", resource="acs:oss:*:*:b/*")),
        policy(statement("Deny", action="oss:*", resource="acs:oss:*:*:b/secret/*")),
    )
    answer = check(ev, "oss:GetObject", "acs:oss:*:*:b/*")
    assert answer.possible
    assert not answer.witness.resource.startswith("acs:oss:*:*:b/secret/")


def test_resource_pattern_outside_every_grant_is_impossible():
    ev = evaluator(policy(statement(action="oss:*", resource="acs:oss:*:*:b/*")))
    answer = check(ev, "oss:GetObject", "acs:oss:cn-hangzhou:1:c/?")
    assert not answer.possible and answer.exhaustive
    assert answer.reason == (
        "no resource matching 'acs:oss:cn-hangzhou:1:c/?' is allowed by the identity policies "
        "for oss:GetObject"
    )


def test_star_crosses_colons_so_wildcard_patterns_overlap_more_than_they_seem():
    """`*` matches any run, `:` included: the account `*` of one pattern can hold `x:b/y`."""
    ev = evaluator(policy(statement(action="oss:*", resource="acs:oss:*:*:b/*")))
    answer = check(ev, "oss:GetObject", "acs:oss:*:*:c/*")
    assert answer.possible and answer.witness.resource == "acs:oss:::b/:c/"


def test_overlapping_wildcard_patterns_are_found():
    ev = evaluator(policy(statement(action="oss:*", resource="acs:oss:*:*:*-prod/*")))
    answer = check(ev, "oss:GetObject", "acs:oss:*:*:team-*")
    assert answer.possible
    assert answer.witness.resource.startswith("acs:oss:") and "-prod/" in answer.witness.resource


def test_not_resource_allow_and_any_resource():
    ev = evaluator(policy(statement(action="oss:*", NotResource="acs:oss:*:*:secret/*")))
    assert check(ev, "oss:GetObject", "acs:oss:*:*:*").possible
    assert not check(ev, "oss:GetObject", "acs:oss:*:*:secret/*").possible


def test_fixed_resource_when_any_resource_is_false():
    ev = evaluator(policy(statement(action="oss:*", resource="acs:oss:*:*:b/*")))
    assert check(ev, "oss:GetObject", "acs:oss:*:*:b/x", any_resource=False).possible
    # the literal string `acs:oss:*:*:*` is not under b/
    assert not check(ev, "oss:GetObject", "acs:oss:*:*:*", any_resource=False).possible
    assert check(ev, "oss:GetObject", "acs:oss:*:*:*").possible


@pytest.mark.parametrize(
    ("allow", "deny", "expected"),
    [
        ({"StringEquals": {"acs:K": "a"}}, {"StringEquals": {"acs:K": "a"}}, False),
        ({"StringEquals": {"acs:K": ["a", "b"]}}, {"StringEquals": {"acs:K": "a"}}, True),
        ({"StringLike": {"acs:K": "team-*"}}, {"StringNotLike": {"acs:K": "team-a*"}}, True),
        ({"StringLike": {"acs:K": "team-*"}}, {"StringLike": {"acs:K": "team*"}}, False),
        ({"StringEqualsIgnoreCase": {"acs:K": "dev"}}, {"StringEquals": {"acs:K": "dev"}}, True),
        ({"StringEqualsIgnoreCase": {"acs:K": "d"}}, {"StringEquals": {"acs:K": ["d", "D"]}}, False),
        ({"StringNotEquals": {"acs:K": "a"}}, {"StringNotLike": {"acs:K": "?"}}, True),
        ({"NumericLessThan": {"acs:N": "10"}}, {"NumericLessThan": {"acs:N": "9"}}, True),
        ({"NumericLessThan": {"acs:N": "10"}}, {"NumericLessThanEquals": {"acs:N": "10"}}, False),
        ({"NumericGreaterThan": {"acs:N": "1"}}, {"NumericGreaterThanEquals": {"acs:N": "1.5"}}, True),
        ({"NumericEquals": {"acs:N": "3"}}, {"NumericNotEquals": {"acs:N": "4"}}, (True, False)),
        ({"NumericNotEquals": {"acs:N": "3"}}, {"NumericGreaterThan": {"acs:N": "-100"}}, True),
        (
            {"DateLessThan": {"acs:CurrentTime": "2025-01-01T00:00:00Z"}},
            {"DateLessThan": {"acs:CurrentTime": "2024-12-31T23:59:59+08:00"}},
            True,
        ),
        (
            {"DateGreaterThan": {"acs:CurrentTime": "9999-12-31T23:59:59Z"}},
            {"DateNotEquals": {"acs:CurrentTime": "1970-01-01T00:00:00Z"}},
            (True, False),
        ),
        ({"Bool": {"acs:SecureTransport": "true"}}, {"Bool": {"acs:SecureTransport": "false"}}, True),
        ({"Bool": {"acs:SecureTransport": "true"}}, {"Bool": {"acs:SecureTransport": "TRUE"}}, False),
        ({"IpAddress": {"acs:SourceIp": "::/0"}}, {"IpAddress": {"acs:SourceIp": "0.0.0.0/0"}}, True),
        (
            {"IpAddress": {"acs:SourceIp": "::/0"}},
            {"NotIpAddress": {"acs:SourceIp": "0.0.0.0/0"}},
            (True, False),
        ),
    ],
)
def test_allow_condition_against_deny_condition_on_the_same_key(allow, deny, expected):
    """`expected` is one bool, or (with several values per key, with one value per key)."""
    multi, single = expected if isinstance(expected, tuple) else (expected, expected)
    ev = evaluator(policy(statement(condition=allow), statement("Deny", condition=deny)))
    answer = check(ev, "x:Y")
    assert (answer.possible, answer.exhaustive) == (multi, True)
    answer = check(ev, "x:Y", single_valued=True)
    assert (answer.possible, answer.exhaustive) == (single, True)
    if answer.possible:
        assert all(len(values) == 1 for values in answer.witness.context.values())


def test_date_witness_is_iso_and_inside_the_window():
    window = {"DateGreaterThan": {"acs:CurrentTime": "2025-01-01T00:00:00Z"}}
    window["DateLessThan"] = {"acs:CurrentTime": "2025-01-01T00:00:01Z"}
    answer = check(evaluator(policy(statement(condition=window))), "x:Y")
    assert answer.witness.context == {"acs:CurrentTime": ("2025-01-01T00:00:00.5Z",)}


def test_contradictory_allow_conditions_are_impossible():
    condition = {"NumericLessThan": {"acs:N": "1"}, "NumericGreaterThanEquals": {"acs:N": "1"}}
    ev = evaluator(policy(statement(condition=condition), source="c.json"))
    # with several values per key, one value below 1 and another at 1 or above do it
    assert check(ev, "x:Y").witness.context == {"acs:N": ("1", "0")}
    answer = check(ev, "x:Y", single_valued=True)
    assert not answer.possible and answer.exhaustive
    assert answer.reason == "the conditions of Statement[0] of c.json on acs:N cannot all hold"


def test_multi_valued_context_satisfies_two_equalities_on_one_key():
    """`StringEquals a` AND `StringEquals b` needs two values at once; RAM contexts may carry several."""
    condition = {"StringEquals": {"acs:K": "a"}, "StringEqualsIgnoreCase": {"acs:K": "B"}}
    answer = check(evaluator(policy(statement(condition=condition))), "x:Y")
    assert answer.possible and sorted(answer.witness.context["acs:K"]) == ["B", "a"]


def test_any_context_false_uses_the_given_context_exactly():
    ev = evaluator(
        policy(statement(condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}), source="ip.json")
    )
    inside = check(ev, "x:Y", context={"acs:SourceIp": ("10.0.0.1",)}, any_context=False)
    assert inside.possible and inside.witness.context == {"acs:SourceIp": ("10.0.0.1",)}
    outside = check(ev, "x:Y", context={"acs:SourceIp": ("8.8.8.8",)}, any_context=False)
    assert not outside.possible and outside.exhaustive
    assert outside.reason == (
        'Statement[0] of ip.json requires IpAddress acs:SourceIp "10.0.0.0/8", '
        'and the context gives the value "8.8.8.8"'
    )
    assert not check(ev, "x:Y", any_context=False).possible  # the key is missing


def test_given_context_is_kept_and_other_keys_are_free():
    condition = {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}, "Bool": {"acs:MFAPresent": "true"}}
    ev = evaluator(policy(statement(condition=condition)))
    answer = check(ev, "x:Y", context={"ACS:SOURCEIP": ("10.9.9.9",)})
    assert answer.possible
    assert answer.witness.context == {"ACS:SOURCEIP": ("10.9.9.9",), "acs:MFAPresent": ("true",)}
    assert answer.conditional_keys == ("acs:MFAPresent",)
    assert not check(ev, "x:Y", context={"acs:SourceIp": ("11.0.0.1",)}).possible


def test_deny_dodged_through_another_key():
    ev = evaluator(
        policy(
            statement(condition={"StringEquals": {"acs:A": "x"}}),
            statement(
                "Deny", condition={"StringEquals": {"acs:A": "x"}, "Bool": {"acs:MFAPresent": "false"}}
            ),
        )
    )
    answer = check(ev, "x:Y")
    assert answer.possible and "acs:MFAPresent" not in answer.witness.context


def test_control_and_session_layers_must_be_satisfiable_together():
    identity = policy(statement(condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    session = policy(statement(condition={"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}), kind="session")
    ev = evaluator(identity, session=session)
    answer = check(ev, "x:Y")
    # two addresses in one context satisfy both (a multi-valued key)
    assert answer.possible and len(answer.witness.context["acs:SourceIp"]) == 2
    control = policy(statement(action="oss:*"), kind="control", source="cp.json")
    blocked = check(evaluator(identity, control=(control,)), "x:Y")
    assert not blocked.possible and blocked.reason == "no Allow statement in the control policies matches x:Y"


def test_session_without_matching_allow_names_the_session():
    session = policy(statement(action="oss:*"), kind="session")
    answer = check(evaluator(policy(statement()), session=session), "ecs:X")
    assert answer.reason == "no Allow statement in the session policy matches ecs:X"


def test_unknown_operator_allow_is_never_possible():
    ev = evaluator(policy(statement(condition={"StringEqualsIfExists": {"acs:K": "a"}})))
    answer = check(ev, "x:Y")
    assert not answer.possible and answer.exhaustive


def test_mixed_families_on_one_key_may_be_undecided_but_never_falsely_impossible():
    # A value that is a number below 10 and also matches the string pattern "1?": 10..19 are not
    # below 10, so no such value exists; the solver cannot prove that across families.
    condition = {"NumericLessThan": {"acs:N": "10"}, "StringLike": {"acs:N": "1?"}}
    answer = check(evaluator(policy(statement(condition=condition))), "x:Y", single_valued=True)
    assert not answer.possible
    assert not answer.exhaustive and answer.reason.startswith("undecided:")
    # ...and when a typed candidate fits, the witness is found and verified
    condition = {"NumericLessThan": {"acs:N": "10"}, "StringLike": {"acs:N": "?"}}
    assert check(evaluator(policy(statement(condition=condition))), "x:Y", single_valued=True).possible


def test_budget_exhaustion_is_undecided():
    ev = evaluator(policy(statement(action="oss:*", resource="acs:oss:*:*:bucket-with-a-long-name/*")))
    answer = could_allow(ev, "oss:GetObject", "acs:oss:*", budget=Budget(1))
    assert not answer.possible and not answer.exhaustive
    assert answer.reason.startswith("undecided: the analysis ran out of its budget (1 step)")
    assert could_allow(ev, "oss:GetObject", "acs:oss:*", budget=Budget()).possible


def test_an_interval_of_one_point_yields_that_point():
    condition = {"NumericGreaterThanEquals": {"acs:N": "10"}, "NumericLessThanEquals": {"acs:N": "10.0"}}
    answer = check(evaluator(policy(statement(condition=condition))), "x:Y", single_valued=True)
    assert answer.witness.context == {"acs:N": ("10",)}


def test_date_window_before_the_epoch():
    window = {
        "DateGreaterThan": {"acs:CurrentTime": "1969-12-31T23:59:59Z"},
        "DateLessThan": {"acs:CurrentTime": "1970-01-01T00:00:00Z"},
    }
    answer = check(evaluator(policy(statement(condition=window))), "x:Y")
    assert answer.witness.context == {"acs:CurrentTime": ("1969-12-31T23:59:59.5Z",)}


def test_a_for_all_values_deny_fires_without_the_key_so_the_witness_sets_it():
    """Vacuous truth: a request without acs:TagKeys meets ForAllValues:, so the Deny applies."""
    ev = evaluator(
        policy(
            statement(action="ecs:*"),
            statement("Deny", action="ecs:*", condition={"ForAllValues:StringEquals": {"acs:TagKeys": "a"}}),
        )
    )
    answer = check(ev, "ecs:CreateInstance")
    assert answer.possible and answer.conditional_keys == ("acs:TagKeys",)
    assert "a" not in answer.witness.context["acs:TagKeys"]


def test_a_for_all_values_deny_every_value_meets_is_never_dodged():
    ev = evaluator(
        policy(
            statement(action="ecs:*"),
            statement("Deny", action="ecs:*", condition={"ForAllValues:StringLike": {"acs:TagKeys": "*"}}),
        )
    )
    answer = check(ev, "ecs:CreateInstance")
    assert not answer.possible and answer.exhaustive


def test_for_any_value_allow_needs_one_matching_value_among_several():
    ev = evaluator(
        policy(
            statement(
                action="ecs:*",
                condition={
                    "ForAnyValue:StringEquals": {"acs:TagKeys": "owner"},
                    "ForAllValues:StringLike": {"acs:TagKeys": ["owner", "cost-*"]},
                },
            ),
            statement(
                "Deny", action="ecs:*", condition={"ForAnyValue:StringNotLike": {"acs:TagKeys": "owner"}}
            ),
        )
    )
    answer = check(ev, "ecs:CreateInstance")
    assert answer.possible and answer.witness.context == {"acs:TagKeys": ("owner",)}


def test_a_kept_context_solution_spends_the_steps_it_took():
    """Solutions per set of conditions are kept across questions (Compilation.solved): an answer
    read from there is the one solving gives, and spends the same budget, so a question runs
    out of budget exactly where it would have without it."""
    from policycheck.evaluate import Evaluator, PolicySet
    from policycheck.evaluate.engine import Compilation

    guarded = statement(
        action="ram:GetUser",
        resource="acs:ram::*:user/*",
        condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}, "StringLike": {"acs:UserAgent": "*tool*"}},
    )
    # the same conditions in two documents: the second question reads other statements (no
    # kept answer for the question), but the same conditions (a kept solution)
    first = policy(guarded, source="a.json")
    second = policy(guarded, statement(action="oss:GetObject"), source="b.json")

    def asked(ev, steps=2_000_000):
        budget = Budget(steps)
        return could_allow(ev, "ram:GetUser", budget=budget), budget.used

    shared = Compilation()
    fresh, fresh_used = asked(Evaluator(PolicySet(identity=(second,))))
    asked(Evaluator(PolicySet(identity=(first,)), compilation=shared))
    assert shared.solved
    kept, kept_used = asked(Evaluator(PolicySet(identity=(second,)), compilation=shared))
    assert kept == fresh and kept.possible and kept_used == fresh_used
    short, _ = asked(Evaluator(PolicySet(identity=(second,)), compilation=shared), fresh_used - 1)
    assert not short.possible and not short.exhaustive
    enough, _ = asked(Evaluator(PolicySet(identity=(second,)), compilation=shared), fresh_used)
    assert enough == fresh
