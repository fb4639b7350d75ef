"""The explainer against jsonschema on generated schemas: every keyword it implements, nested
in every way, on generated values. The shipped schemas alone leave keywords and paths unreached
(if/then/else, a type union, best_match's tie-break); random schemas reach them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema.exceptions import best_match as jsonschema_best_match

from policycheck.schema import _Compiler
from policycheck.schema_errors import Explainer, SchemaError, best_match, json_key, unique
from tests.schema_oracle import comparable, from_jsonschema
from tests.strategies import json_values

NAMES = st.sampled_from(["a", "b", "ab", "x"])
SMALL = st.one_of(
    st.sampled_from(["", "a", "ab", "b1", "x"]),
    st.integers(-2, 3),
    st.sampled_from([1.0, 2.5, -0.5]),
    st.booleans(),
    st.none(),
)
TYPES = st.sampled_from(["string", "integer", "number", "array", "object", "null", "boolean"])
BOUND = st.integers(0, 2)

leaf_keywords = st.fixed_dictionaries(
    {},
    optional={
        "type": TYPES | st.lists(TYPES, min_size=1, max_size=2, unique=True),
        "const": SMALL,
        "enum": st.lists(SMALL, min_size=1, max_size=3),
        "minLength": BOUND,
        "maxLength": BOUND,
        "minItems": BOUND,
        "maxItems": BOUND,
        "minProperties": BOUND,
        "maxProperties": BOUND,
        "minimum": st.integers(-1, 2),
        "maximum": st.integers(-1, 2),
        "pattern": st.sampled_from(["^a", "b$", "[0-9]"]),
        "required": st.lists(NAMES, max_size=2, unique=True),
        "uniqueItems": st.booleans(),
    },
)


def _nested(inner: st.SearchStrategy) -> st.SearchStrategy:
    """Keywords with subschemas. `true` and `false` go where jsonschema's path is right for
    them (see test_a_false_subschema_is_blamed_on_its_own_path), and as additionalProperties
    and items, which word a `false` themselves."""
    any_schema = inner | st.booleans()
    branches = st.lists(any_schema, min_size=1, max_size=3)
    return st.fixed_dictionaries(
        {},
        optional={
            "properties": st.dictionaries(NAMES, inner, max_size=2),
            "patternProperties": st.dictionaries(st.sampled_from(["^a", "b"]), inner, max_size=1),
            "additionalProperties": any_schema,
            "propertyNames": any_schema,
            "items": any_schema,
            "allOf": branches,
            "anyOf": branches,
            "oneOf": branches,
            "not": any_schema,
            "if": any_schema,
            "then": any_schema,
            "else": any_schema,
        },
    )


def _merged(parts: tuple[dict, dict]) -> dict:
    return {**parts[0], **parts[1]}


def _extended(inner: st.SearchStrategy) -> st.SearchStrategy:
    """A node: leaf keywords and keywords with subschemas drawn from `inner`."""
    return st.tuples(leaf_keywords, _nested(inner)).map(_merged)


schemas = st.recursive(leaf_keywords, _extended, max_leaves=6)
values = json_values(NAMES, max_leaves=8) | SMALL


def _no_ref(ref: str, base: str) -> tuple[Any, str]:
    raise AssertionError(f"no $ref in generated schemas: {ref}")


def _best_matches(errors: list[Any], best: Callable[[list[Any]], tuple]) -> list[tuple]:
    """`best` of the whole list and of every context within."""
    found = [best(errors)] if errors else []
    for error in errors:
        if error.context:
            found += _best_matches(list(error.context), best)
    return found


def _ours(errors: list[SchemaError]) -> tuple:
    return comparable(best_match(tuple(errors)))


def _theirs(errors: list[Any]) -> tuple:
    return comparable(from_jsonschema(jsonschema_best_match(errors)))


@settings(max_examples=1500, deadline=None)
@given(schema=schemas, value=values)
@example(
    schema={"patternProperties": {"^a": {}}, "additionalProperties": False}, value={"a": 1, "x": 2, "b": 3}
)
@example(schema={"properties": {"a": {}}, "additionalProperties": {"type": "string"}}, value={"a": 1, "x": 2})
@example(schema={"oneOf": [{"type": "integer"}, {"type": "number"}, {"minimum": 0}]}, value=1)
@example(schema={"anyOf": [{"type": "string"}, {"items": {"type": "string"}}]}, value=[1])
@example(schema={"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "null"}}, value="a")
def test_errors_checker_and_best_match_agree_with_jsonschema(schema, value):
    validator = jsonschema.Draft202012Validator(schema)
    theirs = list(validator.iter_errors(value))
    compiler = _Compiler()
    check = compiler.build(schema, "generated.json")
    assert check(value) == (not theirs)
    nodes = compiler.checkers()
    for quick in (lambda node: None, lambda node: nodes.get(id(node))):
        ours = list(Explainer(_no_ref, quick).errors(schema, "generated.json", value))
        assert Counter(map(comparable, ours)) == Counter(comparable(from_jsonschema(e)) for e in theirs)
        # in any order: jsonschema walks a schema-valued additionalProperties in set order
        assert Counter(_best_matches(ours, _ours)) == Counter(_best_matches(theirs, _theirs))


def test_a_false_subschema_is_blamed_on_its_own_path():
    """The one place we differ from jsonschema 4.x on purpose: its descend() adds the path of a
    property or item only to keyword errors, so a `false` subschema's error points at the
    object around the value it refuses. None of the shipped schemas has a `false` there."""
    schema = {"properties": {"a": False}, "items": False}
    (theirs,) = jsonschema.Draft202012Validator(schema).iter_errors({"a": 1})
    (ours,) = Explainer(_no_ref, lambda node: None).errors(schema, "generated.json", {"a": 1})
    assert tuple(theirs.absolute_path) == ()
    assert ours.path == ("a",)
    assert ours.message == theirs.message == "False schema does not allow 1"


@pytest.mark.parametrize(
    ("one", "two", "equal"),
    [
        (1, 1.0, True),
        (1, True, False),
        (0, False, False),
        ({"a": [1], "b": 2}, {"b": 2, "a": [1.0]}, True),
        ("1", 1, False),
        (None, False, False),
        ([1, 2], [2, 1], False),
    ],
)
def test_json_key_is_json_equality(one, two, equal):
    assert (json_key(one) == json_key(two)) is equal
    assert unique([one, two]) is not equal
