"""The System policy library: Alibaba Cloud's System policies with where and when they were read.

A System policy's text belongs to Alibaba Cloud, not to the account or the repository, so a
Terraform plan that attaches one says nothing about what it grants. The library supplies the
text: the shipped copy (policycheck/catalog/system_policies/, from Alibaba Cloud's policy
reference pages), overlaid by a team's own copy (`policycheck catalog refresh-system-policies`
writes one; policycheck.yaml names it with `system_policies:`). A policy in neither is not
guessed at: it stays unknown. One JSON file per policy, format in
schemas/system-policy.schema.json.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

import policycheck.catalog.system_policies as shipped_data
from policycheck.data import list_files, read_text
from policycheck.errors import UserError

if TYPE_CHECKING:
    from policycheck.model import Policy

SHIPPED = "policycheck's library"
SCHEMA = "system-policy.schema.json"


class LibraryError(UserError):
    """A library folder or file that cannot be used: one line, `file:line:column: why`, exit 2."""


@dataclass(frozen=True)
class SystemPolicy:
    """One System policy's default version: its document as JSON text, and its provenance."""

    name: str
    version: str
    document: str
    source: str
    read: str
    updated: str = ""
    origin: str = SHIPPED

    @property
    def label(self) -> str:
        """How findings and reports name it: the name audit gives a fetched System policy."""
        return f"ram://policy/System/{self.name}@{self.version}"

    def provenance(self) -> dict[str, str]:
        """Which text was used, for JSON reports."""
        return {
            "name": self.name,
            "version": self.version,
            "origin": self.origin,
            "source": self.source,
            "read": self.read,
        }

    def describe(self) -> str:
        """One line for reports: which text was used, from where, read when."""
        return (
            f"System policy {self.name} {self.version}: text from {self.origin}, "
            f"read {self.read} from {self.source}"
        )


@dataclass(frozen=True)
class SystemLibrary:
    """System policies by name (RAM's exact spelling)."""

    policies: Mapping[str, SystemPolicy]

    def get(self, name: str) -> SystemPolicy | None:
        return self.policies.get(name)

    def __len__(self) -> int:
        return len(self.policies)


@dataclass(frozen=True)
class LibraryListing:
    """What `policycheck catalog system-policies` shows: the library `check` would use."""

    kind: ClassVar[str] = "system_policies"

    policies: tuple[SystemPolicy, ...]


@dataclass(frozen=True)
class RefreshReport:
    """What `policycheck catalog refresh-system-policies` did: the files written to `folder`,
    from which endpoint and as whom, and the policies it could not take (`errors`)."""

    kind: ClassVar[str] = "refresh"

    folder: str
    endpoint: str
    caller: str
    read: str
    listed: int
    written: tuple[SystemPolicy, ...]
    errors: tuple[str, ...]


def entry(value: Mapping[str, Any], origin: str = SHIPPED) -> SystemPolicy:
    """A SystemPolicy from one schema-valid library file's content."""
    return SystemPolicy(
        name=value["name"],
        version=value["version"],
        document=json.dumps(value["document"], indent=2, ensure_ascii=False) + "\n",
        source=value["source"],
        read=value["read"],
        updated=value.get("updated", ""),
        origin=origin,
    )


def entry_json(policy: SystemPolicy) -> str:
    """The library file for a policy (what refresh-system-policies writes), keys in fixed order."""
    value: dict[str, Any] = {
        "name": policy.name,
        "type": "System",
        "version": policy.version,
        "updated": policy.updated,
        "source": policy.source,
        "read": policy.read,
        "document": json.loads(policy.document),
    }
    if not policy.updated:
        del value["updated"]
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@cache
def shipped() -> SystemLibrary:
    """The library shipped with policycheck (validated by the tests, so read without a schema)."""
    policies = {}
    for file_name in list_files(shipped_data.__file__, ".json"):
        policy = entry(json.loads(read_text(shipped_data.__file__, file_name)))
        policies[policy.name] = policy
    return SystemLibrary(policies)


def load_folder(folder: str) -> SystemLibrary:
    """Every *.json file of a folder, each checked against the schema; raises LibraryError."""
    from policycheck.load import load_file
    from policycheck.load.files import display_path
    from policycheck.schema import validate

    if not os.path.isdir(folder):
        raise LibraryError(
            f"{display_path(folder)}: no such folder (system_policies: names a folder of JSON files)"
        )
    policies: dict[str, SystemPolicy] = {}
    for file_name in sorted(os.listdir(folder)):
        path = os.path.join(folder, file_name)
        if not file_name.endswith(".json") or not os.path.isfile(path):
            continue
        path = display_path(path)
        document = load_file(path, source=path)
        problems = [f for f in document.findings if f.severity == "error"]
        if document.parsed:
            problems += validate(document, SCHEMA)
        if problems:
            first = problems[0]
            raise LibraryError(f"{path}:{first.line}:{first.column}: {first.message}")
        policy = entry(document.value, origin=display_path(folder))
        if policy.name in policies:
            raise LibraryError(f"{path}: a second file for System policy {policy.name}")
        policies[policy.name] = policy
    return SystemLibrary(policies)


def library(folder: str | None = None) -> SystemLibrary:
    """The shipped library, overlaid by a team's folder when one is named (its text wins)."""
    if folder is None:
        return shipped()
    return SystemLibrary({**shipped().policies, **load_folder(folder).policies})


def system_policy_model(policy: SystemPolicy) -> Policy | None:
    """The evaluable Policy of a library entry (None if its text breaks the grammar)."""
    from policycheck.lint import lint_document
    from policycheck.load import load_bytes

    document = load_bytes(policy.document.encode("utf-8"), policy.label)
    _, model = lint_document(document, "identity", name=policy.name)
    return model
