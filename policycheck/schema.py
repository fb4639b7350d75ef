"""Validate documents against the shipped JSON Schemas; every violation becomes a finding.

Each schema is compiled here into a small yes/no checker for the keywords our schemas use
(the compiler refuses any other): most documents are valid, and the checker tells so in
microseconds. Only a document it rejects is explained, keyword by keyword, by
schema_errors.py, which words errors as jsonschema does. jsonschema is the authority in the
tests (tests/test_schema.py, tests/test_schema_errors.py): the checker and the explainer
agree with it on generated documents for every shipped schema.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from policycheck.data import read_text
from policycheck.findings import Finding
from policycheck.load.document import Document
from policycheck.model import JsonPath, format_path
from policycheck.schema_errors import Explainer, SchemaError, best_match, json_key, unique

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "x-message", "$defs", "default"}
)
_KEYWORDS = frozenset(
    {
        "type",
        "const",
        "enum",
        "required",
        "properties",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
        "pattern",
        "uniqueItems",
        "oneOf",
        "anyOf",
        "allOf",
        "not",
        "$ref",
        "if",
        "then",
        "else",
    }
)
_TYPE_TESTS = {
    "object": "isinstance({0}, dict)",
    "array": "isinstance({0}, list)",
    "string": "isinstance({0}, str)",
    "boolean": "isinstance({0}, bool)",
    "null": "{0} is None",
    "integer": (
        "((isinstance({0}, int) and not isinstance({0}, bool))"
        " or (isinstance({0}, float) and {0}.is_integer()))"
    ),
    "number": "(isinstance({0}, (int, float)) and not isinstance({0}, bool))",
}
_SIZE_KEYWORDS = {
    "minItems": ("array", "len({0}) >= {1}"),
    "maxItems": ("array", "len({0}) <= {1}"),
    "minLength": ("string", "len({0}) >= {1}"),
    "maxLength": ("string", "len({0}) <= {1}"),
    "minProperties": ("object", "len({0}) >= {1}"),
    "maxProperties": ("object", "len({0}) <= {1}"),
}
_BOUND_KEYWORDS = {"minimum": "{0} >= {1}", "maximum": "{0} <= {1}"}
_GUARDS = {
    "object": "isinstance({0}, dict)",
    "array": "isinstance({0}, list)",
    "string": "isinstance({0}, str)",
    "bound": "(isinstance({0}, (int, float)) and not isinstance({0}, bool))",  # true is no number
}
_LEAF_KEYWORDS = frozenset(
    {"type", "const", "enum", "pattern", "required", *_SIZE_KEYWORDS, *_BOUND_KEYWORDS}
)


@cache
def _schemas() -> str:
    """A file in the schemas' folder: the package policycheck.schemas once installed (the wheel
    maps the repository's top-level schemas/ to it), else schemas/ beside the package, so a
    checkout runs as it is (`python -m policycheck` without installing)."""
    installed = importlib.util.find_spec("policycheck.schemas")
    if installed is not None and installed.origin:
        return installed.origin
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schemas", "__init__.py")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A shipped schema by file name, e.g. "ram-policy.schema.json"."""
    return json.loads(read_text(_schemas(), name))


def _resolve(ref: str, base: str) -> tuple[dict[str, Any], str]:
    """Follow a $ref within or across the shipped schemas; returns (subschema, its file)."""
    file, _, pointer = ref.partition("#")
    file = file or base
    node: Any = load_schema(file)
    for part in filter(None, pointer.split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, file


def _types_of(schema: Any) -> frozenset[str] | None:
    declared = schema.get("type") if isinstance(schema, dict) else None
    if declared is None:
        return None
    names = frozenset([declared] if isinstance(declared, str) else declared)
    # JSON Schema's "number" includes integers
    return names | {"integer"} if "number" in names else names


class _Compiler:
    """Writes one Python function per (sub)schema and compiles them together.

    A closure per keyword costs a call and a generator per keyword per value; generated code
    tests a whole schema node in one frame, with small leaf schemas (`{"type": "string",
    "minLength": 1}`) inlined where they are used. Only the shipped schemas are compiled, and
    every value in the source is written with repr() or kept in a constant table.
    """

    def __init__(self) -> None:
        self.names: dict[int, str] = {}
        self.functions: list[str] = []
        self.namespace: dict[str, Any] = {"_unique": unique, "_json_key": json_key, "_always": lambda v: True}
        self.namespace["_never"] = lambda v: False
        self.namespace["_missing"] = object()
        self.tables: list[str] = []

    def constant(self, value: Any) -> str:
        """A name for a value the generated code needs (a regex, a list, a table)."""
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def literal(self, value: Any) -> str:
        if isinstance(value, (str, int, float, bool)) or value is None:
            return repr(value)
        return self.constant(value)

    def function(self, schema: dict[str, Any] | bool, base: str) -> str:
        """The name of the function that checks `schema` (compiling it on first use)."""
        if schema is True:
            return "_always"
        if schema is False:
            return "_never"
        key = id(schema)
        if key in self.names:
            return self.names[key]
        if set(schema) - _ANNOTATIONS == {"$ref"}:
            target, file = _resolve(schema["$ref"], base)
            self.names[key] = self.function(target, file)
            return self.names[key]
        name = f"_n{len(self.names)}"
        # Registered before its body: a $ref may lead back here (recursion).
        self.names[key] = name
        body = self.body(schema, base)
        lines = [f"def {name}(v):", *(f"    {line}" for line in body), "    return True"]
        self.functions.append("\n".join(lines))
        return name

    def test(self, schema: dict[str, Any] | bool, base: str, var: str) -> str:
        """A boolean expression for `schema` on `var`: inlined for a leaf, else a call."""
        if isinstance(schema, dict) and set(schema) - _ANNOTATIONS <= _LEAF_KEYWORDS:
            _check_keywords(schema)
            parts = self.leaf(schema, var)
            return "(" + " and ".join(parts) + ")" if parts else "True"
        return f"{self.function(schema, base)}({var})"

    def leaf(self, schema: dict[str, Any], var: str) -> list[str]:
        """Conditions (all must hold) for the leaf keywords of a schema."""
        parts: list[str] = []
        types = schema.get("type")
        known = None
        if types is not None:
            names = [types] if isinstance(types, str) else types
            parts.append("(" + " or ".join(_TYPE_TESTS[t].format(var) for t in names) + ")")
            known = names[0] if len(names) == 1 else None
        if "const" in schema:
            arg = schema["const"]
            if type(arg) is str:  # only a string equals a string
                parts.append(f"({var} == {arg!r})")
            else:
                parts.append(f"(_json_key({var}) == {self.constant(json_key(arg))})")
        if "enum" in schema:
            options = schema["enum"]
            if all(type(option) is str for option in options):
                parts.append(f"(type({var}) is str and {var} in {self.constant(frozenset(options))})")
            else:
                keys = self.constant(frozenset(map(json_key, options)))
                parts.append(f"(_json_key({var}) in {keys})")
        for keyword, (kind, test) in _SIZE_KEYWORDS.items():
            if keyword in schema:
                check = test.format(var, int(schema[keyword]))
                parts.append(check if known == kind else f"(not {_GUARDS[kind].format(var)} or {check})")
        for keyword, test in _BOUND_KEYWORDS.items():
            if keyword in schema:
                check = test.format(var, self.literal(schema[keyword]))
                parts.append(f"(not {_GUARDS['bound'].format(var)} or {check})")
        if "pattern" in schema:
            regex = self.constant(re.compile(schema["pattern"]))
            check = f"{regex}.search({var}) is not None"
            parts.append(check if known == "string" else f"(not isinstance({var}, str) or {check})")
        if schema.get("required"):
            check = " and ".join(f"{name!r} in {var}" for name in schema["required"])
            parts.append(f"({check})" if known == "object" else f"(not isinstance({var}, dict) or {check})")
        return parts

    def body(self, schema: dict[str, Any], base: str) -> list[str]:
        _check_keywords(schema)
        lines = [f"if not {part}: return False" for part in self.leaf(schema, "v")]
        types = schema.get("type")
        known = types if isinstance(types, str) else None

        def guarded(kind: str, block: list[str]) -> list[str]:
            if known == kind or not block:
                return block
            return [f"if {_GUARDS[kind].format('v')}:", *(f"    {line}" for line in block)]

        if any(k in schema for k in ("properties", "additionalProperties", "patternProperties")):
            lines += guarded("object", self.members(schema, base))
        if "propertyNames" in schema:
            test = self.test(schema["propertyNames"], base, "k")
            lines += guarded("object", ["for k in v:", f"    if not {test}: return False"])
        if "items" in schema:
            test = self.test(schema["items"], base, "x")
            lines += guarded("array", ["for x in v:", f"    if not {test}: return False"])
        if schema.get("uniqueItems"):
            lines += guarded("array", ["if not _unique(v): return False"])
        for branch in schema.get("allOf", ()):
            # every branch must hold: its checks go straight into this function
            if branch is False or isinstance(branch, dict):
                lines += ["return False"] if branch is False else self.body(branch, base)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                lines.append(self.combination(keyword, schema[keyword], base))
        if "not" in schema:
            lines.append(f"if {self.test(schema['not'], base, 'v')}: return False")
        if "$ref" in schema:
            target, file = _resolve(schema["$ref"], base)
            lines.append(f"if not {self.function(target, file)}(v): return False")
        if "if" in schema:
            condition = self.test(schema["if"], base, "v")
            then = self.test(schema.get("then", True), base, "v")
            otherwise = self.test(schema.get("else", True), base, "v")
            lines.append(f"if not ({then} if {condition} else {otherwise}): return False")
        return lines

    def members(self, schema: dict[str, Any], base: str) -> list[str]:
        """properties, patternProperties and additionalProperties in one pass over the members."""
        additional = schema.get("additionalProperties", True)
        if not schema.get("patternProperties"):
            return self.named_members(schema, base, additional)
        properties = {name: self.function(sub, base) for name, sub in schema.get("properties", {}).items()}
        table = self.constant(properties)
        self.tables.append(table)  # names now, functions once compiled
        lines = [
            "for k, x in v.items():",
            f"    f = {table}.get(k)",
            "    matched = f is not None",
            "    if matched and not f(x): return False",
        ]
        for pattern, sub in schema["patternProperties"].items():
            lines += [
                f"    if {self.constant(re.compile(pattern))}.search(k):",
                "        matched = True",
                f"        if not {self.function(sub, base)}(x): return False",
            ]
        if additional is not True:
            lines.append(f"    if not matched and not {self.test(additional, base, 'x')}: return False")
        return lines

    def named_members(self, schema: dict[str, Any], base: str, additional: Any) -> list[str]:
        """Members when no patternProperties apply: unknown names checked in one set operation."""
        properties = schema.get("properties", {})
        known = self.constant(frozenset(properties))
        lines = []
        if additional is False:
            lines.append(f"if not {known}.issuperset(v): return False")
        elif additional is not True:
            test = self.test(additional, base, "x")
            if properties:
                lines += ["for k, x in v.items():", f"    if k not in {known} and not {test}: return False"]
            else:
                lines += ["for x in v.values():", f"    if not {test}: return False"]
        for name, sub in properties.items():
            if sub is not True:
                test = self.test(sub, base, "x")
                lines.append(f"x = v.get({name!r}, _missing)")
                lines.append(f"if x is not _missing and not {test}: return False")
        return lines

    def combination(self, keyword: str, branches: list[Any], base: str) -> str:
        tests = [self.test(branch, base, "v") for branch in branches]
        types = [_types_of(branch) for branch in branches]
        disjoint = all(t is not None for t in types) and sum(map(len, types)) == len(
            frozenset().union(*types)
        )
        if keyword == "anyOf" or disjoint:
            # branches of disjoint types can never both hold: "exactly one" is "any"
            return f"if not ({' or '.join(tests)}): return False"
        if len(tests) == 2:
            return f"if bool({tests[0]}) == bool({tests[1]}): return False"
        return f"if [{', '.join(f'bool({t})' for t in tests)}].count(True) != 1: return False"

    def build(self, schema: dict[str, Any] | bool, base: str) -> Check:
        entry = self.function(schema, base)
        source = "\n\n".join(self.functions)
        exec(compile(source, f"<checker for {base}>", "exec"), self.namespace)  # noqa: S102
        for table in self.tables:
            self.namespace[table] = {k: self.namespace[f] for k, f in self.namespace[table].items()}
        return self.namespace[entry]

    def checkers(self) -> dict[int, Check]:
        """After build(): the function compiled for each schema node that has one, by id()."""
        return {key: self.namespace[name] for key, name in self.names.items()}


def _check_keywords(schema: dict[str, Any]) -> None:
    unknown = set(schema) - _ANNOTATIONS - _KEYWORDS
    if unknown:
        raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported by the fast checker")


def compile_checker(schema: dict[str, Any] | bool, base: str) -> Check:
    """A yes/no checker for a schema; raises ValueError on a keyword it does not implement."""
    return _Compiler().build(schema, base)


@cache
def _compiled(name: str) -> tuple[Check, dict[int, Check]]:
    """A shipped schema's checker, and the checker of each of its nodes compiled as a
    function, by id() (the schemas are loaded once and kept, so an id stays theirs)."""
    compiler = _Compiler()
    check = compiler.build(load_schema(name), name)
    return check, compiler.checkers()


def fast_check(name: str) -> Check:
    """The compiled yes/no checker of a shipped schema."""
    return _compiled(name)[0]


@cache
def _explainer(name: str) -> Explainer:
    """Errors against a shipped schema; a node its checker accepts is not walked, so a broken
    policy costs about as much as its broken statements."""
    nodes = _compiled(name)[1]
    return Explainer(_resolve, lambda node: nodes.get(id(node)))


def _leaf_errors(error: SchemaError) -> Iterator[SchemaError]:
    """The errors to show: a oneOf/anyOf without a message of its own is explained by its best branch."""
    if error.keyword in ("oneOf", "anyOf") and "x-message" not in error.schema and error.context:
        yield from _leaf_errors(best_match(error.context))
    else:
        yield error


def _describe(error: SchemaError) -> tuple[str, JsonPath] | None:
    """A message for one schema error, and the path to point at; None for an error that
    only repeats another (a "which keys" rule on a value that is not even an object)."""
    path = error.path
    where = _where(path)
    instance = error.instance
    if error.keyword == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in known) if isinstance(instance, dict) else []
        name = extra[0] if extra else "?"
        hint = ""
        if name == "Principal":
            hint = (
                "; Principal belongs only in role trust policies and OSS bucket policies "
                "(lint reads a file as one with --kind trust, --kind bucket or lint.kinds)"
            )
        elif name in ("Resource", "NotResource") and "Principal" in known:
            hint = (
                "; this file is read as a role trust policy, which has no Resource, because a statement "
                "names a Principal (if it is not a trust policy, remove the Principal; an OSS bucket policy "
                "is its own kind for policycheck lint, see lint.kinds)"
            )
        elif known and name.lower() in {k.lower() for k in known}:
            right = next(k for k in known if k.lower() == name.lower())
            hint = f'; element names are case-sensitive: write "{right}"'
        elif known:
            hint = f"; allowed here: {', '.join(sorted(known))}"
        return f'unknown element "{name}" in {where}{hint}', (*path, name)
    if error.keyword == "required":
        missing = [n for n in error.value if isinstance(instance, dict) and n not in instance]
        return f"{where} is missing {' and '.join(missing)}", path
    message = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if (
        error.keyword == "oneOf"
        and isinstance(error.value, list)
        and all(set(branch) == {"required"} for branch in error.value)
    ):
        if not isinstance(instance, dict):
            return None
        present = [n for branch in error.value for n in branch["required"] if n in instance]
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
    for error in _explainer(schema_name).errors(load_schema(schema_name), schema_name, document.value):
        for leaf in _leaf_errors(error):
            described = _describe(leaf)
            if described is None:
                continue
            message, path = described
            findings.setdefault((path, message), document.finding("SCHEMA", message, path))
    return sorted(findings.values(), key=Finding.sort_key)
