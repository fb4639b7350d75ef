"""Read every System policy's default version through RAM, for a team's System policy library.

`policycheck catalog refresh-system-policies` lists the System policies (ListPolicies with
PolicyType=System, following every page) and reads each one's default version
(GetPolicyVersion): two read-only RAM 2015-05-01 operations. What the server sends is checked
against the library's schema before it is kept, so a hostile or broken answer becomes a
per-policy error, never a file.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from policycheck.catalog.system import SCHEMA, SystemPolicy, entry
from policycheck.cloud.api import Caller, ClientError, CloudError
from policycheck.cloud.audit import PAGE_SIZE
from policycheck.cloud.audit import _pages as ram_pages

Progress = Callable[[int, int, str], None]
"""progress(done, total, what): called before each policy is read."""


@dataclass
class Refresh:
    """What a refresh read: the policies, and why others could not be."""

    policies: list[SystemPolicy] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    listed: int = 0


def _checked(value: dict, source: str) -> SystemPolicy:
    """The library entry for one answer, or ClientError when it breaks the library's schema."""
    from policycheck.load import load_bytes
    from policycheck.schema import validate

    document = load_bytes(json.dumps(value, ensure_ascii=False).encode("utf-8"), source)
    problems = list(document.findings) if not document.parsed else validate(document, SCHEMA)
    if problems:
        raise ClientError("InvalidResponse", problems[0].message)
    return entry(document.value, origin=source)


def fetch_system_policies(
    caller: Caller,
    read_date: str,
    names: tuple[str, ...] = (),
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
) -> Refresh:
    """Every System policy (or those matching the `names` globs) at its default version.

    Raises CloudError when the list itself cannot be read; a policy that cannot be read or
    does not follow the grammar is recorded in `errors` and the others go on.
    """
    refresh = Refresh()
    pages = ram_pages(caller, "ListPolicies", {"PolicyType": "System"}, "Policies", "Policy", page_size)
    listed = [
        item
        for item in pages
        if isinstance(item.get("PolicyName"), str)
        and (not names or any(fnmatch.fnmatchcase(item["PolicyName"], n) for n in names))
    ]
    listed.sort(key=lambda item: item["PolicyName"])
    refresh.listed = len(listed)
    host = caller.endpoint("ram").hostname
    for done, item in enumerate(listed):
        name = item["PolicyName"]
        if progress is not None:
            progress(done, len(listed), name)
        version = str(item.get("DefaultVersion") or "")
        try:
            if not version:
                raise ClientError("InvalidResponse", "ListPolicies names no default version")
            body = caller.call(
                "ram", "GetPolicyVersion", {"PolicyType": "System", "PolicyName": name, "VersionId": version}
            ).body
            text = (body.get("PolicyVersion") or {}).get("PolicyDocument")
            if not isinstance(text, str):
                raise ClientError("InvalidResponse", f"GetPolicyVersion {version} has no document")
            try:
                document = json.loads(text)
            except ValueError:
                raise ClientError("InvalidResponse", f"the document of {version} is not JSON") from None
            value = {
                "name": name,
                "type": "System",
                "version": version,
                "updated": str(item.get("UpdateDate") or ""),
                "source": f"ram:GetPolicyVersion@{host}",
                "read": read_date,
                "document": document,
            }
            if not value["updated"]:
                del value["updated"]
            refresh.policies.append(_checked(value, f"ram://policy/System/{name}@{version}"))
        except CloudError as error:
            refresh.errors.append(f"{name}: {error}")
    if progress is not None:
        progress(len(listed), len(listed), "")
    return refresh
