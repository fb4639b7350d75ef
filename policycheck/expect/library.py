"""Every document `check` reads, linted once, and the principals built from them.

Documents come from the `policies:` section (files and Terraform plans) and from the
principals' own references (paths, globs, or names of documents under `policies:`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

from policycheck.catalog.system import LibraryError, SystemLibrary, SystemPolicy, system_policy_model
from policycheck.comment_waivers import apply_comment_waivers
from policycheck.evaluate import PolicySet
from policycheck.evaluate.control import ControlLayer, control_layer
from policycheck.expect.spec import CheckSpec, PrincipalSpec
from policycheck.findings import Finding
from policycheck.lint import LintedFile, LintSettings, apply_by_file, lint_embedded, lint_file, lint_loaded
from policycheck.load import load_file
from policycheck.load.classify import is_template, skip_reason
from policycheck.load.document import Document
from policycheck.load.files import POLICY_SUFFIXES, FoundFile, PathNotFound, display_path, find_files
from policycheck.load.sources import error_lines
from policycheck.load.terraform import TerraformPlan, load_plan
from policycheck.load.waivers import CommentWaiver
from policycheck.model import JsonPath, Policy, PolicyKind, detect_kind


@dataclass(frozen=True)
class ResolvedPrincipal:
    """A principal ready to evaluate; `unknowns` say which of its permissions cannot be known
    (a System policy the library does not have, a value known only after apply), and
    `system_texts` which System policies were read from the System policy library."""

    spec: PrincipalSpec
    policies: PolicySet
    trust: Policy | None
    unknowns: tuple[str, ...]
    control: ControlLayer | None = None
    """How the declared control policies were read (deny-list beside FullAliyunAccess, or allow-list)."""
    system_texts: tuple[SystemPolicy, ...] = ()


def _looks_like_path(reference: str) -> bool:
    return (
        "/" in reference or reference.lower().endswith(POLICY_SUFFIXES) or any(c in reference for c in "*?[")
    )


def _key(plan: TerraformPlan, address: str) -> str:
    """Addresses are unique within one plan or module, not across several."""
    return f"{plan.source}#{address}"


class Library:
    """Loads and lints documents on demand, each (file, kind) once, as `lint` would: the same
    rules and settings (lint.ignore, severity, catalog) and `policycheck:ignore` comments."""

    def __init__(self, spec: CheckSpec, settings: LintSettings) -> None:
        self.spec = spec
        self.settings = settings
        self.root = spec.config.root
        self.linted: dict[tuple[str, PolicyKind], LintedFile] = {}
        self.by_name: dict[str, list[tuple[str, Document | str]]] = {}
        self.plans: list[TerraformPlan] = []
        self._plan_documents: dict[str, LintedFile] = {}
        self._file_findings: list[Finding] = []  # about files (templates, plans, .tf), not documents
        self._waivers: dict[str, tuple[CommentWaiver, ...]] = {}  # templates and .tf files
        for source in spec.sources:
            if source.terraform:
                self._add_plan(source.value, source.path)
            else:
                for found in self._found(source.value, source.path):
                    self._add_file(found)

    # -- loading ---------------------------------------------------------------------------

    def _found(self, pattern: str, at: JsonPath) -> list[FoundFile]:
        try:
            found = find_files([os.path.join(self.root, pattern)])
        except PathNotFound as problem:
            raise self.spec.error(at, str(problem).replace(self.root + os.sep, "")) from None
        return [f for f in found if not self.settings.skips(f)]

    def _files(self, pattern: str, at: JsonPath) -> list[str]:
        return [f.path for f in self._found(pattern, at)]

    def _add_file(self, found: FoundFile) -> None:
        """A file under policies:, read as lint reads it: a policy, a ROS template, or skipped
        when a folder holds it and it does not look like a policy (load/classify.py)."""
        document = load_file(found.path, source=display_path(found.path))
        if document.parsed and is_template(document.value):
            self._add_template(found.path, document)
            return
        if not found.explicit and skip_reason(document, found.path):
            return
        self.file(found.path, None, document)
        stem = os.path.splitext(os.path.basename(found.path))[0]
        self.by_name.setdefault(stem, []).append(("file", found.path))

    def _add_template(self, path: str, document: Document) -> None:
        """A ROS template's documents; a ManagedPolicy with a literal PolicyName can be named."""
        from policycheck.load.ros import read_template

        template = read_template(document)
        self._file_findings.extend(self.settings.apply([*document.findings, *template.findings], path))
        self._waivers[path] = document.waivers
        for item in template.documents:
            key = f"{path}#{item.address}"
            self._plan_documents[key] = self._lint_embedded(item.document, item.kind, path, item.address)
            if item.name:
                self.by_name.setdefault(item.name, []).append(("template", key))

    def file(self, path: str, kind: PolicyKind | None, document: Document | None = None) -> LintedFile:
        """A policy file linted as `kind` (None: as lint would read it)."""
        path = os.path.abspath(path)
        if kind is None:
            linted = (
                lint_loaded(path, document, self.settings) if document else lint_file(path, self.settings)
            )
            kind = linted.policy.kind if linted.policy else "identity"
            return self.linted.setdefault((path, kind), linted)
        if (path, kind) not in self.linted:
            settings = self.settings._replace(kind=kind)
            self.linted[(path, kind)] = lint_file(path, settings)
        return self.linted[(path, kind)]

    def _add_plan(self, value: str, at: JsonPath) -> None:
        """A plan JSON, or Terraform configuration: a .tf file or a folder of them (each
        folder one module)."""
        path = os.path.join(self.root, value)
        if os.path.isdir(path) or path.lower().endswith(".tf"):
            self._add_configuration(value, path, at)
            return
        if not os.path.isfile(path):
            raise self.spec.error(at, f"no such Terraform plan: {value}")
        plan = load_plan(path, source=self.settings.relative(path))
        self._add_terraform(plan, path)

    def _add_configuration(self, value: str, path: str, at: JsonPath) -> None:
        from policycheck.load.terraform_config import load_modules

        try:
            found = [f.path for f in find_files([path], (".tf",)) if f.path.lower().endswith(".tf")]
        except PathNotFound:
            found = []
        if not found:
            raise self.spec.error(at, f"no .tf files in {value}")
        shown = {tf: self.settings.relative(tf) for tf in found}
        sources = {display: tf for tf, display in shown.items()}
        for module in load_modules(found, shown):
            self.plans.append(module.plan)
            self._file_findings.extend(apply_by_file(self.settings, module.plan.findings, sources))
            for waiver in module.waivers:
                path = sources.get(waiver.source, waiver.source)
                self._waivers[path] = (*self._waivers.get(path, ()), waiver)
            for item in module.documents:  # every document, as lint reads them (data sources too)
                path = sources.get(item.document.source, item.document.source)
                key = _key(module.plan, item.address)
                self._plan_documents[key] = self._lint_embedded(item.document, item.kind, path, item.address)
                if item.name and item.kind != "trust":  # a role is a principal, not a document to name
                    self.by_name.setdefault(item.name, []).append(("terraform", key))

    def _add_terraform(self, plan: TerraformPlan, path: str) -> None:
        """A plan JSON's documents (its findings are about the plan file)."""
        self.plans.append(plan)
        self._file_findings.extend(self.settings.apply(plan.findings, path))
        for policy in plan.policies:
            if policy.name and policy.document is not None:
                key = _key(plan, policy.address)
                self._plan_documents[key] = self._lint_embedded(
                    policy.document, "identity", path, policy.address
                )
                self.by_name.setdefault(policy.name, []).append(("terraform", key))
        for role in plan.roles:
            if role.trust is not None:
                self._plan_documents[_key(plan, role.address)] = self._lint_embedded(
                    role.trust, "trust", path, role.address
                )

    def _lint_embedded(self, document: Document, kind: PolicyKind, path: str, address: str) -> LintedFile:
        """A document of a plan, .tf file or template at `path`, named by its resource's name."""
        linted = lint_embedded(address, kind, document, self.settings, path, name=address.rsplit(".", 1)[-1])
        return LintedFile(document.source, document, linted.findings, linted.policy)

    @property
    def findings(self) -> list[Finding]:
        """Lint findings of every document read, and of the files holding them, without repeats,
        less those `policycheck:ignore` comments waive (with the reports about the comments)."""
        everything = {f for linted in self.linted.values() for f in linted.findings}
        everything |= {f for linted in self._plan_documents.values() for f in linted.findings}
        everything |= set(self._file_findings)
        waivers = dict(self._waivers)
        waivers.update({path: linted.document.waivers for (path, _), linted in self.linted.items()})
        [kept], reports = apply_comment_waivers([sorted(everything, key=Finding.sort_key)], waivers)
        reported = [f for path, found in reports.items() for f in self.settings.apply(found, path)]
        return sorted({*kept, *reported}, key=Finding.sort_key)

    @property
    def documents(self) -> int:
        return len({path for path, _ in self.linted}) + len(self._plan_documents)

    @cached_property
    def system(self) -> SystemLibrary:
        """The System policy library, read when a System policy is first met."""
        from policycheck.catalog.system import library

        try:
            return library(self.spec.config.system_policies)
        except LibraryError as problem:
            raise self.spec.error(("system_policies",), str(problem)) from None

    # -- principals ------------------------------------------------------------------------

    def _policy(self, linted: LintedFile, kind: PolicyKind, at: JsonPath) -> Policy:
        document = linted.document
        detected = detect_kind(document.value) if document.parsed else kind
        if detected == "bucket":
            raise self.spec.error(
                at, f"{document.source} is an OSS bucket policy; it cannot be used as {kind} here"
            )
        if (detected == "trust") != (kind == "trust"):
            what = "not a trust policy" if kind == "trust" else "a role trust policy"
            raise self.spec.error(at, f"{document.source} is {what}; it cannot be used as {kind} here")
        if linted.policy is None:
            raise self.spec.error(at, f"{document.source} cannot be evaluated:", error_lines(linted.findings))
        return linted.policy

    def documents_for(self, reference: str, kind: PolicyKind, at: JsonPath) -> list[Policy]:
        """The policies a reference names: files by path or glob, or documents by name."""
        if _looks_like_path(reference):
            paths = self._files(reference, at)
            if not paths:
                raise self.spec.error(at, f"no policy file matches {reference}")
            return [self._policy(self.file(path, kind), kind, at) for path in paths]
        named = self.by_name.get(reference, [])
        if not named:
            hint = ""
            if kind == "identity":
                from policycheck.suggest import close_matches

                close = close_matches(reference, [*self.by_name, *self.system.policies], n=1, cutoff=0.8)
                hint = ", nor a System policy of the System policy library" + (
                    f"; did you mean {close[0]}?" if close else ""
                )
            raise self.spec.error(
                at,
                f'no document named "{reference}" under policies: (a file stem or a Terraform policy_name)'
                + hint,
            )
        if len(named) > 1:
            where = ", ".join(sorted(str(place) for _, place in named))
            raise self.spec.error(at, f'"{reference}" names several documents ({where}); use a path')
        origin, place = named[0]
        linted = self.file(str(place), kind) if origin == "file" else self._plan_documents[str(place)]
        return [self._policy(linted, kind, at)]

    def _system_policy(self, reference: str) -> tuple[SystemPolicy, Policy] | None:
        """An identity reference that names no document but a System policy of the library."""
        if _looks_like_path(reference) or reference in self.by_name:
            return None
        known = self.system.get(reference)
        model = system_policy_model(known) if known else None
        return (known, model) if known and model else None

    def resolve(self, spec: PrincipalSpec) -> ResolvedPrincipal:
        identity: list[Policy] = []
        system_texts: list[SystemPolicy] = []
        for index, reference in enumerate(spec.identity):
            system = self._system_policy(reference)
            if system is not None:
                system_texts.append(system[0])
                identity.append(system[1])
                continue
            identity += self.documents_for(reference, "identity", (*spec.path, "identity", index))
        control: list[Policy] = []
        for index, reference in enumerate(spec.control):
            control += self.documents_for(reference, "control", (*spec.path, "control", index))
        session = trust = None
        if spec.session:
            [session] = self.documents_for(spec.session, "session", (*spec.path, "session"))[:1]
        if spec.trust:
            [trust] = self.documents_for(spec.trust, "trust", (*spec.path, "trust"))[:1]
        unknowns: list[str] = []
        if spec.terraform:
            found, plan_trust = self._from_plans(spec, unknowns, system_texts)
            identity += found
            trust = trust or plan_trust
        layer = control_layer(tuple(control), spec.control_mode)
        policies = PolicySet(identity=tuple(identity), control=layer.policies, session=session)
        return ResolvedPrincipal(
            spec, policies, trust, tuple(unknowns), layer, tuple(dict.fromkeys(system_texts))
        )

    def _from_plans(
        self, spec: PrincipalSpec, unknowns: list[str], system_texts: list[SystemPolicy]
    ) -> tuple[list[Policy], Policy | None]:
        """A principal's attached policies (and a role's trust policy) from the Terraform plans."""
        assert spec.terraform is not None
        principal_type, name = spec.terraform
        at = (*spec.path, "terraform", principal_type)
        if not self.plans:
            raise self.spec.error(at, "terraform: needs a plan under policies: ({terraform: plan.json})")
        known = {
            "role": {r.name for plan in self.plans for r in plan.roles},
            "user": {u for plan in self.plans for u in plan.users},
            "group": {g for plan in self.plans for g in plan.groups},
        }[principal_type]
        attachments = [a for plan in self.plans for a in plan.attached(principal_type, name)]
        if name not in known and not attachments:
            raise self.spec.error(at, f'no {principal_type} "{name}" in the Terraform plans under policies:')
        policies: list[Policy] = []
        for attachment in attachments:
            through = f" (through group {attachment.via_group})" if attachment.via_group else ""
            if attachment.unknown:
                unknowns.append(f"{attachment.address}{through}: {attachment.unknown}")
            elif attachment.policy_type == "System":
                known = self.system.get(attachment.policy_name or "")
                model = system_policy_model(known) if known else None
                if model is None:
                    unknowns.append(
                        f"System policy {attachment.policy_name} is attached{through} "
                        f"({attachment.address}); its document is not in the plan nor in the "
                        "System policy library"
                    )
                else:
                    policies.append(model)
                    system_texts.append(known)
            else:
                found = next(
                    ((plan, p) for plan in self.plans if (p := plan.policy(attachment.policy_name or ""))),
                    None,
                )
                plan_policy = found[1] if found else None
                if found is None or plan_policy is None:
                    unknowns.append(
                        f"Custom policy {attachment.policy_name} is attached{through} ({attachment.address}) "
                        "but not defined in the plans"
                    )
                elif plan_policy.document is None:
                    unknowns.append(f"{plan_policy.address}: {plan_policy.unknown}")
                else:
                    linted = self._plan_documents[_key(found[0], plan_policy.address)]
                    policies.append(self._policy(linted, "identity", at))
        trust = None
        if principal_type == "role":
            found_role = next(((plan, r) for plan in self.plans if (r := plan.role(name))), None)
            if found_role is not None and found_role[1].trust is not None:
                trust = self._plan_documents[_key(found_role[0], found_role[1].address)].policy
        return policies, trust
