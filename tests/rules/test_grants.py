import pytest

from tests.rules.helpers import codes, findings, statement

ESCALATION = ("PRIVILEGE_ESCALATION",)  # what `*` and `ram:*` also grant: tests/rules/test_escalation.py


@pytest.mark.parametrize("action", ["*", "ice:*", ["ice:QueryIProductionJob", "ram:*"]])
def test_allow_everything_without_condition(action):
    found = findings(statement(Action=action, Resource="*"), ignore=ESCALATION)
    assert {f.code for f in found} == {"OVERLY_PERMISSIVE"}
    assert found[0].severity == "security_warning"


def test_message_names_the_scope():
    found = {
        f.code: f for f in findings(statement(Action="ram:*", Resource="acs:*:*:*:*"), ignore=ESCALATION)
    }
    assert set(found) == {"OVERLY_PERMISSIVE"}
    assert "every ram action" in found["OVERLY_PERMISSIVE"].message


@pytest.mark.parametrize(
    "fields",
    [
        {"Action": "ice:*", "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}},
        {"Action": "ice:Get*", "Resource": "*"},
        {"Action": "ram:*", "Resource": "acs:ram:*:*:user/*"},
        {"Action": "*", "NotResource": "acs:oss:*:*:secret/*"},
    ],
)
def test_near_misses_are_quiet(fields):
    assert not {c for c, _ in codes(statement(**fields))} & {"OVERLY_PERMISSIVE", "ALLOW_WITH_NOT_ACTION"}


def test_deny_everything_is_fine():
    document = {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    assert codes(document) == set()


def test_allow_with_not_action():
    assert codes(statement(NotAction="ram:*", Resource="*"), ignore=ESCALATION) == {
        ("ALLOW_WITH_NOT_ACTION", "Statement[0].NotAction")
    }
    denied = {"Version": "1", "Statement": [{"Effect": "Deny", "NotAction": "ice:Query*", "Resource": "*"}]}
    assert codes(denied) == set()


def test_control_policies_may_allow_everything():
    assert codes(statement(Action="*", Resource="*"), kind="control") == set()
    assert codes(statement(NotAction="ram:*", Resource="*"), kind="control") == set()
    assert codes(statement(Action="*", Resource="*"), kind="session") == {
        ("OVERLY_PERMISSIVE", "Statement[0].Action"),
        ("PRIVILEGE_ESCALATION", "Statement[0].Action"),
    }


@pytest.mark.parametrize(
    "resource", ["*", "acs:oss:*:*:*", "acs:oss:*", "acs:*", "acs:*:*:*:*", ["acs:oss:*:*:*", "x"]]
)
def test_a_service_wide_wildcard_on_the_service_wide_arn_is_as_broad_as_on_star(resource):
    """`oss:*` on `acs:oss:*:*:*` touches every OSS resource: the same finding as on `*`."""
    assert ("OVERLY_PERMISSIVE", "Statement[0].Action") in codes(statement(Action="oss:*", Resource=resource))


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("oss:*", "acs:oss:*:*:media/*"),
        ("oss:*", "acs:ecs:*:*:*"),
        ("*", "acs:oss:*:*:*"),
        ("oss:*", "acs:oss:cn-hangzhou:*:*"),
    ],
)
def test_a_scoped_resource_is_not_overly_permissive(action, resource):
    assert not {c for c, _ in codes(statement(Action=action, Resource=resource))} & {"OVERLY_PERMISSIVE"}


def test_ice_full_access_is_as_broad_as_it_says_and_nothing_worse():
    found = {f.code: f for f in findings(statement(Action="ice:*", Resource="acs:ice:*:*:*"))}
    assert set(found) == {"OVERLY_PERMISSIVE"} and "every ice action" in found["OVERLY_PERMISSIVE"].message
