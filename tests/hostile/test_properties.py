"""The loader and the linter never raise, whatever bytes or JSON values they are given."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policycheck.lint import lint_document
from policycheck.load import load_bytes
from policycheck.model import POLICY_KINDS

KEYS = [
    "Version",
    "Statement",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Principal",
    "Sid",
    "RAM",
    "Service",
    "StringEquals",
    "IpAddress",
    "Bool",
    "acs:SourceIp",
    "x",
]
SCALARS = st.one_of(
    st.sampled_from(
        [
            "1",
            "Allow",
            "Deny",
            "*",
            "ice:QueryIProductionJob",
            "ice:Q*",
            "acs:ram::1:root",
            "acs:oss:*:*:b/*",
            "10.0.0.0/8",
            "true",
            "2026-01-01T00:00:00Z",
            "",
        ]
    ),
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)
POLICY_LIKE = st.fixed_dictionaries(
    {
        "Version": st.sampled_from(["1", 1]),
        "Statement": st.lists(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6), max_size=4),
    }
)


def lint_all_kinds(document) -> None:
    for kind in POLICY_KINDS:
        findings, _ = lint_document(document, kind)
        for finding in findings:
            assert finding.line >= 1 and finding.column >= 1 and finding.code and finding.message
            json.dumps(finding.as_dict(), ensure_ascii=False).encode("utf-8")  # reportable as UTF-8


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), yaml=st.booleans())
def test_arbitrary_bytes_never_raise(data, yaml):
    lint_all_kinds(load_bytes(data, "fuzz.yaml" if yaml else "fuzz.json", yaml=yaml))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(VALUES, POLICY_LIKE), indent=st.sampled_from([None, 2]))
def test_arbitrary_json_values_never_raise(value, indent):
    text = json.dumps(value, indent=indent)
    lint_all_kinds(load_bytes(text.encode(), "fuzz.json"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=POLICY_LIKE)
def test_arbitrary_policies_as_yaml_never_raise(value):
    import yaml

    lint_all_kinds(load_bytes(yaml.safe_dump(value).encode(), "fuzz.yaml", yaml=True))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    lint_all_kinds(load_bytes(text.encode("utf-8", "surrogatepass"), "fuzz.json"))
