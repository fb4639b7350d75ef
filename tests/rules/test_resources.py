import pytest

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
