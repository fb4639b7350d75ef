"""Lint: documents -> findings (loader, schema, rules), then the user's settings applied."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

from policycheck.comment_waivers import apply_comment_waivers
from policycheck.findings import Finding, JudgedFindings, default_severity
from policycheck.load import POLICY_SUFFIXES, load_file
from policycheck.load.classify import is_template, skip_reason
from policycheck.load.document import Document
from policycheck.load.files import FoundFile, display_path, find_files, matches_any
from policycheck.load.waivers import CommentWaiver
from policycheck.model import Policy, PolicyKind, build_policy, detect_kind
from policycheck.rules import RuleOptions, run_rules
from policycheck.schema import validate

if TYPE_CHECKING:
    from policycheck.catalog import CatalogExtension

CONFIG_NAME = "policycheck.yaml"
TERRAFORM_SUFFIX = ".tf"
LINT_SUFFIXES = (*POLICY_SUFFIXES, TERRAFORM_SUFFIX)

SCHEMAS: dict[PolicyKind, str] = {
    "identity": "ram-policy.schema.json",
    "control": "ram-policy.schema.json",
    "session": "ram-policy.schema.json",
    "trust": "ram-trust-policy.schema.json",
    "bucket": "bucket-policy.schema.json",
}


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """Drop findings of `codes` (all codes when empty) in files matching `paths` (all when empty).

    A waiver may carry `expires` (an ISO date, YYYY-MM-DD) and `owner`; `expired` is decided
    when the config is read (against today's date) so the core stays free of the clock. An
    expired waiver drops nothing and is itself reported (WAIVER_EXPIRED) at `where`.
    """

    codes: tuple[str, ...]
    paths: tuple[str, ...]
    reason: str
    expires: str | None = None
    owner: str | None = None
    expired: bool = False
    where: tuple[str, int, int] = ("", 0, 0)

    def covers(self, finding: Finding, relative_path: str) -> bool:
        return (
            not self.expired
            and (not self.codes or finding.code in self.codes)
            and (not self.paths or matches_any(relative_path, self.paths))
        )

    def expiry_finding(self) -> Finding:
        """WAIVER_EXPIRED at the entry's line in policycheck.yaml."""
        covered = ", ".join(self.codes) or "every code"
        owner = f", owner {self.owner}" if self.owner else ""
        file, line, column = self.where
        return Finding(
            "WAIVER_EXPIRED",
            default_severity("WAIVER_EXPIRED"),
            f"the waiver of {covered} expired on {self.expires}{owner} ({self.reason}); its findings "
            "are reported again: fix them, or renew the waiver with a new expires date",
            file,
            line,
            column,
            "",
        )


@dataclass(frozen=True)
class LintSettings:
    """The `lint:` section of policycheck.yaml, with command-line flags laid over it.

    Globs match file paths relative to `root`, the folder of the config file.
    """

    fail_on: str = "warning"
    exclude: tuple[str, ...] = ()
    ignore: tuple[IgnoreRule, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    kinds: tuple[tuple[str, PolicyKind], ...] = ()
    kind: PolicyKind | None = None
    root: str = "."
    accounts: tuple[str, ...] = ()
    account: str | None = None
    """The top-level account: of policycheck.yaml (the team's own, for TRUST_POLICY_NO_EXTERNAL_ID)."""
    force_exclude: bool = False
    """--force-exclude: lint.exclude (and policycheck.yaml) apply to named files too (pre-commit
    names every changed file, so without it lint.exclude would never apply there)."""
    catalog: CatalogExtension | None = None
    """The `catalog:` section: actions and condition keys the team adds to the packaged catalog."""

    def relative(self, path: str) -> str:
        return os.path.relpath(path, self.root).replace(os.sep, "/")

    def skips(self, found: FoundFile) -> bool:
        """A file found in a folder, not named, that is configuration (a policycheck.yaml) or
        matches lint.exclude: not a policy to read. A file named on the command line never is,
        unless force_exclude."""
        if found.explicit and not self.force_exclude:
            return False
        return os.path.basename(found.path) == CONFIG_NAME or (
            bool(self.exclude) and matches_any(self.relative(found.path), self.exclude)
        )

    def kind_for(self, document: Document, path: str) -> PolicyKind:
        """--kind wins, then the first `kinds:` glob that matches, then detection."""
        if self.kind:
            return self.kind
        relative = self.relative(path) if self.kinds else ""
        for pattern, kind in self.kinds:
            if matches_any(relative, (pattern,)):
                return kind
        return detect_kind(document.value)

    def expired_waivers(self) -> list[Finding]:
        """A finding for every lint.ignore entry past its expires date: it fails the run."""
        return [rule.expiry_finding() for rule in self.ignore if rule.expired]

    def apply(self, findings: Iterable[Finding], path: str) -> list[Finding]:
        """Severity overrides and ignore rules, for findings of the file at `path`."""
        if not self.ignore and not self.severity:
            return list(findings)
        relative = self.relative(path)
        kept = []
        for finding in findings:
            if any(rule.covers(finding, relative) for rule in self.ignore):
                continue
            severity = self.severity.get(finding.code)
            kept.append(replace(finding, severity=severity) if severity else finding)
        return kept


@dataclass
class LintedFile:
    """One file after linting; `policy` is set when the document is valid enough to evaluate."""

    path: str
    document: Document
    findings: list[Finding]
    policy: Policy | None


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file found in a folder that is not a policy (package.json, a CI workflow), and why."""

    path: str
    reason: str


@dataclass
class LintResult(JudgedFindings):
    """Linted documents (one per policy file, several per .tf folder or ROS template).

    `extra` holds findings about files rather than documents: a .tf file that is not HCL, a
    value known only after apply; `skipped` the files that are not policies; `read` the paths
    of the files checked (what reports count as files).
    """

    kind: ClassVar[str] = "lint"

    files: list[LintedFile]
    fail_on: str
    extra: list[Finding] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    read: set[str] = field(default_factory=set)

    @property
    def checked(self) -> int:
        """Files checked: policy files, templates and .tf files (not the documents in them)."""
        return len({os.path.abspath(path) for path in self.read | {linted.path for linted in self.files}})

    @property
    def findings(self) -> list[Finding]:
        everything = {f for linted in self.files for f in linted.findings} | set(self.extra)
        return sorted(everything, key=Finding.sort_key)


def lint_document(
    document: Document, kind: PolicyKind, name: str = "", options: RuleOptions | None = None
) -> tuple[list[Finding], Policy | None]:
    """All findings of one loaded document, and its Policy when the grammar holds."""
    findings = list(document.findings)
    if not document.parsed:
        return findings, None
    schema_findings = validate(document, SCHEMAS[kind])
    findings.extend(schema_findings)
    if schema_findings:
        return findings, None
    policy = build_policy(document.value, document.source, kind, name=name, locate=document.locate)
    findings.extend(run_rules(policy, document, options))
    return findings, policy


def lint_file(path: str, settings: LintSettings) -> LintedFile:
    return lint_loaded(path, _load(path), settings)


def _load(path: str) -> Document:
    return load_file(path, source=display_path(path) if path != "-" else "<stdin>")


def lint_loaded(path: str, document: Document, settings: LintSettings) -> LintedFile:
    kind = settings.kind_for(document, path) if document.parsed else "identity"
    name = os.path.splitext(os.path.basename(path))[0]
    options = RuleOptions(accounts=settings.accounts, catalog=settings.catalog, account=settings.account)
    findings, policy = lint_document(document, kind, name, options)
    return LintedFile(path, document, settings.apply(findings, path), policy)


def lint_embedded(
    address: str, kind: PolicyKind, document: Document, settings: LintSettings, path: str, name: str = ""
) -> LintedFile:
    """A document inside a .tf file, Terraform plan or ROS template; `path` is that file, for lint
    settings; `name` the policy's name in messages (default: the address)."""
    options = RuleOptions(accounts=settings.accounts, account=settings.account, catalog=settings.catalog)
    findings, policy = lint_document(document, settings.kind or kind, name or address, options)
    return LintedFile(path, document, settings.apply(findings, path), policy)


def lint_paths(paths: list[str], settings: LintSettings) -> LintResult:
    """Lint files, folders and globs: policies, .tf files and ROS templates.

    Excluded files are skipped unless named explicitly; policycheck.yaml files found in
    folders are configuration. A JSON or YAML file that does not look like a policy
    (load/classify.py) is skipped unless --kind or lint.kinds says what it is; a file named
    on the command line is always linted.
    Raises PathNotFound for a path that does not exist (a usage error).
    """
    found = [f for f in find_files(paths, LINT_SUFFIXES) if not settings.skips(f)]
    result = LintResult([], settings.fail_on, extra=settings.expired_waivers())
    waivers: dict[str, tuple[CommentWaiver, ...]] = {}  # file path -> its policycheck:ignore comments
    terraform = [f.path for f in found if f.path.lower().endswith(TERRAFORM_SUFFIX)]
    for item in found:
        if item.path.lower().endswith(TERRAFORM_SUFFIX):
            continue
        document = _load(item.path)
        waivers[item.path] = document.waivers
        if document.parsed and is_template(document.value):
            result.read.add(item.path)
            result.files.extend(_lint_template(item.path, document, settings, result))
            continue
        declared = settings.kind or (
            settings.kinds and any(matches_any(settings.relative(item.path), (p,)) for p, _ in settings.kinds)
        )
        # a file named on the command line (or standard input) is linted: the user said so,
        # unless --force-exclude (pre-commit names every changed JSON/YAML file, package.json too)
        named = item.explicit and not (settings.force_exclude and item.path != "-")
        reason = None if declared or named else skip_reason(document, item.path)
        if reason:
            result.skipped.append(SkippedFile(item.path, reason))
        else:
            result.files.append(lint_loaded(item.path, document, settings))
    if terraform:
        from policycheck.load.terraform_config import load_modules

        result.read.update(terraform)
        shown = {path: display_path(path) for path in terraform}
        sources = {display: path for path, display in shown.items()}
        for module in load_modules(terraform, shown):
            for waiver in module.waivers:
                path = sources.get(waiver.source, waiver.source)
                waivers[path] = (*waivers.get(path, ()), waiver)
            result.extra.extend(apply_by_file(settings, module.plan.findings, sources))
            for item in module.documents:
                path = sources.get(item.document.source, item.document.source)
                result.files.append(lint_embedded(item.address, item.kind, item.document, settings, path))
    _apply_comment_waivers(result, waivers, settings)
    return result


def _apply_comment_waivers(
    result: LintResult, waivers: dict[str, tuple[CommentWaiver, ...]], settings: LintSettings
) -> None:
    """Drop the findings `policycheck:ignore` comments waive (comment_waivers.py), once every rule ran."""
    if not any(waivers.values()):
        return
    groups = [*(linted.findings for linted in result.files), result.extra]
    kept, reports = apply_comment_waivers(groups, waivers)
    for linted, findings in zip(result.files, kept[:-1], strict=True):
        linted.findings = findings
    result.extra = kept[-1]
    for path, found in reports.items():
        result.extra.extend(settings.apply(found, path))


def apply_by_file(
    settings: LintSettings, findings: Iterable[Finding], paths: Mapping[str, str]
) -> list[Finding]:
    """Settings applied to findings of several files (a Terraform module, a plan), each by its own
    file: `paths` maps a finding's shown file to the path lint.ignore globs are matched against."""
    return [kept for f in findings for kept in settings.apply([f], paths.get(f.file, f.file))]


def _lint_template(
    path: str, document: Document, settings: LintSettings, result: LintResult
) -> list[LintedFile]:
    from policycheck.load.ros import read_template

    template = read_template(document)
    result.extra.extend(settings.apply([*document.findings, *template.findings], path))
    return [lint_embedded(t.address, t.kind, t.document, settings, path) for t in template.documents]
