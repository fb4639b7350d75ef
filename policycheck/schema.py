"""Validate documents against the shipped JSON Schemas; every violation becomes a finding.

`jsonschema` is the authority and writes every finding. It is also slow (about a
millisecond per policy) and slow to import, which would make `lint` of 10,000 files or of
one file sluggish. So each schema is also compiled here into a small yes/no checker for the
keywords our schemas use; jsonschema is imported and run only for documents that checker
rejects. The compiler refuses any keyword it does not implement, and tests/test_schema.py
checks both agree on generated documents, so the fast path cannot drift from the schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import policycheck.schemas as schemas
from policycheck.data import list_files, read_text
from policycheck.findings import Finding
from policycheck.load.document import Document
from policycheck.model import JsonPath, format_path

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "x-message", "$defs", "default"}
)
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A shipped schema by file name, e.g. "ram-policy.schema.json"."""
    return json.loads(read_text(schemas.__file__, name))


def _resolve(ref: str, base: str) -> tuple[dict[str, Any], str]:
    """Follow a $ref within or across the shipped schemas; returns (subschema, its file)."""
    file, _, pointer = ref.partition("#")
    file = file or base
    node: Any = load_schema(file)
    for part in filter(None, pointer.split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, file


def _compile(schema: dict[str, Any] | bool, base: str, compiled: dict[int, Check]) -> Check:
    """Turn a (sub)schema into a predicate; raises ValueError on an unsupported keyword."""
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    key = id(schema)
    if key in compiled:
        return compiled[key]
    checks: list[Check] = []
    # A $ref may point back up (recursion): register a forwarder before compiling children.
    compiled[key] = lambda value: all(check(value) for check in checks)
    unknown = set(schema) - _ANNOTATIONS - _KEYWORDS.keys()
    if unknown:
        raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported by the fast checker")
    for keyword, argument in schema.items():
        if keyword in _KEYWORDS:
            checks.append(_KEYWORDS[keyword](argument, schema, base, compiled))
    return compiled[key]


def _k_type(arg: str | list[str], schema: dict, base: str, compiled: dict) -> Check:
    tests = [_TYPES[name] for name in ([arg] if isinstance(arg, str) else arg)]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(test(v) for test in tests)


def _k_const(arg: Any, schema: dict, base: str, compiled: dict) -> Check:
    return lambda v: v == arg and type(v) is type(arg)


def _k_enum(arg: list[Any], schema: dict, base: str, compiled: dict) -> Check:
    return lambda v: any(v == option and type(v) is type(option) for option in arg)


def _k_required(arg: list[str], schema: dict, base: str, compiled: dict) -> Check:
    return lambda v: not isinstance(v, dict) or all(name in v for name in arg)


def _k_properties(arg: dict[str, Any], schema: dict, base: str, compiled: dict) -> Check:
    checks = {name: _compile(sub, base, compiled) for name, sub in arg.items()}
    return lambda v: (
        not isinstance(v, dict) or all(checks[name](item) for name, item in v.items() if name in checks)
    )


def _k_additional(arg: Any, schema: dict, base: str, compiled: dict) -> Check:
    known = frozenset(schema.get("properties", ()))
    patterns = [re.compile(p) for p in schema.get("patternProperties", ())]
    check = _compile(arg, base, compiled)
    return lambda v: (
        not isinstance(v, dict)
        or all(
            check(item)
            for name, item in v.items()
            if name not in known and not any(p.search(name) for p in patterns)
        )
    )


def _k_pattern_properties(arg: dict[str, Any], schema: dict, base: str, compiled: dict) -> Check:
    checks = [(re.compile(p), _compile(sub, base, compiled)) for p, sub in arg.items()]
    return lambda v: (
        not isinstance(v, dict)
        or all(check(item) for name, item in v.items() for pattern, check in checks if pattern.search(name))
    )


def _k_property_names(arg: Any, schema: dict, base: str, compiled: dict) -> Check:
    check = _compile(arg, base, compiled)
    return lambda v: not isinstance(v, dict) or all(check(name) for name in v)


def _k_items(arg: Any, schema: dict, base: str, compiled: dict) -> Check:
    check = _compile(arg, base, compiled)
    return lambda v: not isinstance(v, list) or all(check(item) for item in v)


def _bound(kind: type | tuple[type, ...], measure: Callable[[Any], int], compare: Callable[[int, int], bool]):
    def keyword(arg: int, schema: dict, base: str, compiled: dict) -> Check:
        return lambda v: not isinstance(v, kind) or compare(measure(v), arg)

    return keyword


def _k_unique_items(arg: bool, schema: dict, base: str, compiled: dict) -> Check:
    def unique(v: Any) -> bool:
        if not arg or not isinstance(v, list):
            return True
        # JSON equality: 1 and true differ, key order does not matter
        seen = {json.dumps([type(item).__name__, item], sort_keys=True) for item in v}
        return len(seen) == len(v)

    return unique


def _k_pattern(arg: str, schema: dict, base: str, compiled: dict) -> Check:
    regex = re.compile(arg)
    return lambda v: not isinstance(v, str) or regex.search(v) is not None


def _types_of(schema: Any) -> frozenset[str] | None:
    declared = schema.get("type") if isinstance(schema, dict) else None
    if declared is None:
        return None
    names = frozenset([declared] if isinstance(declared, str) else declared)
    # JSON Schema's "number" includes integers
    return names | {"integer"} if "number" in names else names


def _k_one_of(arg: list[Any], schema: dict, base: str, compiled: dict) -> Check:
    checks = [_compile(sub, base, compiled) for sub in arg]
    types = [_types_of(sub) for sub in arg]
    if all(t is not None for t in types) and sum(map(len, types)) == len(frozenset().union(*types)):
        # branches of disjoint types can never both hold: "exactly one" is "any"
        return lambda v: any(check(v) for check in checks)
    return lambda v: sum(1 for check in checks if check(v)) == 1


def _k_any_of(arg: list[Any], schema: dict, base: str, compiled: dict) -> Check:
    checks = [_compile(sub, base, compiled) for sub in arg]
    return lambda v: any(check(v) for check in checks)


def _k_all_of(arg: list[Any], schema: dict, base: str, compiled: dict) -> Check:
    checks = [_compile(sub, base, compiled) for sub in arg]
    return lambda v: all(check(v) for check in checks)


def _k_not(arg: Any, schema: dict, base: str, compiled: dict) -> Check:
    check = _compile(arg, base, compiled)
    return lambda v: not check(v)


def _k_ref(arg: str, schema: dict, base: str, compiled: dict) -> Check:
    target, file = _resolve(arg, base)
    return _compile(target, file, compiled)


def _k_if(arg: Any, schema: dict, base: str, compiled: dict) -> Check:
    condition = _compile(arg, base, compiled)
    then = _compile(schema.get("then", True), base, compiled)
    otherwise = _compile(schema.get("else", True), base, compiled)
    return lambda v: then(v) if condition(v) else otherwise(v)


def _k_skip(arg: Any, schema: dict, base: str, compiled: dict) -> Check:
    """Keywords evaluated by a sibling (then/else by if)."""
    return lambda v: True


_KEYWORDS = {
    "type": _k_type,
    "const": _k_const,
    "enum": _k_enum,
    "required": _k_required,
    "properties": _k_properties,
    "additionalProperties": _k_additional,
    "patternProperties": _k_pattern_properties,
    "propertyNames": _k_property_names,
    "items": _k_items,
    "minItems": _bound(list, len, int.__ge__),
    "maxItems": _bound(list, len, int.__le__),
    "minLength": _bound(str, len, int.__ge__),
    "maxLength": _bound(str, len, int.__le__),
    "minProperties": _bound(dict, len, int.__ge__),
    "maxProperties": _bound(dict, len, int.__le__),
    "minimum": _bound((int, float), lambda v: v, lambda a, b: a >= b),
    "maximum": _bound((int, float), lambda v: v, lambda a, b: a <= b),
    "pattern": _k_pattern,
    "uniqueItems": _k_unique_items,
    "oneOf": _k_one_of,
    "anyOf": _k_any_of,
    "allOf": _k_all_of,
    "not": _k_not,
    "$ref": _k_ref,
    "if": _k_if,
    "then": _k_skip,
    "else": _k_skip,
}


@cache
def fast_check(name: str) -> Check:
    """The compiled yes/no checker of a shipped schema."""
    return _compile(load_schema(name), name, {})


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schema_files = list_files(schemas.__file__, ".json")
    registry = Registry().with_resources(
        (load_schema(file)["$id"], Resource.from_contents(load_schema(file))) for file in schema_files
    )
    return Draft202012Validator(load_schema(name), registry=registry)


def _leaf_errors(error: Any) -> Iterator[Any]:
    """The errors to show: a oneOf/anyOf without a message of its own is explained by its best branch."""
    if error.validator in ("oneOf", "anyOf") and "x-message" not in error.schema and error.context:
        from jsonschema.exceptions import best_match

        yield from _leaf_errors(best_match(error.context))
    else:
        yield error


def _describe(error: Any) -> tuple[str, JsonPath] | None:
    """A message for one jsonschema error, and the path to point at; None for an error that
    only repeats another (a "which keys" rule on a value that is not even an object)."""
    path: JsonPath = tuple(error.absolute_path)
    where = _where(path)
    instance = error.instance
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in known) if isinstance(instance, dict) else []
        name = extra[0] if extra else "?"
        hint = ""
        if name == "Principal":
            hint = "; Principal belongs only in role trust policies (use --kind trust if this is one)"
        elif name in ("Resource", "NotResource") and "Principal" in known:
            hint = (
                "; this file is read as a role trust policy, which has no Resource, because a statement "
                "names a Principal (use --kind identity if it is not a trust policy)"
            )
        elif known and name.lower() in {k.lower() for k in known}:
            right = next(k for k in known if k.lower() == name.lower())
            hint = f'; element names are case-sensitive: write "{right}"'
        elif known:
            hint = f"; allowed here: {', '.join(sorted(known))}"
        return f'unknown element "{name}" in {where}{hint}', (*path, name)
    if error.validator == "required":
        missing = [n for n in error.validator_value if isinstance(instance, dict) and n not in instance]
        return f"{where} is missing {' and '.join(missing)}", path
    message = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if (
        error.validator == "oneOf"
        and isinstance(error.validator_value, list)
        and all(set(branch) == {"required"} for branch in error.validator_value)
    ):
        if not isinstance(instance, dict):
            return None
        present = [n for branch in error.validator_value for n in branch["required"] if n in instance]
        found = " and ".join(present) if present else "neither"
        return f"{where}: {message or error.message} (found {found})", path
    shown = _short(instance)
    if message:
        # "Version must be ..." already names the element; "must be ..." needs the path
        lead = "" if path and message.startswith(str(path[-1])) else f"{where}: "
        return f"{lead}{message}; found {shown}", path
    return f"{where}: {error.message}", path


def _where(path: JsonPath) -> str:
    return format_path(path) or "the document"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(document: Document, schema_name: str) -> list[Finding]:
    """SCHEMA findings for a parsed document (none when it is valid)."""
    if fast_check(schema_name)(document.value):
        return []
    too_deep = document.depth_finding()
    if too_deep:
        return [too_deep]
    findings: dict[tuple[JsonPath, str], Finding] = {}
    for error in _validator(schema_name).iter_errors(document.value):
        for leaf in _leaf_errors(error):
            described = _describe(leaf)
            if described is None:
                continue
            message, path = described
            findings.setdefault((path, message), document.finding("SCHEMA", message, path))
    return sorted(findings.values(), key=Finding.sort_key)
