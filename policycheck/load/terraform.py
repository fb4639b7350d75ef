"""Terraform plan JSON -> the RAM policies, roles, attachments and memberships it will leave behind.

Reads what `terraform show -json PLANFILE` prints (format_version 0.x and 1.x; Terraform's
"JSON Output Format" page: "Reject any input which reports an unsupported major version").
The resources come from `resource_changes`, which lists every resource instance of the
configuration with its planned `after` value and, in `after_unknown`, which parts are known
only after apply. `planned_values` is not read: it drops unknown values without a trace
("indistinguishable from absent values"), and unknowns must be reported, never guessed.

What counts is the state after apply: a resource whose `after` is null (`delete`, or `forget`
from a `removed` block) is left out and listed in `TerraformPlan.removed`; a replaced one
(`delete`+`create`) counts with its new value; deposed objects are ignored.

Attribute names follow the alicloud provider (aliyun/terraform-provider-alicloud,
website/docs/r/ram_*.html.markdown and alicloud/resource_alicloud_ram_*.go, read at v1.267):

- alicloud_ram_policy: `policy_name`/`policy_document` (since v1.114.0); deprecated `name`/
  `document` (v1.49.0 to v1.114.0); before that `statement` blocks and `version`, which the
  provider turns into a document itself (AssemblePolicyDocument), and so does this module.
- alicloud_ram_role: `role_name`/`assume_role_policy_document` (since v1.252.0); deprecated
  `name`/`document`; before v1.49.0 `ram_users` and `services`, assembled like the provider
  (AssembleRolePolicyDocument: one Allow of sts:AssumeRole to those principals).
- alicloud_ram_{user,role,group}_policy_attachment: `user_name`/`role_name`/`group_name`,
  `policy_name`, `policy_type` (System or Custom); unchanged since each resource appeared.
- alicloud_ram_user: `name` (the only name it ever had); alicloud_ram_group: `group_name`
  (since v1.245.0) or deprecated `name`.
- alicloud_ram_group_membership (`group_name`, `user_names`; deprecated since v1.267.0) and
  alicloud_ram_user_group_attachment (`group_name`, `user_name`; since v1.245.0).

Every spelling pair is Optional+Computed in the provider, so a plan usually holds both: the one
the configuration sets, and a mirror that is unknown (on create) or a stale copy from the
state (on update). `_Resource.choose` picks the one the configuration sets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from policycheck.findings import Finding, default_severity
from policycheck.load import load_bytes, load_file
from policycheck.load.document import Document

MAX_PLAN_BYTES = 64 << 20
"""64 MiB: plans of large configurations run to tens of megabytes; the file is read whole."""

SUPPORTED_FORMAT_MAJORS = ("0", "1")
"""0.x (Terraform 0.12 to 1.0) and 1.x (1.1 on) name the fields read here the same way."""

PRINCIPAL_TYPES = ("user", "role", "group")

Spelling = tuple[str, ...]
"""Attributes that together carry one value; several spellings of a value, current first."""

POLICY_NAME: tuple[Spelling, ...] = (("policy_name",), ("name",))
POLICY_DOCUMENT: tuple[Spelling, ...] = (("policy_document",), ("document",), ("statement",))
ROLE_NAME: tuple[Spelling, ...] = (("role_name",), ("name",))
ROLE_TRUST: tuple[Spelling, ...] = (
    ("assume_role_policy_document",),
    ("document",),
    ("ram_users", "services"),
)
USER_NAME: tuple[Spelling, ...] = (("name",),)
GROUP_NAME: tuple[Spelling, ...] = (("group_name",), ("name",))

ATTACHMENTS = {
    "alicloud_ram_user_policy_attachment": ("user", "user_name"),
    "alicloud_ram_role_policy_attachment": ("role", "role_name"),
    "alicloud_ram_group_policy_attachment": ("group", "group_name"),
}
"""Attachment resource type -> (principal type, attribute naming the principal)."""

_MODULE_STEP = re.compile(r'module\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?')


@dataclass(frozen=True)
class PlanPolicy:
    """A custom policy the plan leaves behind; `document` is None when `unknown` says why.

    `attribute` names where the document came from (policy_document, document or statement).
    """

    address: str
    name: str | None
    document: Document | None
    unknown: str | None
    attribute: str | None = None


@dataclass(frozen=True)
class PlanRole:
    """A RAM role and its trust policy; `attribute` as for PlanPolicy."""

    address: str
    name: str | None
    trust: Document | None
    unknown: str | None
    attribute: str | None = None


@dataclass(frozen=True)
class PlanAttachment:
    """A policy attached to a user, role or group.

    `via_group` is set only in answers of `TerraformPlan.attached` for a user: the group
    through which the user gets this attachment.
    """

    address: str
    principal_type: str
    principal: str | None
    policy_name: str | None
    policy_type: str | None
    unknown: str | None
    via_group: str | None = None


@dataclass(frozen=True)
class PlanMembership:
    """Users in a group; `users` holds the known names, `unknown` says if some are not known."""

    address: str
    group: str | None
    users: tuple[str, ...]
    unknown: str | None


@dataclass(frozen=True)
class TerraformPlan:
    """The RAM side of a plan's future state, each part sorted by address.

    `removed` lists RAM resources the plan deletes (or forgets); `findings` are those of the
    plan file and its resources, while each document keeps its own findings.
    """

    source: str
    policies: tuple[PlanPolicy, ...] = ()
    roles: tuple[PlanRole, ...] = ()
    attachments: tuple[PlanAttachment, ...] = ()
    memberships: tuple[PlanMembership, ...] = ()
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    removed: tuple[str, ...] = ()

    def policy(self, name: str) -> PlanPolicy | None:
        """The custom policy of that name (the first by address if, wrongly, there are two)."""
        return next((p for p in self.policies if p.name == name), None)

    def role(self, name: str) -> PlanRole | None:
        return next((r for r in self.roles if r.name == name), None)

    def groups_of(self, user: str) -> tuple[str, ...]:
        """Groups the plan puts the user in (memberships whose group name is known)."""
        return tuple(sorted({m.group for m in self.memberships if m.group is not None and user in m.users}))

    def attached(self, principal_type: str, name: str) -> tuple[PlanAttachment, ...]:
        """Attachments that give the principal permissions.

        For a user: its own, then those of each group it is a member of (`via_group` set),
        as RAM evaluates a user's policies together with its groups' policies.
        """
        if principal_type not in PRINCIPAL_TYPES:
            raise ValueError(f"principal_type must be one of {PRINCIPAL_TYPES}, not {principal_type!r}")
        found = [a for a in self.attachments if a.principal_type == principal_type and a.principal == name]
        if principal_type == "user":
            for group in self.groups_of(name):
                found += [
                    replace(a, via_group=group)
                    for a in self.attachments
                    if a.principal_type == "group" and a.principal == group
                ]
        return tuple(sorted(found, key=lambda a: (a.via_group or "", a.address)))


def load_plan(path: str, source: str | None = None, max_bytes: int = MAX_PLAN_BYTES) -> TerraformPlan:
    """Read a plan file ("-" is standard input); bad input gives findings, never an exception."""
    return read_plan(load_file(path, max_bytes=max_bytes, source=source))


def read_plan(document: Document) -> TerraformPlan:
    """The RAM resources of a loaded plan JSON.

    Findings about the plan sit at line 1 of the file: `terraform show -json` prints one line,
    and locating a path would scan the whole plan. Findings about a resource name it in their
    file (`plan.json:alicloud_ram_policy.worker`) and the attribute in their path.
    """
    findings = list(document.findings)
    if not document.parsed:
        return TerraformPlan(source=document.source, findings=tuple(findings))
    value = document.value
    problem = _not_a_plan(value)
    if problem:
        findings.append(document.finding_at("TERRAFORM_PLAN", problem, 1, 1))
        return TerraformPlan(source=document.source, findings=tuple(findings))
    if value.get("errored") is True:
        findings.append(
            document.finding_at(
                "TERRAFORM_PLAN",
                "the plan reports errored: true: Terraform could not finish planning, so the "
                "plan may lack resources; fix the errors terraform plan printed",
                1,
                1,
                ("errored",),
            )
        )
    builder = _Builder(document.source, _configurations(value.get("configuration")), findings)
    for index, change in enumerate(value.get("resource_changes") or ()):
        builder.add(index, change)
    return builder.plan()


def _not_a_plan(value: Any) -> str | None:
    """Why the value is not a plan JSON policycheck reads, or None."""
    hint = "write one with: terraform show -json PLANFILE > plan.json"
    if not isinstance(value, dict):
        return f"not a Terraform plan: the JSON is {_kind(value)}, and a plan is an object; {hint}"
    version = value.get("format_version")
    if version is None:
        if "Statement" in value or "Version" in value:
            return f"not a Terraform plan but a policy document (no format_version); {hint}"
        return f"not a Terraform plan: there is no format_version; {hint}"
    if not isinstance(version, str) or version.split(".")[0] not in SUPPORTED_FORMAT_MAJORS:
        return (
            f"format_version {json.dumps(version)} is not supported: policycheck reads plan "
            f"JSON of format 0.x and 1.x (Terraform 0.12 and later)"
        )
    if "values" in value and "planned_values" not in value and "resource_changes" not in value:
        return f"a Terraform state, not a plan: checks before deploy need the plan; {hint}"
    changes = value.get("resource_changes")
    if changes is not None and not isinstance(changes, list):
        return f"resource_changes is {_kind(changes)}, not a list: the plan is damaged; {hint}"
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _configurations(configuration: Any) -> dict[tuple[tuple[str, ...], str], dict[str, Any]]:
    """(module path, "type.name") -> the resource block's expressions, from `configuration`.

    Addresses there are relative to their module; module calls nest under `module_calls`.
    """
    found: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
    pending: list[tuple[tuple[str, ...], Any]] = [((), _dict(configuration).get("root_module"))]
    while pending:
        path, module = pending.pop()
        module = _dict(module)
        for resource in _list(module.get("resources")):
            resource = _dict(resource)
            if resource.get("mode") == "managed" and isinstance(resource.get("address"), str):
                found[(path, resource["address"])] = _dict(resource.get("expressions"))
        for name, call in _dict(module.get("module_calls")).items():
            pending.append(((*path, name), _dict(call).get("module")))
    return found


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _present(value: Any) -> bool:
    """Set, as the provider's d.GetOk sees it: null, "" and empty lists count as not set."""
    return value is not None and value != "" and value != [] and value != {}


def _has_unknown(marks: Any) -> bool:
    """after_unknown marks unknown leaves true (known leaves inside collections false)."""
    if marks is True:
        return True
    if isinstance(marks, list):
        return any(_has_unknown(m) for m in marks)
    if isinstance(marks, dict):
        return any(_has_unknown(m) for m in marks.values())
    return False


@dataclass(frozen=True)
class _Resource:
    """One resource instance's planned change, with its configuration when the plan has it."""

    address: str
    type: str
    after: dict[str, Any]
    before: dict[str, Any]
    after_unknown: Any
    expressions: dict[str, Any] | None

    def unknown(self, attribute: str) -> bool:
        if self.after_unknown is True:
            return True
        return _has_unknown(_dict(self.after_unknown).get(attribute))

    def choose(self, spellings: tuple[Spelling, ...]) -> tuple[Spelling | None, tuple[str, ...]]:
        """The spelling that carries a known value, or the attributes known only after apply.

        (None, ()) means the value is not set at all.

        The provider uses the first spelling that is set; a plan shows each mirror spelling
        as unknown (create) or as the old value (update), so:
        1. with the configuration at hand, the spelling it sets is the one;
        2. without it (older plans, dynamic blocks), the spellings whose value changes,
           since a mirror keeps its old value; if none changes, any (they agree).
        Among these, the first set and known one wins; an unknown one means "after apply".
        """
        candidates = list(spellings)
        configured = set(self.expressions or ())
        used = [s for s in spellings if configured.intersection(s)]
        if used:
            candidates = used[:1]
        else:
            changed = [s for s in spellings if any(self._changed(a) for a in s)]
            candidates = changed or candidates
        unknown: tuple[str, ...] = ()
        for spelling in candidates:
            attributes = [a for a in spelling if a in configured] or list(spelling)
            unknown_here = tuple(a for a in attributes if self.unknown(a))
            if unknown_here:
                unknown = unknown or unknown_here
            elif any(_present(self.after.get(a)) for a in attributes):
                return spelling, ()
        return None, unknown

    def _changed(self, attribute: str) -> bool:
        return self.unknown(attribute) or self.after.get(attribute) != self.before.get(attribute)

    def why(self, attribute: str) -> str:
        """Why an attribute is missing, naming what it depends on when the configuration says."""
        references = _dict(_dict(self.expressions).get(attribute)).get("references")
        names = [r for r in _list(references) if isinstance(r, str)]
        specific = sorted(r for r in names if not any(o.startswith((r + ".", r + "[")) for o in names))
        if specific:
            return f"{attribute} is known only after apply (it depends on {', '.join(specific)})"
        return f"{attribute} is known only after apply"


class _Builder:
    """Collects the RAM resources of one plan, and the findings about them."""

    def __init__(self, source: str, configurations: dict, findings: list[Finding]) -> None:
        self.source = source
        self.configurations = configurations
        self.findings = findings
        self.policies: list[PlanPolicy] = []
        self.roles: list[PlanRole] = []
        self.attachments: list[PlanAttachment] = []
        self.memberships: list[PlanMembership] = []
        self.users: set[str] = set()
        self.groups: set[str] = set()
        self.removed: list[str] = []
        self.readers: dict[str, Callable[[_Resource], None]] = {
            "alicloud_ram_policy": self._policy,
            "alicloud_ram_role": self._role,
            "alicloud_ram_user": self._user,
            "alicloud_ram_group": self._group,
            "alicloud_ram_group_membership": self._group_membership,
            "alicloud_ram_user_group_attachment": self._user_group_attachment,
            **dict.fromkeys(ATTACHMENTS, self._attachment),
        }

    def add(self, index: int, change: Any) -> None:
        change = _dict(change)
        kind = change.get("type")
        if change.get("mode", "managed") != "managed" or kind not in self.readers or "deposed" in change:
            return
        address = change.get("address")
        body = change.get("change")
        if not isinstance(address, str) or not isinstance(body, dict):
            self._plan_finding(f"resource_changes[{index}] has no address or no change: the plan is damaged")
            return
        after = body.get("after")
        if after is None:
            self.removed.append(address)
            return
        if not isinstance(after, dict):
            self._finding(address, "TERRAFORM_PLAN", f"its planned value is {_kind(after)}, not an object")
            return
        expressions = self.configurations.get((self._module_path(change), f"{kind}.{change.get('name')}"))
        resource = _Resource(
            address, kind, after, _dict(body.get("before")), body.get("after_unknown"), expressions
        )
        self.readers[kind](resource)

    def plan(self) -> TerraformPlan:
        self._duplicate_names()

        def by_address(items: list) -> tuple:
            return tuple(sorted(items, key=lambda item: item.address))

        return TerraformPlan(
            source=self.source,
            policies=by_address(self.policies),
            roles=by_address(self.roles),
            attachments=by_address(self.attachments),
            memberships=by_address(self.memberships),
            users=tuple(sorted(self.users)),
            groups=tuple(sorted(self.groups)),
            findings=tuple(sorted(self.findings, key=Finding.sort_key)),
            removed=tuple(sorted(self.removed)),
        )

    @staticmethod
    def _module_path(change: dict[str, Any]) -> tuple[str, ...]:
        """module.a["x"].module.b -> ("a", "b"): configuration has one block per module call."""
        module = change.get("module_address")
        return tuple(_MODULE_STEP.findall(module)) if isinstance(module, str) else ()

    # --- one reader per resource type -------------------------------------------------

    def _policy(self, resource: _Resource) -> None:
        name, name_unknown = self._text(resource, POLICY_NAME, required=True)
        spelling, unknown = resource.choose(POLICY_DOCUMENT)
        document = None
        if spelling == ("statement",):
            document = self._document(resource, _assemble_policy(resource.after))
        elif spelling:
            document = self._embedded(resource, spelling[0])
        elif not unknown:
            self._finding(
                resource.address,
                "TERRAFORM_PLAN",
                "sets none of policy_document, document and statement blocks; the provider "
                "refuses to create a policy without a document",
            )
        reason = self._unknown(resource, name_unknown + unknown)
        attribute = "/".join(spelling) if document and spelling else None
        self.policies.append(PlanPolicy(resource.address, name, document, reason, attribute))

    def _role(self, resource: _Resource) -> None:
        name, name_unknown = self._text(resource, ROLE_NAME, required=True)
        spelling, unknown = resource.choose(ROLE_TRUST)
        trust = None
        if spelling == ("ram_users", "services"):
            trust = self._document(resource, _assemble_trust(resource.after))
        elif spelling:
            trust = self._embedded(resource, spelling[0])
        elif not unknown:
            self._finding(
                resource.address,
                "TERRAFORM_PLAN",
                "sets none of assume_role_policy_document, document, ram_users and services; "
                "the provider refuses to create a role without a trust policy",
            )
        reason = self._unknown(resource, name_unknown + unknown)
        attribute = "/".join(spelling) if trust and spelling else None
        self.roles.append(PlanRole(resource.address, name, trust, reason, attribute))

    def _attachment(self, resource: _Resource) -> None:
        principal_type, principal_attribute = ATTACHMENTS[resource.type]
        principal, principal_unknown = self._text(resource, ((principal_attribute,),), required=True)
        policy, policy_unknown = self._text(resource, (("policy_name",),), required=True)
        policy_type, type_unknown = self._text(resource, (("policy_type",),), required=True)
        reason = self._unknown(resource, principal_unknown + policy_unknown + type_unknown)
        self.attachments.append(
            PlanAttachment(resource.address, principal_type, principal, policy, policy_type, reason)
        )

    def _user(self, resource: _Resource) -> None:
        name, unknown = self._text(resource, USER_NAME, required=True)
        self._unknown(resource, unknown)
        if name is not None:
            self.users.add(name)

    def _group(self, resource: _Resource) -> None:
        name, unknown = self._text(resource, GROUP_NAME, required=True)
        self._unknown(resource, unknown)
        if name is not None:
            self.groups.add(name)

    def _group_membership(self, resource: _Resource) -> None:
        group, group_unknown = self._text(resource, (("group_name",),), required=True)
        users = resource.after.get("user_names")
        names = tuple(sorted(u for u in users if isinstance(u, str))) if isinstance(users, list) else ()
        users_unknown = ("user_names",) if resource.unknown("user_names") else ()
        if users is not None and not isinstance(users, list):
            self._finding(resource.address, "TERRAFORM_PLAN", "user_names is not a list", "user_names")
        reason = self._unknown(resource, group_unknown + users_unknown)
        self.memberships.append(PlanMembership(resource.address, group, names, reason))

    def _user_group_attachment(self, resource: _Resource) -> None:
        group, group_unknown = self._text(resource, (("group_name",),), required=True)
        user, user_unknown = self._text(resource, (("user_name",),), required=True)
        reason = self._unknown(resource, group_unknown + user_unknown)
        users = (user,) if user is not None else ()
        self.memberships.append(PlanMembership(resource.address, group, users, reason))

    # --- helpers ---------------------------------------------------------------------

    def _text(
        self, resource: _Resource, spellings: tuple[Spelling, ...], required: bool = False
    ) -> tuple[str | None, tuple[str, ...]]:
        """A string attribute: (value, ()), (None, unknown attributes), or (None, ()) if unset."""
        spelling, unknown = resource.choose(spellings)
        if spelling is None:
            if required and not unknown:
                names = " or ".join(s[0] for s in spellings)
                self._finding(resource.address, "TERRAFORM_PLAN", f"{names} is not set", spellings[0][0])
            return None, unknown
        value = resource.after[spelling[0]]
        if not isinstance(value, str):
            self._finding(
                resource.address,
                "TERRAFORM_PLAN",
                f"{spelling[0]} is {_kind(value)}, not a string",
                spelling[0],
            )
            return None, ()
        return value, ()

    def _embedded(self, resource: _Resource, attribute: str) -> Document | None:
        text = resource.after[attribute]
        if not isinstance(text, str):
            self._finding(
                resource.address,
                "TERRAFORM_PLAN",
                f"{attribute} is {_kind(text)}; the provider takes a policy document as a JSON string",
                attribute,
            )
            return None
        return self._document(resource, text)

    def _document(self, resource: _Resource, text: str) -> Document:
        """The document as the loader reads files, so lint and evaluation need nothing new.

        Positions are lines and columns in `text`: the attribute's string, or for documents
        assembled from blocks, their rendering by `_render`.
        """
        return load_bytes(text.encode("utf-8"), f"{self.source}:{resource.address}")

    def _unknown(self, resource: _Resource, attributes: tuple[str, ...]) -> str | None:
        """Why the attributes are not known, reported once per resource; None if they are."""
        if not attributes:
            return None
        reason = "; ".join(resource.why(a) for a in attributes)
        self._finding(resource.address, "TERRAFORM_UNKNOWN", reason, attributes[0])
        return reason

    def _finding(self, address: str, code: str, message: str, path: str = "") -> None:
        self.findings.append(
            Finding(code, default_severity(code), message, f"{self.source}:{address}", 1, 1, path)
        )

    def _plan_finding(self, message: str) -> None:
        self.findings.append(
            Finding("TERRAFORM_PLAN", default_severity("TERRAFORM_PLAN"), message, self.source, 1, 1, "")
        )

    def _duplicate_names(self) -> None:
        """Two resources creating one policy or role name: RAM names are unique per account."""
        for kind, items in (("policy", self.policies), ("role", self.roles)):
            seen: dict[str, str] = {}
            for item in sorted(items, key=lambda i: i.address):
                if item.name is None:
                    continue
                if item.name in seen:
                    self._finding(
                        item.address,
                        "TERRAFORM_PLAN",
                        f"{seen[item.name]} creates a {kind} named {item.name} too; RAM {kind} names are "
                        "unique in an account, so one of the creations fails",
                    )
                else:
                    seen[item.name] = item.address


def _assemble_policy(after: dict[str, Any]) -> str:
    """A policy document from `statement` blocks, as the provider builds it for CreatePolicy."""
    statements = [
        {"Effect": s.get("effect"), "Action": s.get("action"), "Resource": s.get("resource")}
        if isinstance(s, dict)
        else s
        for s in _list(after.get("statement"))
    ]
    return _render({"Version": after.get("version") or "1", "Statement": statements})


def _assemble_trust(after: dict[str, Any]) -> str:
    """A trust policy from `ram_users`/`services`: one Allow of sts:AssumeRole to them."""
    principal = {
        key: after[a] for key, a in (("RAM", "ram_users"), ("Service", "services")) if _present(after.get(a))
    }
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    return _render({"Version": after.get("version") or "1", "Statement": [statement]})


def _render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
