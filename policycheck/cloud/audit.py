"""Read what is really attached in an account through RAM 2015-05-01, then lint it.

fetch_account() reads, for each principal asked for, the policies attached to it (and, for
a user, to its groups), each policy's default version, and a role's trust policy, paging
through every list. One principal that cannot be read is reported and the others go on.
What was read is data of policycheck.account, which lints it (audit()) and hands it to
expectations (principal_policies()).

Only RAM reads are called (the catalog marks each get or list; sdk.py refuses anything else).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policycheck.account import (
    Attachment,
    AuditResult,
    FetchedDocument,
    FetchedPrincipal,
    PolicyRef,
    Snapshot,
    policy_source,
    trust_source,
)
from policycheck.cloud.api import Caller, ClientError, CloudError

PAGE_SIZE = 100
"""RAM's default MaxItems (the maximum is 1000)."""


@dataclass(frozen=True)
class Selection:
    """Which principals to read; `everything` lists every user, group and role (--all)."""

    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    everything: bool = False


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _items(body: Mapping[str, Any], key: str, item: str) -> list[dict[str, Any]]:
    container = body.get(key)
    values = container.get(item) if isinstance(container, dict) else None
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _pages(
    caller: Caller, action: str, params: Mapping[str, str], key: str, item: str, page_size: int | None
) -> Iterator[dict[str, Any]]:
    """Every item of a RAM list, following IsTruncated/Marker.

    MaxItems is sent only to the operations that document it (`page_size` not None); the
    Marker is followed wherever an answer says it is truncated.
    """
    marker = ""
    seen: set[str] = set()
    while True:
        query = dict(params)
        if page_size is not None:
            query["MaxItems"] = str(page_size)
        if marker:
            query["Marker"] = marker
        body = caller.call("ram", action, query).body
        yield from _items(body, key, item)
        if not _truthy(body.get("IsTruncated")):
            return
        marker = str(body.get("Marker") or "")
        if not marker or marker in seen:
            raise ClientError("InvalidResponse", f"{action} said IsTruncated but gave no new Marker")
        seen.add(marker)


def _refs(caller: Caller, action: str, params: Mapping[str, str]) -> list[PolicyRef]:
    return [
        PolicyRef(str(p.get("PolicyType", "")), str(p.get("PolicyName", "")))
        for p in _pages(caller, action, params, "Policies", "Policy", None)
        if p.get("PolicyName")
    ]


class _Reader:
    """Reads principals and policies, each policy document once."""

    def __init__(self, caller: Caller, snapshot: Snapshot, page_size: int) -> None:
        self.caller = caller
        self.snapshot = snapshot
        self.page_size = page_size
        self.group_policies: dict[str, list[PolicyRef]] = {}

    def names(self, action: str, key: str, item: str, field_name: str) -> list[str]:
        try:
            return sorted(
                str(entry[field_name])
                for entry in _pages(self.caller, action, {}, key, item, self.page_size)
                if entry.get(field_name)
            )
        except CloudError as error:
            self.snapshot.errors.append(f"{action}: {error}")
            return []

    def policy(self, ref: PolicyRef) -> None:
        snapshot = self.snapshot
        if ref in snapshot.policy_sources or ref in snapshot.policy_errors:
            return
        try:
            document = self._policy_document(ref)
        except CloudError as error:
            snapshot.policy_errors[ref] = str(error)
            return
        snapshot.policy_sources[ref] = document.source
        snapshot.documents[document.source] = document

    def _policy_document(self, ref: PolicyRef) -> FetchedDocument:
        """The default version, from GetPolicy; GetPolicyVersion when GetPolicy leaves it out."""
        params = {"PolicyType": ref.policy_type, "PolicyName": ref.name}
        body = self.caller.call("ram", "GetPolicy", params).body
        default = body.get("DefaultPolicyVersion")
        default = default if isinstance(default, dict) else {}
        version = str(default.get("VersionId") or (body.get("Policy") or {}).get("DefaultVersion") or "")
        text = default.get("PolicyDocument")
        if not isinstance(text, str):
            if not version:
                raise ClientError("InvalidResponse", f"GetPolicy {ref.name} names no default version")
            answer = self.caller.call("ram", "GetPolicyVersion", {**params, "VersionId": version}).body
            text = (answer.get("PolicyVersion") or {}).get("PolicyDocument")
            if not isinstance(text, str):
                raise ClientError("InvalidResponse", f"GetPolicyVersion {ref.name} {version} has no document")
        return FetchedDocument(
            policy_source(ref, version or "default"), text, "identity", ref.name, ref.policy_type, version
        )

    def principal(self, kind: str, name: str) -> FetchedPrincipal:
        try:
            if kind == "user":
                attachments = [
                    Attachment(ref) for ref in _refs(self.caller, "ListPoliciesForUser", {"UserName": name})
                ]
                groups = sorted(
                    str(g.get("GroupName"))
                    for g in _pages(
                        self.caller, "ListGroupsForUser", {"UserName": name}, "Groups", "Group", None
                    )
                    if g.get("GroupName")
                )
                for group in groups:
                    attachments += [Attachment(ref, f"group {group}") for ref in self._group(group)]
                trust = None
            elif kind == "group":
                attachments = [Attachment(ref) for ref in self._group(name)]
                trust = None
            else:
                attachments = [
                    Attachment(ref) for ref in _refs(self.caller, "ListPoliciesForRole", {"RoleName": name})
                ]
                trust = self._trust(name)
        except CloudError as error:
            return FetchedPrincipal(kind, name, error=str(error))
        for attachment in attachments:
            self.policy(attachment.policy)
        return FetchedPrincipal(kind, name, tuple(attachments), trust)

    def _group(self, group: str) -> list[PolicyRef]:
        if group not in self.group_policies:
            self.group_policies[group] = _refs(self.caller, "ListPoliciesForGroup", {"GroupName": group})
        return self.group_policies[group]

    def _trust(self, role: str) -> str | None:
        body = self.caller.call("ram", "GetRole", {"RoleName": role}).body
        text = (body.get("Role") or {}).get("AssumeRolePolicyDocument")
        if not isinstance(text, str):
            return None
        source = trust_source(role)
        self.snapshot.documents[source] = FetchedDocument(source, text, "trust", role)
        return source


Progress = Callable[[int, int, str], None]
"""progress(done, total, what): called before each principal is read."""


def fetch_account(
    caller: Caller, selection: Selection, page_size: int = PAGE_SIZE, progress: Progress | None = None
) -> Snapshot:
    """Read the selected principals and their policies; failures are recorded, never raised."""
    snapshot = Snapshot()
    reader = _Reader(caller, snapshot, page_size)
    wanted: list[tuple[str, str]] = [
        *(("user", n) for n in selection.users),
        *(("group", n) for n in selection.groups),
        *(("role", n) for n in selection.roles),
    ]
    if selection.everything:
        wanted += [("user", n) for n in reader.names("ListUsers", "Users", "User", "UserName")]
        wanted += [("group", n) for n in reader.names("ListGroups", "Groups", "Group", "GroupName")]
        wanted += [("role", n) for n in reader.names("ListRoles", "Roles", "Role", "RoleName")]
    wanted = list(dict.fromkeys(wanted))
    for done, (kind, name) in enumerate(wanted):
        if progress is not None:
            progress(done, len(wanted), f"{kind} {name}")
        snapshot.principals.append(reader.principal(kind, name))
    if selection.everything:
        attached = {a.policy for p in snapshot.principals for a in p.attachments}
        try:
            custom = [
                PolicyRef("Custom", str(p["PolicyName"]))
                for p in _pages(
                    caller, "ListPolicies", {"PolicyType": "Custom"}, "Policies", "Policy", page_size
                )
                if p.get("PolicyName")
            ]
        except CloudError as error:
            snapshot.errors.append(f"ListPolicies: {error}")
            custom = []
        for ref in sorted(set(custom) - attached):
            reader.policy(ref)
            snapshot.unattached.append(ref)
    if progress is not None:
        progress(len(wanted), len(wanted), "")
    return snapshot


_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


def safe_name(name: str) -> str:
    """A file name made only of [A-Za-z0-9._@-]; a name that had to change gets a short hash,
    so two different names never land on one file.

    >>> safe_name("ice-query@v1")
    'ice-query@v1'
    >>> safe_name("../etc/passwd")[:12]
    '_etc_passwd-'
    """
    cleaned = _UNSAFE.sub("_", name)[:100].lstrip(".") or "_"
    if cleaned != name:
        cleaned = f"{cleaned}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return cleaned if cleaned not in (".", "..") else "_"


def _saved_path(document: FetchedDocument) -> tuple[str, ...]:
    if document.kind == "trust":
        return ("role", safe_name(f"{document.name}.trust") + ".json")
    version = f"@{document.version}" if document.version else ""
    return (
        "policy",
        safe_name(document.policy_type or "_"),
        safe_name(f"{document.name}{version}") + ".json",
    )


def save_documents(result: AuditResult, folder: str | Path) -> list[Path]:
    """Write every fetched document (verbatim, so finding line numbers match) and an index,
    principals.json, under `folder`; never anywhere else (a symlink out is refused).

    Raises OSError.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    written = []

    def write(parts: Sequence[str], text: str) -> Path:
        folder = root
        for part in parts[:-1]:
            folder = folder / part
            if folder.is_symlink():
                raise OSError(f"{folder} is a symbolic link; policycheck writes only inside {root}")
            folder.mkdir(exist_ok=True)
        path = folder / parts[-1]
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(os.open(path, flags, 0o644), "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(path)
        return path

    saved: dict[str, str] = {}
    for source, audited in sorted(result.documents.items()):
        path = write(_saved_path(audited.document), audited.document.text)
        saved[source] = path.relative_to(root).as_posix()
    index = {
        "principals": [
            {
                "kind": p.kind,
                "name": p.name,
                "error": p.error,
                "policies": [
                    {
                        "type": a.policy.policy_type,
                        "name": a.policy.name,
                        "via": a.via or None,
                        "file": saved.get(result.snapshot.policy_sources.get(a.policy, "")),
                    }
                    for a in p.attachments
                ],
                "trust": saved.get(p.trust or ""),
            }
            for p in result.snapshot.principals
        ],
        "unattached": [
            saved.get(result.snapshot.policy_sources.get(r, "")) for r in result.snapshot.unattached
        ],
        "documents": saved,
    }
    write(("principals.json",), json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    return written
