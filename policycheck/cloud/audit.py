"""Read what is really attached in an account through RAM 2015-05-01, then lint it.

fetch_account() reads, for each principal asked for, the policies attached to it (and, for
a user, to its groups), each policy's default version, and a role's trust policy, paging
through every list. One principal that cannot be read is reported and the others go on.
What was read is data of policycheck.account, which lints it (audit()) and hands it to
expectations (principal_policies()).

Only RAM reads are called (the catalog marks each get or list; sdk.py refuses anything else).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
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
    account_of_arn,
    policy_source,
    trust_source,
)
from policycheck.cloud.api import Caller, ClientError, CloudError
from policycheck.cloud.auth import describe
from policycheck.cloud.filenames import file_name

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


class _Memo:
    """Each key computed once, by the first thread that asks; the others wait for its answer.

    The first asker computes inline (never queued behind the pool), so waiting cannot deadlock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Any, Future] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if owner:
                future = self._futures[key] = Future()
        if owner:
            try:
                future.set_result(compute())
            except BaseException as error:
                future.set_exception(error)
        return future.result()


@dataclass(frozen=True)
class _ReadPolicy:
    """A policy's default version, or why it could not be read."""

    document: FetchedDocument | None
    error: str | None


@dataclass(frozen=True)
class _ReadPrincipal:
    principal: FetchedPrincipal
    trust: FetchedDocument | None
    policies: tuple[tuple[PolicyRef, _ReadPolicy], ...]


class _Reader:
    """Reads principals and policies, each policy document and group once; safe to call from
    many threads, and touches no Snapshot (the caller records results in a fixed order)."""

    def __init__(self, caller: Caller, page_size: int) -> None:
        self.caller = caller
        self.page_size = page_size
        self._groups = _Memo()
        self._policies = _Memo()
        self.account_ids: set[str] = set()
        """Account ids in the Arns GetRole answered (one, in a consistent account)."""

    def names(self, action: str, key: str, item: str, field_name: str) -> tuple[list[str], str | None]:
        try:
            return sorted(
                str(entry[field_name])
                for entry in _pages(self.caller, action, {}, key, item, self.page_size)
                if entry.get(field_name)
            ), None
        except CloudError as error:
            return [], f"{action}: {describe(error)}"

    def policy(self, ref: PolicyRef) -> _ReadPolicy:
        return self._policies.get(ref, lambda: self._read_policy(ref))

    def _read_policy(self, ref: PolicyRef) -> _ReadPolicy:
        try:
            return _ReadPolicy(self._policy_document(ref), None)
        except CloudError as error:
            return _ReadPolicy(None, describe(error))

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

    def principal(self, kind: str, name: str) -> _ReadPrincipal:
        trust = None
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
            elif kind == "group":
                attachments = [Attachment(ref) for ref in self._group(name)]
            else:
                attachments = [
                    Attachment(ref) for ref in _refs(self.caller, "ListPoliciesForRole", {"RoleName": name})
                ]
                trust = self._trust(name)
        except CloudError as error:
            return _ReadPrincipal(FetchedPrincipal(kind, name, error=describe(error)), None, ())
        policies = tuple((a.policy, self.policy(a.policy)) for a in attachments)
        return _ReadPrincipal(
            FetchedPrincipal(kind, name, tuple(attachments), trust.source if trust else None), trust, policies
        )

    def _group(self, group: str) -> list[PolicyRef]:
        """A group's policies, listed once however many users are in it (a failure too)."""
        return self._groups.get(
            group, lambda: _refs(self.caller, "ListPoliciesForGroup", {"GroupName": group})
        )

    def _trust(self, role: str) -> FetchedDocument | None:
        body = self.caller.call("ram", "GetRole", {"RoleName": role}).body
        found = account_of_arn((body.get("Role") or {}).get("Arn"))
        if found is not None:
            self.account_ids.add(found)
        text = (body.get("Role") or {}).get("AssumeRolePolicyDocument")
        if not isinstance(text, str):
            return None
        return FetchedDocument(trust_source(role), text, "trust", role)


def _record_policy(snapshot: Snapshot, ref: PolicyRef, read: _ReadPolicy) -> None:
    if ref in snapshot.policy_sources or ref in snapshot.policy_errors:
        return
    if read.document is None:
        snapshot.policy_errors[ref] = read.error or "not read"
        return
    snapshot.policy_sources[ref] = read.document.source
    snapshot.documents[read.document.source] = read.document


Progress = Callable[[int, int, str], None]
"""progress(done, total, what): called as principals are read (`what` is the last one read)."""

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 32
"""Calls in flight at once. RAM throttles per account; beyond a few dozen, more workers only
earn more Throttling answers."""


def fetch_account(
    caller: Caller,
    selection: Selection,
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Snapshot:
    """Read the selected principals and their policies; failures are recorded, never raised.

    Up to `concurrency` calls run at once (`caller` must be thread-safe, as SdkCaller is);
    results are recorded in the order a one-at-a-time read would record them, so the
    snapshot, and every report made from it, is the same whatever the concurrency.
    """
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}")
    snapshot = Snapshot()
    reader = _Reader(caller, page_size)
    wanted: list[tuple[str, str]] = [
        *(("user", n) for n in selection.users),
        *(("group", n) for n in selection.groups),
        *(("role", n) for n in selection.roles),
    ]
    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="policycheck-audit")
    try:
        if selection.everything:
            lists = [
                ("user", pool.submit(reader.names, "ListUsers", "Users", "User", "UserName")),
                ("group", pool.submit(reader.names, "ListGroups", "Groups", "Group", "GroupName")),
                ("role", pool.submit(reader.names, "ListRoles", "Roles", "Role", "RoleName")),
            ]
            for kind, listed in lists:
                names, error = listed.result()
                wanted += [(kind, n) for n in names]
                if error:
                    snapshot.errors.append(error)
        wanted = list(dict.fromkeys(wanted))
        if progress is not None:
            progress(0, len(wanted), "")
        reads = [pool.submit(reader.principal, kind, name) for kind, name in wanted]
        for done, finished in enumerate(as_completed(reads), 1):
            if progress is not None:
                principal = finished.result().principal
                progress(done, len(wanted), f"{principal.kind} {principal.name}")
        for future in reads:
            read = future.result()
            snapshot.principals.append(read.principal)
            if read.trust is not None:
                snapshot.documents[read.trust.source] = read.trust
            for ref, policy in read.policies:
                _record_policy(snapshot, ref, policy)
        if len(reader.account_ids) == 1:
            (snapshot.account_id,) = reader.account_ids
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
                snapshot.errors.append(f"ListPolicies: {describe(error)}")
                custom = []
            unattached = sorted(set(custom) - attached)
            for ref, read_policy in zip(unattached, pool.map(reader.policy, unattached), strict=True):
                _record_policy(snapshot, ref, read_policy)
                snapshot.unattached.append(ref)
    finally:
        # Ctrl-C: drop the reads not started yet instead of finishing thousands of them
        pool.shutdown(wait=True, cancel_futures=True)
    if progress is not None:
        progress(len(wanted), len(wanted), "")
    return snapshot


def _saved_path(document: FetchedDocument) -> tuple[str, ...]:
    """Where `save_documents` writes a document: distinct for distinct names (filenames.py)."""
    if document.kind == "trust":
        return ("role", f"{file_name(document.name)}.trust.json")
    version = f"@{file_name(document.version)}" if document.version else ""
    return ("policy", _type_folder(document.policy_type), f"{file_name(document.name)}{version}.json")


def _type_folder(policy_type: str | None) -> str:
    """RAM's two policy types as they are spelled; any other type a server invents gets `~`
    and its encoded name (file_name never starts with `~`), so it cannot merge with them."""
    if policy_type in ("System", "Custom"):
        return policy_type
    return f"~{file_name(policy_type or '')}"


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
