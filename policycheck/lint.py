"""Lint: documents -> findings (loader, schema, rules), then the user's settings applied."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

from policycheck.findings import Finding, JudgedFindings, code_table, default_severity
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
    address: str, kind: PolicyKind, document: Document, settings: LintSettings, path: str
) -> LintedFile:
    """A document inside a .tf file or ROS template; `path` is that file, for lint settings."""
    options = RuleOptions(accounts=settings.accounts, account=settings.account)
    findings, policy = lint_document(document, settings.kind or kind, address, options)
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
            result.extra.extend(settings.apply(module.plan.findings, module.folder))
            for item in module.documents:
                source = item.document.source
                result.files.append(lint_embedded(item.address, item.kind, item.document, settings, source))
    _apply_comment_waivers(result, waivers, settings)
    return result


def _apply_comment_waivers(
    result: LintResult, waivers: dict[str, tuple[CommentWaiver, ...]], settings: LintSettings
) -> None:
    """Drop the findings `policycheck:ignore` comments waive, once every rule ran.

    Whole files, not documents: several documents of a .tf file share its comments. A comment
    without a known code or a reason waives nothing and is reported (WAIVER_INVALID); a valid
    one that waived no finding is reported as WAIVER_UNUSED, so stale waivers do not pile up.
    Both pass through lint.ignore and severity overrides like any finding.
    """
    if not any(waivers.values()):
        return
    valid = [w for found in waivers.values() for w in found if _invalid(w) is None]
    used: set[CommentWaiver] = set()

    def unwaived(findings: list[Finding]) -> list[Finding]:
        kept = []
        for finding in findings:
            waiver = next((w for w in valid if w.waives(finding.file, finding.code, finding.line)), None)
            if waiver is None:
                kept.append(finding)
            else:
                used.add(waiver)
        return kept

    for linted in result.files:
        linted.findings = unwaived(linted.findings)
    result.extra = unwaived(result.extra)
    for path, found in sorted(waivers.items()):
        reports = [_waiver_finding(w) for w in found if w not in used]
        result.extra.extend(settings.apply(reports, path))


def _invalid(waiver: CommentWaiver) -> str | None:
    """Why a comment waives nothing, or None when it names a known code and a reason."""
    if not waiver.code:
        return "names no code"
    if waiver.code not in code_table():
        return f"names {waiver.code}, which is not a policycheck code (docs/rules.md lists them)"
    if not waiver.reason:
        return f"gives no reason for waiving {waiver.code}"
    return None


def _waiver_finding(waiver: CommentWaiver) -> Finding:
    """WAIVER_INVALID or WAIVER_UNUSED at the comment."""
    problem = _invalid(waiver)
    if problem is not None:
        code = "WAIVER_INVALID"
        message = (
            f"this policycheck:ignore comment {problem}, so it waives nothing; write "
            "`policycheck:ignore CODE reason` with the code the finding shows and why the exception is right"
        )
    else:
        where = f"line {waiver.line} or {waiver.line + 1}" if waiver.own_line else f"line {waiver.line}"
        code = "WAIVER_UNUSED"
        message = (
            f"no {waiver.code} finding at {where}; the waiver ({waiver.reason}) is stale: remove it, "
            "or move it to the line of the finding"
        )
    return Finding(code, default_severity(code), message, waiver.source, waiver.line, waiver.column, "")


def _lint_template(
    path: str, document: Document, settings: LintSettings, result: LintResult
) -> list[LintedFile]:
    from policycheck.load.ros import read_template

    template = read_template(document)
    result.extra.extend(settings.apply([*document.findings, *template.findings], path))
    return [lint_embedded(t.address, t.kind, t.document, settings, path) for t in template.documents]
