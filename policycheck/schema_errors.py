"""Why a value breaks a JSON Schema: the errors of Draft 2020-12, worded as jsonschema words them.

schema.py's compiled checker says only yes or no. For a document it rejects, this module finds
every error, keyword by keyword in schema order: the same errors, with the same messages and
the same choice of "best match" inside oneOf/anyOf as jsonschema 4.x, for the keywords schema.py
compiles (it refuses any other). jsonschema itself is not imported at run time: its import
alone (about 65 ms with referencing, attrs and rpds) cost more than a 3,000-file lint's whole
share of broken files. jsonschema is the authority in the tests: tests/test_schema_errors.py
compares the two on generated schemas of every keyword, tests/test_schema.py on the shipped
schemas, errors and findings alike.

Pure: a schema is a parsed JSON value, `resolve` follows a $ref, `quick` may give a node's
compiled checker so that a valid subtree is not walked.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from policycheck.model import JsonPath

Resolve = Callable[[str, str], tuple[Any, str]]
"""($ref, the file it is written in) -> (the subschema, its file)."""


class SchemaError(NamedTuple):
    """One error: `keyword` (None for a `false` schema) with its `value`, in `schema`, failed on
    `instance` at `path` (from the document's root). `context` holds a oneOf/anyOf's errors of
    every branch."""

    keyword: str | None
    value: Any
    schema: Any
    instance: Any
    path: JsonPath
    message: str
    context: tuple[SchemaError, ...] = ()


def is_type(instance: Any, name: str) -> bool:
    """JSON Schema's types over parsed JSON: booleans are not numbers, 1.0 is an integer."""
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "null":
        return instance is None
    if name == "boolean":
        return isinstance(instance, bool)
    if isinstance(instance, bool):
        return False
    if name == "number":
        return isinstance(instance, (int, float))
    if name == "integer":
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    raise ValueError(f"unknown JSON Schema type {name!r}")


def json_key(value: Any) -> Any:
    """A hashable key under which two values are equal exactly when JSON says so: true is
    not 1, 1 is 1.0, and an object's key order does not count.

    >>> json_key(1) == json_key(1.0), json_key(1) == json_key(True)
    (True, False)
    """
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(map(json_key, value)))
    return ("object", frozenset((name, json_key(item)) for name, item in value.items()))


def unique(items: list[Any]) -> bool:
    """uniqueItems: no two items equal as JSON values."""
    return len({json_key(item) for item in items}) == len(items)


def _extras(names: list[Any]) -> tuple[str, str]:
    return ", ".join(repr(name) for name in names), "was" if len(names) == 1 else "were"


class Explainer:
    """Finds a value's errors against the schemas one resolver reaches."""

    def __init__(self, resolve: Resolve, quick: Callable[[Any], Callable[[Any], bool] | None]) -> None:
        self.resolve = resolve
        self.quick = quick

    def errors(self, schema: Any, base: str, instance: Any, path: JsonPath = ()) -> Iterator[SchemaError]:
        """Every error of `instance` (found at `path`) against `schema` (written in `base`)."""
        if schema is True:
            return
        if schema is False:
            yield SchemaError(None, None, schema, instance, path, f"False schema does not allow {instance!r}")
            return
        checker = self.quick(schema)
        if checker is not None and checker(instance):
            return
        for keyword, value in schema.items():
            check = _KEYWORDS.get(keyword)
            if check is not None:
                yield from check(self, value, instance, schema, base, path)

    def valid(self, schema: Any, base: str, instance: Any) -> bool:
        return next(self.errors(schema, base, instance), None) is None


Found = Iterator[SchemaError]


def _type(e: Explainer, types: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    names = [types] if isinstance(types, str) else types
    if not any(is_type(instance, name) for name in names):
        shown = ", ".join(repr(name) for name in names)
        yield SchemaError("type", types, schema, instance, path, f"{instance!r} is not of type {shown}")


def _const(e: Explainer, const: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if json_key(instance) != json_key(const):
        yield SchemaError("const", const, schema, instance, path, f"{const!r} was expected")


def _enum(e: Explainer, options: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    key = json_key(instance)
    if all(json_key(option) != key for option in options):
        yield SchemaError("enum", options, schema, instance, path, f"{instance!r} is not one of {options!r}")


def _required(e: Explainer, names: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if isinstance(instance, dict):
        for name in names:
            if name not in instance:
                yield SchemaError(
                    "required", names, schema, instance, path, f"{name!r} is a required property"
                )


def _properties(
    e: Explainer, properties: Any, instance: Any, schema: Any, base: str, path: JsonPath
) -> Found:
    if isinstance(instance, dict):
        for name, subschema in properties.items():
            if name in instance:
                yield from e.errors(subschema, base, instance[name], (*path, name))


def _pattern_properties(
    e: Explainer, patterns: Any, instance: Any, schema: Any, base: str, path: JsonPath
) -> Found:
    if isinstance(instance, dict):
        for pattern, subschema in patterns.items():
            for name, item in instance.items():
                if re.search(pattern, name):
                    yield from e.errors(subschema, base, item, (*path, name))


def _additional(
    e: Explainer, additional: Any, instance: Any, schema: Any, base: str, path: JsonPath
) -> Found:
    if not isinstance(instance, dict):
        return
    properties = schema.get("properties", {})
    patterns = "|".join(schema.get("patternProperties", {}))
    extras = [
        name for name in instance if name not in properties and not (patterns and re.search(patterns, name))
    ]
    if isinstance(additional, dict):
        for name in extras:
            yield from e.errors(additional, base, instance[name], (*path, name))
    elif additional is False and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            names = ", ".join(repr(name) for name in sorted(extras))
            regexes = ", ".join(repr(pattern) for pattern in sorted(schema["patternProperties"]))
            message = f"{names} {verb} not match any of the regexes: {regexes}"
        else:
            names, verb = _extras(sorted(extras, key=str))
            message = f"Additional properties are not allowed ({names} {verb} unexpected)"
        yield SchemaError("additionalProperties", additional, schema, instance, path, message)


def _property_names(e: Explainer, names: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if isinstance(instance, dict):
        for name in instance:
            yield from e.errors(names, base, name, path)


def _items(e: Explainer, items: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if not isinstance(instance, list) or not instance:
        return
    if items is False:
        rest = instance if len(instance) != 1 else instance[0]
        message = f"Expected at most 0 items but found {len(instance)} extra: {rest!r}"
        yield SchemaError("items", items, schema, instance, path, message)
        return
    for index, item in enumerate(instance):
        yield from e.errors(items, base, item, (*path, index))


def _sized(keyword: str, kind: str, fewest: bool, plain: str, other: str) -> Callable[..., Found]:
    """minItems, maxLength and the rest: a bound on len() of one kind of value, worded
    `plain` at the bound that means "not empty" (a minimum of 1) or "empty" (a maximum of 0)."""
    plain_at = 1 if fewest else 0

    def check(e: Explainer, bound: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
        if is_type(instance, kind) and (len(instance) < bound if fewest else len(instance) > bound):
            message = f"{instance!r} {plain if bound == plain_at else other}"
            yield SchemaError(keyword, bound, schema, instance, path, message)

    return check


def _minimum(e: Explainer, least: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if is_type(instance, "number") and instance < least:
        yield SchemaError(
            "minimum", least, schema, instance, path, f"{instance!r} is less than the minimum of {least!r}"
        )


def _maximum(e: Explainer, most: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if is_type(instance, "number") and instance > most:
        yield SchemaError(
            "maximum", most, schema, instance, path, f"{instance!r} is greater than the maximum of {most!r}"
        )


def _pattern(e: Explainer, pattern: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if isinstance(instance, str) and not re.search(pattern, instance):
        yield SchemaError(
            "pattern", pattern, schema, instance, path, f"{instance!r} does not match {pattern!r}"
        )


def _unique_items(e: Explainer, wanted: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if wanted and isinstance(instance, list) and not unique(instance):
        yield SchemaError(
            "uniqueItems", wanted, schema, instance, path, f"{instance!r} has non-unique elements"
        )


def _all_of(e: Explainer, branches: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    for branch in branches:
        yield from e.errors(branch, base, instance, path)


def _any_of(e: Explainer, branches: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    context: list[SchemaError] = []
    for branch in branches:
        found = list(e.errors(branch, base, instance, path))
        if not found:
            return
        context += found
    message = f"{instance!r} is not valid under any of the given schemas"
    yield SchemaError("anyOf", branches, schema, instance, path, message, tuple(context))


def _one_of(e: Explainer, branches: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    context: list[SchemaError] = []
    for index, branch in enumerate(branches):
        found = list(e.errors(branch, base, instance, path))
        if not found:
            more = [other for other in branches[index + 1 :] if e.valid(other, base, instance)]
            if more:
                shown = ", ".join(repr(each) for each in [*more, branch])
                yield SchemaError(
                    "oneOf", branches, schema, instance, path, f"{instance!r} is valid under each of {shown}"
                )
            return
        context += found
    message = f"{instance!r} is not valid under any of the given schemas"
    yield SchemaError("oneOf", branches, schema, instance, path, message, tuple(context))


def _not(e: Explainer, negated: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    if e.valid(negated, base, instance):
        yield SchemaError(
            "not", negated, schema, instance, path, f"{instance!r} should not be valid under {negated!r}"
        )


def _if(e: Explainer, condition: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    branch = "then" if e.valid(condition, base, instance) else "else"
    if branch in schema:
        yield from e.errors(schema[branch], base, instance, path)


def _ref(e: Explainer, ref: Any, instance: Any, schema: Any, base: str, path: JsonPath) -> Found:
    target, file = e.resolve(ref, base)
    yield from e.errors(target, file, instance, path)


_KEYWORDS: dict[str, Callable[..., Found]] = {
    "type": _type,
    "const": _const,
    "enum": _enum,
    "required": _required,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional,
    "propertyNames": _property_names,
    "items": _items,
    "minItems": _sized("minItems", "array", True, "should be non-empty", "is too short"),
    "maxItems": _sized("maxItems", "array", False, "is expected to be empty", "is too long"),
    "minLength": _sized("minLength", "string", True, "should be non-empty", "is too short"),
    "maxLength": _sized("maxLength", "string", False, "is expected to be empty", "is too long"),
    "minProperties": _sized(
        "minProperties", "object", True, "should be non-empty", "does not have enough properties"
    ),
    "maxProperties": _sized(
        "maxProperties", "object", False, "is expected to be empty", "has too many properties"
    ),
    "minimum": _minimum,
    "maximum": _maximum,
    "pattern": _pattern,
    "uniqueItems": _unique_items,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
    "$ref": _ref,
}
"""Every keyword with errors of its own; then and else belong to if, the rest are annotations."""


def _matches_type(error: SchemaError) -> bool:
    expected = error.schema.get("type") if isinstance(error.schema, dict) else None
    if expected is None:
        return False
    names = [expected] if isinstance(expected, str) else expected
    return any(is_type(error.instance, name) for name in names)


def relevance(error: SchemaError) -> tuple[Any, ...]:
    """jsonschema's ranking (higher is better): shallower errors, earlier siblings, then not a
    oneOf/anyOf, then one whose schema's type the value has. Paths compared within one
    context share their start, so comparing them whole ranks as comparing the rest."""
    weak = error.keyword in ("anyOf", "oneOf")
    return (-len(error.path), error.path, not weak, False, not _matches_type(error))


def best_match(errors: tuple[SchemaError, ...]) -> SchemaError:
    """The error (of one or more) that explains a failed oneOf/anyOf best, chosen as
    jsonschema's best_match chooses: the most relevant, then down its own context while one
    error there stands out."""
    best = max(errors, key=relevance)
    while best.context:
        smallest = heapq.nsmallest(2, best.context, key=relevance)
        if len(smallest) == 2 and relevance(smallest[0]) == relevance(smallest[1]):
            return best
        best = smallest[0]
    return best
