"""ROS templates -> the RAM policy documents they declare, positioned in the template's own text.

A ROS (Resource Orchestration Service) template is a JSON or YAML file with
`ROSTemplateFormatVersion`. Resource types and properties follow ROS's resource reference:
ALIYUN::RAM::ManagedPolicy (`PolicyDocument`, or `PolicyDocumentUnchecked`, which ROS passes
on without checking it), ALIYUN::RAM::Role (`AssumeRolePolicyDocument`, inline `Policies`),
ALIYUN::RAM::User and ALIYUN::RAM::Group (inline `Policies`), ALIYUN::RAM::AttachPolicyTo*
(names only: nothing to lint). A value that is a ROS function (`Ref`, `Fn::Sub`, `Fn::Join`...)
is resolved by ROS when it deploys the stack, from parameters and other resources: a document
holding one is reported as NOT_KNOWN_BEFORE_DEPLOY at the function, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policycheck.findings import Finding
from policycheck.load.document import Document
from policycheck.model import JsonPath, PolicyKind

INLINE_POLICIES = ("ALIYUN::RAM::Role", "ALIYUN::RAM::User", "ALIYUN::RAM::Group")


@dataclass(frozen=True)
class TemplateDocument:
    """A policy document in a template; `address` names the resource and property, `name` the
    ManagedPolicy's PolicyName when it is written literally."""

    address: str
    kind: PolicyKind
    document: Document
    name: str | None = None


@dataclass(frozen=True)
class RosTemplate:
    source: str
    documents: tuple[TemplateDocument, ...]
    findings: tuple[Finding, ...]


def read_template(template: Document) -> RosTemplate:
    """The documents of a loaded template; malformed RAM resources and unknowns are findings."""
    findings: list[Finding] = []
    documents: list[TemplateDocument] = []
    resources = template.value.get("Resources")
    if not isinstance(resources, dict):
        resources = {}

    def problem(path: JsonPath, message: str, code: str = "ROS_TEMPLATE") -> None:
        findings.append(template.finding(code, message, path))

    def add(path: JsonPath, kind: PolicyKind, address: str, policy_name: Any = None) -> None:
        value = _at(template.value, path)
        function = _first_function(value)
        if function is not None:
            name = next(iter(_at(value, function)))
            problem(
                path + function,
                f"{address}: {name} is resolved only when ROS deploys the stack; "
                "policycheck does not guess it",
                "NOT_KNOWN_BEFORE_DEPLOY",
            )
            return
        if not isinstance(value, dict):
            problem(path, f"{address} is not an object; ROS takes a policy document as a map")
            return
        name = policy_name if isinstance(policy_name, str) else None
        documents.append(TemplateDocument(address, kind, _embedded(template, path, value), name))

    for name, resource in resources.items():
        if not isinstance(resource, dict) or not str(resource.get("Type", "")).startswith("ALIYUN::RAM::"):
            continue
        kind = resource["Type"]
        base: JsonPath = ("Resources", name, "Properties")
        properties = resource.get("Properties")
        if not isinstance(properties, dict):
            if kind in ("ALIYUN::RAM::ManagedPolicy", "ALIYUN::RAM::Role"):
                problem(("Resources", name), f"{name} ({kind}) has no Properties")
            continue
        if kind == "ALIYUN::RAM::ManagedPolicy":
            present = [p for p in ("PolicyDocument", "PolicyDocumentUnchecked") if p in properties]
            if not present:
                problem(base, f"{name} sets neither PolicyDocument nor PolicyDocumentUnchecked")
            for key in present:
                add((*base, key), "identity", f"{name}.{key}", properties.get("PolicyName"))
        if kind == "ALIYUN::RAM::Role":
            if "AssumeRolePolicyDocument" in properties:
                add((*base, "AssumeRolePolicyDocument"), "trust", f"{name}.AssumeRolePolicyDocument")
            else:
                problem(base, f"{name} has no AssumeRolePolicyDocument, which ROS requires for a role")
        if kind in INLINE_POLICIES and "Policies" in properties:
            policies = properties["Policies"]
            if _first_function(policies) == ():
                add((*base, "Policies"), "identity", f"{name}.Policies")
                continue
            if not isinstance(policies, list):
                problem((*base, "Policies"), f"{name}.Policies is not a list")
                continue
            for index, inline in enumerate(policies):
                path = (*base, "Policies", index)
                if not isinstance(inline, dict) or "PolicyDocument" not in inline:
                    problem(path, f"{name}.Policies[{index}] has no PolicyDocument")
                    continue
                add((*path, "PolicyDocument"), "identity", f"{name}.Policies[{index}].PolicyDocument")
    return RosTemplate(template.source, tuple(documents), tuple(sorted(findings, key=Finding.sort_key)))


def _at(value: Any, path: JsonPath) -> Any:
    for step in path:
        value = value[step]
    return value


def _is_function(value: Any) -> bool:
    """{"Ref": ...} or {"Fn::...": ...}: a single-key map naming a ROS function."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def _first_function(value: Any) -> JsonPath | None:
    """The path (inside `value`) of the first ROS function in document order, or None."""
    pending: list[tuple[JsonPath, Any]] = [((), value)]
    while pending:
        path, item = pending.pop()
        if _is_function(item):
            return path
        if isinstance(item, dict):
            pending.extend(reversed([((*path, key), child) for key, child in item.items()]))
        elif isinstance(item, list):
            pending.extend(reversed([((*path, index), child) for index, child in enumerate(item)]))
    return None


def _embedded(template: Document, base: JsonPath, value: Any) -> Document:
    """A document whose positions are those of the template, at `base`."""

    def offset(path: JsonPath) -> int:
        full = base + path
        if template.find_offset is not None:
            return template.find_offset(full)
        positions = template.positions
        while full not in positions and full:
            full = full[:-1]
        return positions.get(full, 0)

    # yaml=True: the text is the template's, not this document's JSON (the size rule re-encodes it)
    return Document(
        source=template.source, text=template.text, value=value, parsed=True, yaml=True, find_offset=offset
    )
