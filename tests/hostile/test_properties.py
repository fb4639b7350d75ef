"""The loader and the linter never raise, whatever bytes or JSON values they are given."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policycheck.lint import lint_document
from policycheck.load import load_bytes
from policycheck.model import POLICY_KINDS
from tests.strategies import POLICY_NAMES, json_values

VALUES = json_values(POLICY_NAMES | st.text(max_size=8))
POLICY_LIKE = st.fixed_dictionaries(
    {
        "Version": st.sampled_from(["1", 1]),
        "Statement": st.lists(st.dictionaries(POLICY_NAMES, VALUES, max_size=6), max_size=4),
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
