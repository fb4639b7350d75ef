import pytest
from hypothesis import given
from hypothesis import strategies as st

from policycheck.rules.resources import _ARN, _why_not_arn
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
