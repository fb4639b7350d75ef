"""OSS bucket policies: detected, checked with their own grammar, and public access flagged."""

from __future__ import annotations

import json

import pytest

from policycheck.model import detect_kind
from tests.rules.helpers import codes, findings

OWNER = "1234567890123456"


def bucket(*statements: dict) -> dict:
    return {"Version": "1", "Statement": list(statements)}


def allow(principal, condition: dict | None = None, **fields) -> dict:
    statement = {
        "Effect": "Allow",
        "Action": ["oss:GetObject"],
        "Principal": principal,
        "Resource": [f"acs:oss:*:{OWNER}:media-bucket/*"],
        **fields,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def test_principal_and_resource_make_a_bucket_policy():
    assert detect_kind(bucket(allow(["*"]))) == "bucket"
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["fc.aliyuncs.com"]}}
    assert detect_kind(bucket(trust)) == "trust"
    assert detect_kind(bucket({"Effect": "Allow", "Action": "oss:*", "Resource": "*"})) == "identity"


def test_a_documented_bucket_policy_has_no_schema_error():
    # OSS's "Bucket policy examples" shapes: user IDs, a role session, bucket and object ARNs
    document = bucket(
        allow(
            [OWNER, "20214760404935", f"arn:sts::{OWNER}:assumed-role/ingest/*"],
            Resource=[f"acs:oss:*:{OWNER}:media-bucket", f"acs:oss:*:{OWNER}:media-bucket/*"],
        ),
        {
            "Effect": "Deny",
            "Action": "oss:*",
            "Principal": "*",
            "Resource": "acs:oss:*:*:media-bucket/private/*",
            "Condition": {"StringNotLike": {"acs:SourceVpc": ["vpc-*"]}},
        },
    )
    assert not {code for code, _ in codes(document)} & {"SCHEMA", "BUCKET_PUBLIC_ACCESS"}


@pytest.mark.parametrize(
    ("element", "value", "words"),
    [
        ("Principal", {"RAM": [f"acs:ram::{OWNER}:root"]}, "the object form"),
        ("Principal", ["acs:ram::1234567890123456:user/ana"], "bucket policy's Principal is a list"),
        ("Action", ["ecs:DescribeInstances"], "grants only OSS actions"),
        ("Resource", ["acs:ecs:*:*:instance/*"], "must be an OSS resource"),
        ("Resource", ["media-bucket/*"], "must be an OSS resource"),
    ],
)
def test_the_bucket_grammar_words_each_mistake(element, value, words):
    found = [f for f in findings(bucket(allow(["*"], **{element: value})), "bucket") if f.code == "SCHEMA"]
    assert found and all(words in f.message for f in found), [f.message for f in found]
    assert {f.path for f in found} <= {f"Statement[0].{element}", f"Statement[0].{element}[0]"}


def test_bucket_kind_needs_a_principal_and_a_bucket_resource():
    found = findings(bucket({"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}), "bucket")
    assert [(f.code, f.path) for f in found] == [
        ("SCHEMA", "Statement[0]"),
        ("SCHEMA", "Statement[0].Resource"),
    ]
    assert found[0].message == "Statement[0] is missing Principal"


@pytest.mark.parametrize(
    "principal", [["*"], [], "*", [OWNER, "*"]], ids=["star", "empty-list", "string", "star-among-ids"]
)
def test_everyone_without_a_narrowing_condition_is_public(principal):
    assert ("BUCKET_PUBLIC_ACCESS", "Statement[0].Principal") in codes(bucket(allow(principal)))


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"acs:Referer": ["https://www.example.com/*"]}},
        {"Bool": {"acs:SecureTransport": ["true"]}},
        {"NotIpAddress": {"acs:SourceIp": ["192.0.2.0/24"]}},
        {"IpAddress": {"acs:SourceIp": ["0.0.0.0/0"]}},
        {"StringLike": {"acs:AccessId": ["*"]}},
        {"ForAllValues:StringEquals": {"acs:AccessId": ["LTAI5tExampleKeyId"]}},  # also holds without it
    ],
    ids=["referer", "https", "not-ip", "every-ip", "any-accesskey", "for-all-values"],
)
def test_conditions_anyone_can_meet_do_not_narrow(condition):
    found = [f for f in findings(bucket(allow(["*"], condition))) if f.code == "BUCKET_PUBLIC_ACCESS"]
    assert len(found) == 1 and "do not say who sends the request" in found[0].message


@pytest.mark.parametrize(
    ("principal", "condition", "effect"),
    [
        (["*"], {"StringEquals": {"acs:SourceVpc": ["vpc-t4nlw426y44rd3iq4xxxx"]}}, "Allow"),
        (["*"], {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}, "Allow"),
        (["*"], {"StringEquals": {"acs:AccessId": ["LTAI5tExampleKeyId"]}}, "Allow"),
        (["*"], {"ForAnyValue:StringEquals": {"acs:AccessId": ["LTAI5tExampleKeyId"]}}, "Allow"),
        ([OWNER], None, "Allow"),
        (["*"], None, "Deny"),
    ],
    ids=["vpc", "source-ip", "accesskey", "for-any-value", "named-account", "deny"],
)
def test_narrowed_or_named_or_denying_statements_are_not_public(principal, condition, effect):
    statement = allow(principal, condition, Effect=effect)
    assert "BUCKET_PUBLIC_ACCESS" not in {code for code, _ in codes(bucket(statement))}


def test_bucket_policies_have_oss_size_limit():
    statement = allow([str(10**15 + n) for n in range(1200)])
    found = [f for f in findings(bucket(statement)) if f.code == "POLICY_TOO_LARGE"]
    assert len(json.dumps(bucket(statement), separators=(",", ":"))) > 16384
    assert len(found) == 1 and "OSS accepts at most 16,384" in found[0].message


@pytest.mark.parametrize(
    "condition",
    [
        {"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}},
        {"NotIpAddress": {"acs:SourceIp": ["192.168.0.0/16"]}},
    ],
    ids=["ip", "not-ip"],
)
def test_source_ip_without_source_vpc_is_refused_by_oss(condition):
    found = [
        f for f in findings(bucket(allow([OWNER], condition))) if f.code == "BUCKET_SOURCE_IP_WITHOUT_VPC"
    ]
    operator = next(iter(condition))
    assert [(f.severity, f.path) for f in found] == [
        ("error", f"Statement[0].Condition.{operator}.acs:SourceIp")
    ]
    assert "0030-00000008" in found[0].message


def test_source_ip_with_source_vpc_is_accepted():
    condition = {
        "IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]},
        "StringNotLike": {"acs:SourceVpc": ["vpc-*"]},
    }
    found = {code for code, _ in codes(bucket(allow(["*"], condition)))}
    assert not found & {"BUCKET_SOURCE_IP_WITHOUT_VPC", "BUCKET_PUBLIC_ACCESS", "SCHEMA"}
