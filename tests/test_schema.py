"""The shipped schemas are valid, and what policycheck makes of them agrees with jsonschema:
the fast checker says valid exactly when jsonschema does, and the explainer finds the errors
jsonschema finds, worded and ranked alike."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from policycheck import schema
from policycheck.findings import Finding
from policycheck.load import load_bytes
from policycheck.schema import compile_checker, fast_check, load_schema
from tests.conftest import REPO
from tests.schema_oracle import comparable, from_jsonschema
from tests.strategies import POLICY_NAMES, SCALARS, json_values

SCHEMAS = sorted(p.name for p in (REPO / "schemas").glob("*.json"))
POLICY_SCHEMAS = ["ram-policy.schema.json", "ram-trust-policy.schema.json", "bucket-policy.schema.json"]


@cache
def _validator(name: str) -> Any:
    """jsonschema's validator of a shipped schema, with every shipped schema to $ref."""
    registry = Registry().with_resources(
        (load_schema(file)["$id"], Resource.from_contents(load_schema(file))) for file in SCHEMAS
    )
    return jsonschema.Draft202012Validator(load_schema(name), registry=registry)


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


def _explained(name: str, document: Any) -> Counter:
    errors = schema._explainer(name).errors(load_schema(name), name, document)
    return Counter(map(comparable, errors))


def _jsonschema_errors(name: str, document: Any) -> Counter:
    return Counter(comparable(from_jsonschema(error)) for error in _validator(name).iter_errors(document))


def _jsonschema_leaves(error: Any):
    if error.validator in ("oneOf", "anyOf") and "x-message" not in error.schema and error.context:
        yield from _jsonschema_leaves(best_match(error.context))
    else:
        yield error


def _jsonschema_findings(name: str, document: Any) -> list[Finding]:
    """The findings of a document as jsonschema's errors and best_match word them."""
    loaded = load_bytes(json.dumps(document).encode(), "p.json")
    findings: dict = {}
    for error in _validator(name).iter_errors(loaded.value):
        for leaf in _jsonschema_leaves(error):
            described = schema._describe(from_jsonschema(leaf))
            if described is not None:
                findings.setdefault((described[1], described[0]), loaded.finding("SCHEMA", *described))
    return sorted(findings.values(), key=Finding.sort_key)


def _agree(name: str, document: Any) -> None:
    """Both say valid alike, find the same errors, and show the same findings."""
    assert fast_check(name)(document) == _validator(name).is_valid(document)
    assert _explained(name, document) == _jsonschema_errors(name, document)
    loaded = load_bytes(json.dumps(document).encode(), "p.json")
    assert schema.validate(loaded, name) == _jsonschema_findings(name, document)


@pytest.mark.parametrize("name", POLICY_SCHEMAS)
@settings(max_examples=400, deadline=None)
@given(document=documents)
def test_policy_schemas_agree_with_jsonschema(name, document):
    _agree(name, document)


@pytest.mark.parametrize("name", SCHEMAS)
@settings(max_examples=150, deadline=None)
@given(document=json_values(max_leaves=15))
def test_every_schema_agrees_with_jsonschema_on_any_value(name, document):
    _agree(name, document)


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
def test_the_config_schema_agrees_with_jsonschema(document):
    _agree("policycheck.schema.json", document)


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
    document = load_bytes(b'{"Version": null, "Statement": [null]}', "p.json")
    found = {(f.path, f.message.split(";")[0]) for f in schema.validate(document, "ram-policy.schema.json")}
    assert (
        "Statement[0]",
        "Statement[0]: a statement is an object of Effect, Action or NotAction, Resource, and optionally Condition",
    ) in found
    assert all("found neither" not in message for _, message in found)


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
def test_bucket_policies_agree_with_jsonschema(statements):
    _agree("bucket-policy.schema.json", {"Version": "1", "Statement": statements})
