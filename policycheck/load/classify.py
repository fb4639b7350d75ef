"""Which JSON and YAML files found in folders are policies, and why the others are skipped.

A repository holds JSON and YAML that is not policy (package.json, tsconfig.json, CI
workflows, docker-compose.yml, emulator worlds, Terraform plans). Reporting each as a broken
policy would bury the real findings, so a file is linted as a policy when it **looks like
one**; the rest are skipped and listed with `lint --verbose`:

- its name ends in .policy.json, .policy.yaml or .policy.yml (the user said so); or
- it parses to an object with a top-level `Statement` or `Version` key (spelled as RAM
  spells them: package.json's lowercase `version` does not count); or
- it does not parse, but its text mentions `Statement` or `Version` as a word: a policy
  with a syntax error is still an error, while an unrelated broken file (a tsconfig.json
  with comments) is skipped; or
- it cannot be read at all (permissions): nothing can tell, so it is reported.

ROS templates (ROSTemplateFormatVersion) are read for the policies they declare (ros.py).
"""

from __future__ import annotations

import re

from policycheck.load.document import Document

TEMPLATE_MARKER = "ROSTemplateFormatVersion"
POLICY_NAME_SUFFIXES = (".policy.json", ".policy.yaml", ".policy.yml")
POLICY_KEYS = ("Statement", "Version")
_POLICY_WORD = r"\b(?:Statement|Version)\b"
"""Searched with re.search (compiled on first use): most runs never need it."""


def is_template(value: object) -> bool:
    """A ROS template: read for its RAM resources by ros.py (imported only then)."""
    return isinstance(value, dict) and TEMPLATE_MARKER in value


def skip_reason(document: Document, path: str) -> str | None:
    """Why a loaded file is not a policy, or None when it is to be linted as one."""
    if path.lower().endswith(POLICY_NAME_SUFFIXES):
        return None
    if not document.parsed:
        if any(f.code == "FILE_UNREADABLE" for f in document.findings) or re.search(
            _POLICY_WORD, document.text
        ):
            return None
        problem = document.findings[0].message if document.findings else "not readable"
        return f"not a policy: {problem}, and its text never mentions Statement or Version"
    value = document.value
    if not isinstance(value, dict):
        return f"not a policy: its top level is {_kind(value)}, not an object"
    if any(key in value for key in POLICY_KEYS):
        return None
    if "format_version" in value and ("resource_changes" in value or "planned_values" in value):
        return (
            "a Terraform plan, not a policy: list it in policycheck.yaml under policies: as terraform: FILE"
        )
    return "not a policy: no Statement or Version at its top level"


def _kind(value: object) -> str:
    names = {list: "a list", str: "a string", bool: "a boolean", type(None): "empty"}
    return names.get(type(value), "a number")
