"""What one set of policies allows that another does not: exact, with witnesses that verify."""

from __future__ import annotations

import pytest
from evaluate_support import operation_level, policy, statement

from policycheck.evaluate import Evaluator, PolicySet, Request
from policycheck.evaluate.difference import PROVED, UNKNOWN, difference
from policycheck.evaluate.engine import GUARD


def diff(base, head, **options):
    """difference() on identity policies, with every witness re-checked both ways."""
    base_set = PolicySet(tuple(base))
    head_set = PolicySet(tuple(head))
    found = difference(base_set, head_set, operation_level=operation_level, **options)
    recheck(found.added, head_set, base_set)
    recheck(found.removed, base_set, head_set)
    return found


def recheck(changes, allowing, other):
    for change in changes:
        if change.status == UNKNOWN:
            assert change.witness is None and change.reason
            continue
        witness = change.witness
        assert witness.action == change.action
        assert Evaluator(allowing, operation_level).evaluate(witness).allowed
        assert not Evaluator(other, operation_level).evaluate(witness).allowed
        assert change.granted_by == Evaluator(allowing, operation_level).evaluate(witness).matched


def actions(changes) -> set[str]:
    return {c.action for c in changes}


def test_a_widened_wildcard_adds_the_actions_it_now_names_and_only_those():
    found = diff(
        [policy(statement(action="ice:Get*"))],
        [policy(statement(action="ice:*"))],
    )
    added = actions(found.added)
    assert "ice:SubmitIProductionJob" in added and "ice:DeleteMediaInfos" in added
    assert not any(a.lower().startswith("ice:get") for a in added)
    assert found.removed == ()
    assert {c.status for c in found.added} == {PROVED}


def test_narrowing_is_removed_access_not_added():
    found = diff([policy(statement(action="ice:*"))], [policy(statement(action="ice:Get*"))])
    assert found.added == ()
    assert "ice:SubmitIProductionJob" in actions(found.removed)


def test_a_dropped_deny_adds_what_it_denied_and_names_it_as_base_s_reason():
    base = policy(
        statement(action="ecs:*"), statement("Deny", action="ecs:DeleteInstance"), source="base.json"
    )
    found = diff([base], [policy(statement(action="ecs:*"))])
    assert actions(found.added) == {"ecs:DeleteInstance"}
    assert found.added[0].other.startswith("denied by Statement[1] of base.json")


def test_a_new_cidr_is_new_access_from_the_new_network_only():
    def allow(cidrs):
        return policy(statement(action="oss:GetObject", condition={"IpAddress": {"acs:SourceIp": cidrs}}))

    found = diff([allow(["10.0.0.0/8"])], [allow(["10.0.0.0/8", "192.168.0.0/16"])])
    assert actions(found.added) == {"oss:GetObject"}
    (ip,) = found.added[0].witness.context["acs:SourceIp"]
    assert ip.startswith("192.168.")
    assert found.removed == ()


def test_a_later_end_date_is_new_access_in_between():
    def until(date):
        return policy(
            statement(action="oss:GetObject", condition={"DateLessThan": {"acs:CurrentTime": date}})
        )

    found = diff([until("2026-01-01T00:00:00Z")], [until("2027-01-01T00:00:00Z")])
    (when,) = found.added[0].witness.context["acs:CurrentTime"]
    assert "2026-01-01T00:00:00Z" <= when < "2027-01-01T00:00:00Z"


def test_a_broader_resource_is_new_access_outside_the_old_one():
    found = diff(
        [policy(statement(action="oss:GetObject", resource="acs:oss:*:*:media/*"))],
        [policy(statement(action="oss:GetObject", resource="acs:oss:*:*:*"))],
    )
    (change,) = found.added
    assert "media/" not in change.witness.resource


@pytest.mark.parametrize(
    "head",
    [
        # split into one statement per action
        [policy(statement(action="oss:GetObject", resource="acs:oss:*:*:media/*"),
                statement(action="ice:Get*"), statement("Deny", action="ice:GetTemplate"))],
        # merged, reordered, with actions in another case and redundant entries
        [policy(statement("Deny", action=["ICE:gettemplate", "ice:GetTemplate"]),
                statement(action=["ice:get*", "ice:GetMediaInfo"]),
                statement(action="OSS:GetObject", resource=["acs:oss:*:*:media/*", "acs:oss:*:*:media/a*"]))],
        # spread over two documents
        [policy(statement(action="ice:Get*")),
         policy(statement(action="oss:GetObject", resource="acs:oss:*:*:media/*"),
                statement("Deny", action="ice:GetTemplate"), source="q.json")],
    ],
)  # fmt: skip
def test_an_equivalent_rewrite_reports_nothing_either_way(head):
    base = policy(
        statement(action=["ice:Get*", "oss:GetObject"], resource="*"),
        statement("Deny", action="ice:GetTemplate"),
        statement("Deny", action="oss:GetObject", NotResource="acs:oss:*:*:media/*"),
    )
    found = diff([base], head)
    assert found.added == () and found.removed == ()


def test_a_service_without_a_catalog_is_decided_by_its_patterns_not_passed():
    found = diff([policy(statement(action="foo:Get*"))], [policy(statement(action="foo:*"))])
    (change,) = found.added
    assert change.uncatalogued and change.action.startswith("foo:")
    assert not change.action.lower().startswith("foo:get")


def test_an_action_no_catalog_knows_but_a_policy_names_is_reported_by_name():
    found = diff([], [policy(statement(action="foo:DoSomething"))])
    assert [(c.action, c.uncatalogued) for c in found.added] == [("foo:DoSomething", False)]


def test_notaction_widening_is_seen_through():
    found = diff([policy(statement(NotAction="oss:*"))], [policy(statement(action="*"))])
    added = actions(found.added)
    assert "oss:GetObject" in added and not any(not a.lower().startswith("oss:") for a in added)


def test_a_deny_added_with_a_condition_removes_only_what_it_covers():
    found = diff(
        [policy(statement(action="oss:GetObject"))],
        [policy(statement(action="oss:GetObject"),
                statement("Deny", action="oss:*", condition={"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))],
    )  # fmt: skip
    (change,) = found.removed
    assert not change.witness.context["acs:SourceIp"][0].startswith("10.")
    assert found.added == ()


def test_a_budget_too_small_to_decide_is_unknown_and_counts_as_added():
    base = policy(statement(action="oss:GetObject", condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    head = policy(statement(action="oss:GetObject", condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/7"}}))
    found = diff([base], [head], steps=3)
    assert found.added and all(c.status == UNKNOWN for c in found.added)


def test_control_and_session_layers_count_on_both_sides():
    identity = (policy(statement(action="ice:*")),)
    deny_delete = policy(
        statement(), statement("Deny", action="ice:Delete*"), source="c.json", kind="control"
    )
    everything = policy(statement(), source="c.json", kind="control")
    found = difference(
        PolicySet(identity, (deny_delete,)),
        PolicySet(identity, (everything,)),
        operation_level=operation_level,
    )
    assert found.added and all(c.action.lower().startswith("ice:delete") for c in found.added)
    session = policy(statement(action="ice:Get*"), source="s.json", kind="session")
    narrowed = difference(
        PolicySet(identity), PolicySet(identity, session=session), operation_level=operation_level
    )
    assert narrowed.added == () and "ice:SubmitIProductionJob" in actions(narrowed.removed)


def test_a_guard_layer_must_also_allow():
    identity = policy(statement(action="oss:*"))
    guard = policy(statement(action="oss:GetObject", resource="acs:oss:*:*:media/*"), source="g.json")
    guarded = Evaluator(PolicySet((identity,)), operation_level, guard=(guard,))
    assert GUARD in guarded.required
    assert guarded.evaluate(Request("oss:GetObject", "acs:oss:*:*:media/a")).allowed
    assert not guarded.evaluate(Request("oss:GetObject", "acs:oss:*:*:other/a")).allowed
    assert not guarded.evaluate(Request("oss:PutObject", "acs:oss:*:*:media/a")).allowed
