""".tf files -> the RAM policies, roles and attachments they declare, positioned in the .tf text.

Terraform configuration is read before any plan exists: each folder of .tf files is one
module (locals, variables and data sources are shared by its files). Values are evaluated by
hcl.py as far as they are known before apply; the rest is a NOT_KNOWN_BEFORE_APPLY finding at
the expression, never a guess. The result is a TerraformPlan (the type plan JSON gives), so
`check` treats principals of either source alike, plus the documents to lint with their kind.

Resource and attribute names follow the alicloud provider (see terraform.py for plan JSON):
alicloud_ram_policy (`policy_name`/`name`, `policy_document`/`document`), alicloud_ram_role
(`role_name`/`name`, `assume_role_policy_document`/`document`),
alicloud_resource_manager_control_policy (`control_policy_name`, `policy_document`), the
attachments, users, groups and memberships, and `data "alicloud_ram_policy_document"`,
rendered like the provider's AssembleDataSourcePolicyDocument (data_source_alicloud_ram_
policy_document.go): effect defaults to Allow and version to "1"; one action, resource or
condition value is written as a string, several as a list; principal identifiers stay a list,
sorted in reverse order and merged per entity; conditions merge per operator.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from policycheck.findings import Finding, default_severity
from policycheck.load import load_bytes, load_file
from policycheck.load.document import Document, Positions, nesting
from policycheck.load.files import display_path
from policycheck.load.hcl import (
    MAX_HCL_BYTES,
    Block,
    Evaluator,
    HclFile,
    HclSyntaxError,
    Known,
    Unknown,
    Value,
    parse,
)
from policycheck.load.json_source import load_json
from policycheck.load.terraform import (
    ATTACHMENTS,
    PlanAttachment,
    PlanMembership,
    PlanPolicy,
    PlanRole,
    TerraformPlan,
)
from policycheck.load.waivers import CommentWaiver, hcl_waivers
from policycheck.model import PolicyKind

DOCUMENTS: dict[str, tuple[PolicyKind, tuple[str, ...], tuple[str, ...]]] = {
    "alicloud_ram_policy": ("identity", ("policy_name", "name"), ("policy_document", "document")),
    "alicloud_ram_role": ("trust", ("role_name", "name"), ("assume_role_policy_document", "document")),
    "alicloud_resource_manager_control_policy": ("control", ("control_policy_name",), ("policy_document",)),
}
"""Resource type -> (kind of its document, name spellings, document spellings; current first)."""

NAMES: dict[str, tuple[str, ...]] = {
    **{kind: names for kind, (_, names, _) in DOCUMENTS.items()},
    "alicloud_ram_user": ("name",),
    "alicloud_ram_group": ("group_name", "name"),
}
"""The spellings of a resource's RAM name: `alicloud_ram_role.r.name` is `role_name` when set."""

POLICY_DOCUMENT_DATA = "alicloud_ram_policy_document"


@dataclass(frozen=True)
class ConfigDocument:
    """A policy document written in a .tf file, to lint as `kind`; `address` names its block and
    `name` is the RAM name the resource gives it (policy_name, control_policy_name...) when known."""

    address: str
    kind: PolicyKind
    document: Document
    name: str | None = None


@dataclass(frozen=True)
class TerraformModule:
    """One folder of .tf files: what it declares (as a plan would) and the documents in it."""

    folder: str
    files: tuple[str, ...]
    plan: TerraformPlan
    documents: tuple[ConfigDocument, ...] = ()
    waivers: tuple[CommentWaiver, ...] = ()
    """`policycheck:ignore` comments of the files given (not of sibling files read for references)."""


def repository_of(path: str) -> str:
    """The nearest folder above `path` holding .git (file() never reads outside it), else its own."""
    folder = os.path.dirname(os.path.abspath(path))
    current = folder
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return folder
        current = parent


def load_modules(paths: list[str], display: dict[str, str] | None = None) -> list[TerraformModule]:
    """Group .tf files by folder and read each folder as one module, in folder order.

    The other .tf files of a folder are read for their locals, variables and data sources (a
    module is the whole folder, and pre-commit names only the files that changed), but only
    the resources and data sources of the files given are reported.
    """
    folders: dict[str, list[str]] = {}
    for path in paths:
        folders.setdefault(os.path.dirname(os.path.abspath(path)), []).append(path)
    return [_Module(sorted(files), display or {}).read() for _, files in sorted(folders.items())]


def _siblings(folder: str, given: list[str]) -> list[str]:
    """The folder's other .tf files (sorted), for scope only."""
    named = {os.path.abspath(path) for path in given}
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return []
    return [
        entry.path
        for entry in entries
        if entry.name.endswith(".tf") and entry.is_file() and os.path.abspath(entry.path) not in named
    ]


class _Module:
    """The blocks of one folder's .tf files and a scope to evaluate their expressions in."""

    def __init__(self, paths: list[str], display: dict[str, str]) -> None:
        self.paths = paths
        self.folder = os.path.dirname(os.path.abspath(paths[0]))
        self.findings: list[Finding] = []
        self.files: list[HclFile] = []
        for path in paths:
            hcl = self._parse(path, display.get(path, path))
            if hcl is not None:
                self.files.append(hcl)
        self.reported = {hcl.path for hcl in self.files}
        for path in _siblings(self.folder, paths):
            hcl = self._parse(path, display_path(path), report=False)
            if hcl is not None:
                self.files.append(hcl)
        self.blocks = [block for hcl in self.files for block in hcl.blocks]
        self.locals = {name: (b, name) for b in self.blocks if b.type == "locals" for name in b.attributes}
        self.variables = {b.labels[0]: b for b in self.blocks if b.type == "variable" and b.labels}
        self.resources = {b.labels[:2]: b for b in self.blocks if b.type == "resource" and len(b.labels) >= 2}
        self.data = {
            b.labels[1]: b
            for b in self.blocks
            if b.type == "data" and len(b.labels) >= 2 and b.labels[0] == POLICY_DOCUMENT_DATA
        }
        self.evaluator = Evaluator(self.resolve, self.folder, repository_of(paths[0]))
        self._cache: dict[tuple[str, ...], Value] = {}
        self._pending: set[tuple[str, ...]] = set()
        self.rendered: set[str] = set()

    def _parse(self, path: str, shown: str, report: bool = True) -> HclFile | None:
        """One file's blocks; its problems are findings when it is one of the files given."""
        loaded = load_file(path, max_bytes=MAX_HCL_BYTES, source=shown, text_only=True)
        if loaded.findings:  # unreadable, not UTF-8, too large
            if report:
                self.findings.extend(loaded.findings)
            return None
        text = loaded.text
        try:
            return parse(text, shown)
        except HclSyntaxError as error:
            if not report:
                return None
            document = Document(source=shown, text=text)
            line, column = document.line_column(error.offset)
            self.findings.append(
                document.finding_at(
                    "TERRAFORM_CONFIG", f"{error.message}; the file is not read", line, column
                )
            )
            return None

    # -- references --------------------------------------------------------------------

    def resolve(self, parts: tuple[str, ...], file: HclFile, offset: int, depth: int) -> Value:
        """local.x, var.x, path.module, data.alicloud_ram_policy_document.x.document, type.name.attr."""
        head = parts[0]
        if head == "path" and len(parts) == 2 and parts[1] in ("module", "root", "cwd"):
            return Known(self.folder, file, offset)
        if head == "local" and len(parts) >= 2 and parts[1] in self.locals:
            block, name = self.locals[parts[1]]
            return self._attribute_of(("local", parts[1]), block, name, parts[2:], file, offset, depth)
        if head == "var" and len(parts) >= 2 and parts[1] in self.variables:
            block = self.variables[parts[1]]
            if "default" not in block.attributes:
                return Unknown(
                    f"var.{parts[1]} has no default: it is set only when Terraform runs", file, offset
                )
            value = self._attribute_of(("var", parts[1]), block, "default", parts[2:], file, offset, depth)
            return value
        if head == "data" and len(parts) == 4 and parts[1] == POLICY_DOCUMENT_DATA and parts[2] in self.data:
            if parts[3] != "document":
                return Unknown(f"{'.'.join(parts)} is not the rendered document", file, offset)
            return self._cached(parts, lambda: self._render(self.data[parts[2]], depth), file, offset)
        if len(parts) == 3 and parts[:2] in self.resources and parts[0] in NAMES:
            block = self.resources[parts[:2]]
            spellings = NAMES[parts[0]]
            if parts[2] in spellings:
                chosen = next((s for s in spellings if s in block.attributes), None)
                if chosen is not None:
                    return self._attribute_of(parts, block, chosen, (), file, offset, depth)
        shown = ".".join(parts)
        return Unknown(f"{shown} is not known before apply", file, offset)

    def _attribute_of(
        self,
        key: tuple[str, ...],
        block: Block,
        attribute: str,
        rest: tuple[str, ...],
        file: HclFile,
        offset: int,
        depth: int,
    ) -> Value:
        value = self._cached(
            key,
            lambda: self.evaluator.evaluate(block.attributes[attribute], block.file, depth + 1),
            file,
            offset,
        )
        for step in rest:
            if isinstance(value, Unknown):
                break
            if not isinstance(value.value, dict) or step not in value.value:
                return Unknown(f"{'.'.join(key + rest)} is not known before apply", file, offset)
            inner = value.positions.get((step,), value.offset)
            value = Known(
                value.value[step],
                value.file,
                inner,
                {p[1:]: o for p, o in value.positions.items() if p[:1] == (step,) and len(p) > 1},
            )
        if isinstance(value, Unknown) and value.file is not file:
            return Unknown(f"{'.'.join(key)}: {value.reason}", file, offset)
        return value

    def _cached(self, key: tuple[str, ...], compute: Any, file: HclFile, offset: int) -> Value:
        """Each local, variable and data source is evaluated once; a cycle is unknown where it closes."""
        if key in self._cache:
            return self._cache[key]
        if key in self._pending:
            return Unknown(f"{'.'.join(key)} refers to itself", file, offset)
        self._pending.add(key)
        value = compute()
        self._pending.discard(key)
        self._cache[key] = value
        return value

    # -- data "alicloud_ram_policy_document" -------------------------------------------

    def _render(self, block: Block, depth: int) -> Value:
        """The document the provider renders from statement blocks, positioned at the blocks."""
        self.rendered.add(block.labels[1])
        file = block.file
        positions: Positions = {(): block.offset}
        dynamic = next((b for b in block.blocks if b.type == "dynamic"), None)
        if dynamic is not None:
            return Unknown("a dynamic block is expanded only when Terraform runs", file, dynamic.offset)
        version = self._field(block, "version", depth)
        if isinstance(version, Unknown):
            return version
        statements = []
        for index, statement in enumerate(b for b in block.blocks if b.type == "statement"):
            path = ("Statement", index)
            positions[path] = statement.offset
            rendered: dict[str, Any] = {}
            effect = self._field(statement, "effect", depth)
            if isinstance(effect, Unknown):
                return effect
            rendered["Effect"] = effect.value if effect.value is not None else "Allow"
            _place(positions, (*path, "Effect"), statement, "effect")
            for name, key in (("action", "Action"), ("resource", "Resource")):
                value = self._field(statement, name, depth)
                if isinstance(value, Unknown):
                    return value
                if value.value:
                    rendered[key] = _one_or_all(value.value)
                    _place(positions, (*path, key), statement, name, value)
            principal: dict[str, list[Any]] = {}
            for block_principal in (b for b in statement.blocks if b.type == "principal"):
                entity = self._field(block_principal, "entity", depth)
                identifiers = self._field(block_principal, "identifiers", depth)
                for value in (entity, identifiers):
                    if isinstance(value, Unknown):
                        return value
                listed = identifiers.value if isinstance(identifiers.value, list) else [identifiers.value]
                listed = [item for item in listed if item is not None]
                principal.setdefault(str(entity.value), []).extend(sorted(map(str, listed), reverse=True))
                positions.setdefault((*path, "Principal"), block_principal.offset)
                _place(positions, (*path, "Principal", str(entity.value)), block_principal, "identifiers")
            if principal:
                rendered["Principal"] = principal
            condition: dict[str, dict[str, Any]] = {}
            for block_condition in (b for b in statement.blocks if b.type == "condition"):
                values = {
                    name: self._field(block_condition, name, depth)
                    for name in ("operator", "variable", "values")
                }
                for value in values.values():
                    if isinstance(value, Unknown):
                        return value
                operator, variable = str(values["operator"].value), str(values["variable"].value)
                condition.setdefault(operator, {})[variable] = _one_or_all(values["values"].value)
                positions.setdefault((*path, "Condition"), block_condition.offset)
                positions.setdefault((*path, "Condition", operator), block_condition.offset)
                _place(
                    positions,
                    (*path, "Condition", operator, variable),
                    block_condition,
                    "values",
                    values["values"],
                )
            if condition:
                rendered["Condition"] = condition
            statements.append(rendered)
        document = {"Statement": statements, "Version": version.value if version.value is not None else "1"}
        _place(positions, ("Version",), block, "version")
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        return Known(text, file, block.offset, positions, decoded=document)

    def _field(self, block: Block, name: str, depth: int) -> Value:
        if name not in block.attributes:
            return Known(None, block.file, block.offset)
        return self.evaluator.evaluate(block.attributes[name], block.file, depth + 1)

    # -- resources ---------------------------------------------------------------------

    def read(self) -> TerraformModule:
        policies, roles, attachments, memberships, documents = [], [], [], [], []
        users, groups = set(), set()
        for (kind, name), block in sorted(self.resources.items()):
            if block.file.path not in self.reported:
                continue
            address = f"{kind}.{name}"
            if kind in DOCUMENTS:
                policy_kind, name_spellings, document_spellings = DOCUMENTS[kind]
                resource_name, name_unknown = self._text(block, address, name_spellings)
                document, unknown = self._document(block, address, document_spellings)
                reason = name_unknown or unknown
                if document is not None:
                    documents.append(ConfigDocument(address, policy_kind, document, resource_name))
                if kind == "alicloud_ram_policy":
                    policies.append(PlanPolicy(address, resource_name, document, reason))
                elif kind == "alicloud_ram_role":
                    roles.append(PlanRole(address, resource_name, document, reason))
            elif kind in ATTACHMENTS:
                principal_type, attribute = ATTACHMENTS[kind]
                principal, principal_unknown = self._text(block, address, (attribute,))
                policy, policy_unknown = self._text(block, address, ("policy_name",))
                policy_type, type_unknown = self._text(block, address, ("policy_type",))
                reason = principal_unknown or policy_unknown or type_unknown
                attachments.append(
                    PlanAttachment(address, principal_type, principal, policy, policy_type, reason)
                )
            elif kind == "alicloud_ram_user" or kind == "alicloud_ram_group":
                named, _ = self._text(block, address, NAMES[kind])
                if named is not None:
                    (users if kind == "alicloud_ram_user" else groups).add(named)
            elif kind == "alicloud_ram_user_group_attachment":
                group, group_unknown = self._text(block, address, ("group_name",))
                user, user_unknown = self._text(block, address, ("user_name",))
                known_users = (user,) if user is not None else ()
                memberships.append(PlanMembership(address, group, known_users, group_unknown or user_unknown))
            elif kind == "alicloud_ram_group_membership":
                group, group_unknown = self._text(block, address, ("group_name",))
                value = self._value(block, address, "user_names")
                names = (
                    tuple(sorted(u for u in value.value if isinstance(u, str)))
                    if isinstance(value, Known) and isinstance(value.value, list)
                    else ()
                )
                reason = group_unknown or (value.reason if isinstance(value, Unknown) else None)
                memberships.append(PlanMembership(address, group, names, reason))
        for name, block in sorted(self.data.items()):
            if name in self.rendered or block.file.path not in self.reported:
                continue
            value = self._render(block, 0)
            address = f"data.{POLICY_DOCUMENT_DATA}.{name}"
            if isinstance(value, Unknown):
                self._unknown(value, address)
            else:
                document = self._to_document(value, address)
                kind: PolicyKind = (
                    "trust" if any("Principal" in s for s in value.decoded["Statement"]) else "identity"
                )
                documents.append(ConfigDocument(address, kind, document))
        plan = TerraformPlan(
            source=self.files[0].path if self.files else self.paths[0],
            policies=tuple(policies),
            roles=tuple(roles),
            attachments=tuple(attachments),
            memberships=tuple(memberships),
            users=tuple(sorted(users)),
            groups=tuple(sorted(groups)),
            findings=tuple(sorted(set(self.findings), key=Finding.sort_key)),
        )
        given = [hcl for hcl in self.files if hcl.path in self.reported]
        waivers = tuple(w for hcl in given for w in hcl_waivers(hcl.text, hcl.path))
        return TerraformModule(self.folder, tuple(self.paths), plan, tuple(documents), waivers)

    def _value(self, block: Block, address: str, attribute: str, report: bool = False) -> Value:
        """An attribute's value; an unknown document is a finding, an unknown name only a reason
        (it matters to `check`, which says so, not to the lint of any document)."""
        value = (
            self.evaluator.evaluate(block.attributes[attribute], block.file)
            if attribute in block.attributes
            else None
        )
        if value is None:
            return Unknown(f"{attribute} is not set", block.file, block.offset)
        if isinstance(value, Unknown) and report:
            self._unknown(value, f"{address}.{attribute}")
        return value

    def _text(self, block: Block, address: str, spellings: tuple[str, ...]) -> tuple[str | None, str | None]:
        """A name attribute: (value, None), or (None, why it is not known)."""
        attribute = next((s for s in spellings if s in block.attributes), None)
        if attribute is None:
            self._config_finding(block, f"{address} sets none of {', '.join(spellings)}", address)
            return None, f"{address}: {spellings[0]} is not set"
        value = self._value(block, address, attribute)
        if isinstance(value, Unknown):
            return None, f"{address}.{attribute}: {value.reason}"
        if not isinstance(value.value, str):
            self._config_finding(block, f"{address}.{attribute} is not a string", address)
            return None, f"{address}.{attribute} is not a string"
        return value.value, None

    def _document(
        self, block: Block, address: str, spellings: tuple[str, ...]
    ) -> tuple[Document | None, str | None]:
        attribute = next((s for s in spellings if s in block.attributes), None)
        if attribute is None:
            self._config_finding(
                block,
                f"{address} sets none of {', '.join(spellings)}; the provider refuses it without a document",
                address,
            )
            return None, f"{address} has no document"
        value = self._value(block, address, attribute, report=True)
        if isinstance(value, Unknown):
            return None, f"{address}.{attribute}: {value.reason}"
        return self._to_document(value, f"{address}.{attribute}"), None

    def _to_document(self, value: Known, where: str) -> Document:
        """A document positioned where it is written: HCL elements, heredoc lines, or its own file."""
        file = value.file
        if value.loaded is not None:
            if not os.path.isfile(value.loaded):
                return _unreadable(file, value.offset, f"{where}: file() names no file: {value.loaded}")
            shown = os.path.relpath(value.loaded).replace(os.sep, "/")
            return load_file(value.loaded, source=shown, as_json=True)
        if value.decoded is not None:
            positions = {(): value.offset, **value.positions}
            depth = nesting(value.decoded)
            return Document(
                source=file.path,
                text=file.text,
                value=value.decoded,
                parsed=True,
                yaml=True,
                index_positions=lambda: (positions, depth),
            )
        if not isinstance(value.value, str):
            message = f"{where} is not a string; the provider takes the document as JSON text"
            return _unreadable(file, value.offset, message)
        if value.text_at is not None and file.text:
            prefix = re.sub(r"[^\n]", " ", file.text[: value.text_at])
            return load_json(prefix + value.value, file.path)
        document = load_bytes(value.value.encode("utf-8"), file.path)
        anchor = Document(source=file.path, text=file.text)
        line, column = anchor.line_column(value.offset)
        document.findings = [
            anchor.finding_at(f.code, f.message, line, column, severity=f.severity) for f in document.findings
        ]
        if document.parsed:
            document.text, document.yaml = file.text, True
            document.find_offset = lambda _path: value.offset
        return document

    def _unknown(self, value: Unknown, where: str) -> None:
        anchor = Document(source=value.file.path, text=value.file.text)
        line, column = anchor.line_column(value.offset) if value.file.text else (1, 1)
        self.findings.append(
            Finding(
                "NOT_KNOWN_BEFORE_APPLY",
                default_severity("NOT_KNOWN_BEFORE_APPLY"),
                f"{where}: {value.reason}; policycheck does not guess it",
                value.file.path,
                line,
                column,
                where,
            )
        )

    def _config_finding(self, block: Block, message: str, where: str) -> None:
        anchor = Document(source=block.file.path, text=block.file.text)
        line, column = anchor.line_column(block.offset)
        self.findings.append(
            Finding(
                "TERRAFORM_CONFIG",
                default_severity("TERRAFORM_CONFIG"),
                message,
                block.file.path,
                line,
                column,
                where,
            )
        )


def _unreadable(file: HclFile, offset: int, message: str) -> Document:
    """A document that cannot be read, with a TERRAFORM_CONFIG finding at the expression."""
    document = Document(source=file.path, text=file.text)
    line, column = document.line_column(offset)
    document.findings.append(document.finding_at("TERRAFORM_CONFIG", message, line, column))
    return document


def _one_or_all(value: Any) -> Any:
    """The provider's getOneStringOrAllStringSlice: one item as a string, more as a list."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def _place(
    positions: Positions, path: tuple, block: Block, attribute: str, value: Known | None = None
) -> None:
    """Position a rendered element at its attribute; list items at their own elements."""
    if attribute not in block.attribute_offsets:
        return
    positions[path] = block.attribute_offsets[attribute]
    if (
        value is not None
        and isinstance(value.value, list)
        and len(value.value) > 1
        and value.file is block.file
    ):
        for step, offset in value.positions.items():
            positions[path + step] = offset
