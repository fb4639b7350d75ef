"""The shipped schemas are valid, and the fast checker always agrees with jsonschema."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policycheck.schema import _validator, compile_checker, fast_check, load_schema
from tests.conftest import REPO
from tests.strategies import POLICY_NAMES, SCALARS, json_values

SCHEMAS = sorted(p.name for p in (REPO / "schemas").glob("*.json"))


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_draft_2020_12(name):
    schema = json.loads((REPO / "schemas" / name).read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    fast_check(name)  # every keyword it uses is one the fast checker implements


def test_fast_checker_refuses_keywords_it_does_not_implement():
    with pytest.raises(ValueError, match="contains"):
        compile_checker({"type": "array", "contains": {"const": 1}}, "x.json")


# Documents near the policy grammar: right and wrong names, types and shapes.
values = json_values(max_leaves=25)
statements = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny", "allow"])},
    optional={
        "Action": st.one_of(
            st.just("ice:*"), st.lists(st.sampled_from(["a:b", "oss:GetObject"]), max_size=2), values
        ),
        "NotAction": st.just("ram:*"),
        "Resource": st.one_of(
            st.just("*"), st.lists(st.sampled_from(["*", "acs:oss:*:*:b/*"]), max_size=2), values
        ),
        "NotResource": st.just("acs:oss:*:*:b"),
        "Condition": st.one_of(
            values,
            st.dictionaries(
                POLICY_NAMES,
                st.dictionaries(POLICY_NAMES, st.one_of(SCALARS, st.lists(SCALARS, max_size=2)), max_size=2),
                max_size=2,
            ),
        ),
        "Principal": st.one_of(
            values,
            st.fixed_dictionaries({"RAM": st.one_of(SCALARS, st.lists(SCALARS, max_size=2))}),
            st.lists(
                st.sampled_from(["*", "1234567890123456", "arn:sts::1:assumed-role/r/*", "ab"]), max_size=2
            ),
        ),
        "Sid": SCALARS,
    },
)
documents = st.one_of(
    values,
    st.fixed_dictionaries(
        {
            "Version": st.sampled_from(["1", 1, "2"]),
            "Statement": st.one_of(st.lists(statements, max_size=3), values),
        },
        optional={"Extra": SCALARS},
    ),
)


@pytest.mark.parametrize(
    "name", ["ram-policy.schema.json", "ram-trust-policy.schema.json", "bucket-policy.schema.json"]
)
@settings(max_examples=400, deadline=None)
@given(document=documents)
def test_fast_checker_agrees_with_jsonschema(name, document):
    assert fast_check(name)(document) == _validator(name).is_valid(document)


config_values = json_values(
    st.sampled_from(
        [
            "lint",
            "fail_on",
            "exclude",
            "ignore",
            "codes",
            "paths",
            "reason",
            "severity",
            "kinds",
            "warning",
            "x",
        ]
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(document=config_values)
def test_fast_checker_agrees_on_the_config_schema(document):
    name = "policycheck.schema.json"
    assert fast_check(name)(document) == _validator(name).is_valid(document)


@pytest.mark.parametrize(
    ("items", "unique"),
    [([1, 2], True), ([1, 1], False), ([1, True], True), ([{"a": 1, "b": 2}, {"b": 2, "a": 1}], False)],
)
def test_unique_items_follows_json_equality(items, unique):
    assert compile_checker({"uniqueItems": True}, "x.json")(items) is unique


def test_schema_ids_are_unique_and_named_after_their_files():
    for name in SCHEMAS:
        assert load_schema(name)["$id"].endswith("/" + name)


def test_a_statement_that_is_not_an_object_gets_one_clear_finding():
    """Found by the property tests: a "which keys" rule on a non-object used to crash."""
    from policycheck.load import load_bytes
    from policycheck.schema import validate

    document = load_bytes(b'{"Version": null, "Statement": [null]}', "p.json")
    found = {(f.path, f.message.split(";")[0]) for f in validate(document, "ram-policy.schema.json")}
    assert (
        "Statement[0]",
        "Statement[0]: a statement is an object of Effect, Action or NotAction, Resource, and optionally Condition",
    ) in found
    assert all("found neither" not in message for _, message in found)


@pytest.mark.parametrize(
    "name", ["ram-policy.schema.json", "ram-trust-policy.schema.json", "bucket-policy.schema.json"]
)
@settings(max_examples=400, deadline=None)
@given(document=documents)
def test_statement_by_statement_findings_are_those_of_the_whole_document(name, document):
    """validate() runs jsonschema on the failing statements only; nothing may change."""
    from policycheck import schema
    from policycheck.load import load_bytes

    loaded = load_bytes(json.dumps(document).encode(), "p.json")
    fast = schema.validate(loaded, name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            schema, "_errors", lambda schema_name, value: _validator(schema_name).iter_errors(value)
        )
        whole = schema.validate(loaded, name)
    assert fast == whole


def _one_or_list(*choices: str):
    """A string or a short list of them, mostly valid for its element, sometimes not."""
    strings = st.sampled_from(choices)
    return st.one_of(strings, st.lists(strings, max_size=2))


bucket_statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny", "allow"]),
        "Action": _one_or_list("oss:GetObject", "oss:*", "ecs:DescribeInstances"),
        "Principal": st.one_of(
            _one_or_list("*", "1234567890123456", "arn:sts::1:assumed-role/r/*", "acs:ram::1:root", "12x4"),
            st.just({"RAM": ["acs:ram::1:root"]}),
        ),
        "Resource": _one_or_list("acs:oss:*:*:b/*", "acs:oss:*:1:b", "acs:oss:*:*:b/", "*", ""),
    },
    optional={"Condition": st.just({"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}), "NotAction": st.just("x")},
)


@settings(max_examples=400, deadline=None)
@given(statements=st.lists(bucket_statements, min_size=1, max_size=2))
def test_fast_checker_agrees_on_bucket_policies(statements):
    document = {"Version": "1", "Statement": statements}
    name = "bucket-policy.schema.json"
    assert fast_check(name)(document) == _validator(name).is_valid(document)


def test_a_process_that_words_elsewhere_raises_instead_of_importing_jsonschema():
    script = """
import sys
from policycheck import schema
from policycheck.load import load_bytes
valid = load_bytes(b'{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}', "ok.json")
broken = load_bytes(b'{"Version": "1", "Statement": [{"Effect": "Maybe"}]}', "broken.json")
schema.word_elsewhere(True)
assert schema.validate(valid, "ram-policy.schema.json") == []
try:
    schema.validate(broken, "ram-policy.schema.json")
except schema.WordedElsewhere as refused:
    print("refused", refused, "jsonschema" in sys.modules)
import jsonschema  # once loaded (inherited from the caller), the process words findings itself
print(len(schema.validate(broken, "ram-policy.schema.json")))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "refused broken.json False"
    assert int(lines[1]) >= 1
