import pytest
from hypothesis import given
from hypothesis import strategies as st

from policycheck.patterns import _ARN, _why_not_arn
from tests.rules.helpers import codes, findings, statement


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        "acs:oss:*:*:media/*",
        "acs:ram::123456789012:role/worker",
        "acs:ram:*:system:policy/AliyunOSSFullAccess",
        "acs:*:*cn-beijing*:*:*",
        "acs:ecs:cn-hangzhou:1234:instance/i-1",
        "acs:ram::*",  # Alibaba's Log Service tutorial grants ram:PassRole on it
        "acs:ice:*",
        "acs:*",
    ],
)
def test_valid_resources_pass(resource):
    assert codes(statement(Action="ram:GetUser", Resource=resource)) == set()


@pytest.mark.parametrize(
    ("resource", "words"),
    [
        ("arn:aws:s3:::media/*", 'starts with "arn:"'),
        ("acs:oss:*:media", "4 fields"),
        ("media/*", 'does not start with "acs:"'),
        ("acs:oss:*:alice:media", 'account field "alice"'),
        ("acs::*:*:media", 'service field ""'),
        ("acs:oss:*:*:", "resource field"),
        ("acs:oss:cn shanghai:*:x", 'region field "cn shanghai"'),
    ],
)
def test_invalid_arns_say_what_is_wrong(resource, words):
    [finding] = findings(statement(Action="ram:GetUser", Resource=["*", resource]))
    assert (finding.code, finding.path) == ("INVALID_ARN", "Statement[0].Resource[1]")
    assert words in finding.message


@pytest.mark.parametrize(
    ("resource", "request_arn", "valid"),
    [
        ("acs:ram::*", "acs:ram::1:role/media", True),
        ("acs:ram:*:*:*", "acs:ram:x:1:role/media", True),
        ("acs:ram:*:media", "acs:ram:x:1:media", False),  # the `*` would take "x:1" as a glob
        ("arn:ram:*", "arn:ram:x", False),
    ],
)
def test_lint_and_evaluation_agree_on_what_a_resource_is(resource, request_arn, valid):
    """One definition (patterns.resource_problem): what lint calls INVALID_ARN matches nothing when
    evaluated, though as a bare glob it would match the request; what lint accepts is matched."""
    from policycheck.evaluate import Evaluator, PolicySet, Request
    from policycheck.model import build_policy

    document = statement(Action="ram:GetRole", Resource=resource)
    assert (("INVALID_ARN", "Statement[0].Resource") in codes(document)) is not valid
    evaluator = Evaluator(PolicySet((build_policy(document, "p.json", "identity"),)))
    assert evaluator.evaluate(Request("ram:GetRole", request_arn)).allowed is valid


def test_single_string_resource_points_at_the_element():
    assert codes(statement(Action="ram:GetUser", Resource="arn:aws:s3:::x")) == {
        ("INVALID_ARN", "Statement[0].Resource")
    }


@given(
    st.from_regex(r"(acs|arn)?(:([a-zA-Z0-9*?\-/ \n]{0,3}|system)){0,6}", fullmatch=True)
    | st.text(max_size=12)
)
def test_the_one_expression_accepts_what_the_field_checks_accept(resource):
    assert (_ARN.fullmatch(resource) is not None) == (_why_not_arn(resource) is None)
