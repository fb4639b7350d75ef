"""Lint: documents -> findings (loader, schema, rules), then the user's settings applied."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from policycheck.findings import Finding, JudgedFindings, default_severity
from policycheck.lint_outcome import FileOutcome, FileToLint
from policycheck.load import POLICY_SUFFIXES, is_yaml, load_bytes, load_file, read_bytes, read_stdin
from policycheck.load.classify import is_template, skip_reason
from policycheck.load.document import Document
from policycheck.load.files import FoundFile, display_path, find_files, matches_any, normal_relative
from policycheck.model import Policy, PolicyKind, build_policy, detect_kind
from policycheck.rules import RuleOptions, run_rules
from policycheck.schema import validate

if TYPE_CHECKING:
    from policycheck.catalog import CatalogExtension
    from policycheck.lint_cache import LintCache
    from policycheck.load.waivers import CommentWaiver

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


class IgnoreRule(NamedTuple):
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


class LintSettings(NamedTuple):
    """The `lint:` section of policycheck.yaml, with command-line flags laid over it.

    Globs match file paths relative to `root`, the folder of the config file.
    """

    fail_on: str = "warning"
    exclude: tuple[str, ...] = ()
    ignore: tuple[IgnoreRule, ...] = ()
    severity: Mapping[str, str] | None = None
    """Severity by finding code, overriding the defaults (lint.severity); None: no overrides."""
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

    def declared_kind(self, path: str) -> PolicyKind | None:
        """--kind, else the kind of the first `kinds:` glob that matches, else None (detect it)."""
        if self.kind:
            return self.kind
        relative = self.relative(path) if self.kinds else ""
        for pattern, kind in self.kinds:
            if matches_any(relative, (pattern,)):
                return kind
        return None

    def kind_for(self, document: Document, path: str) -> PolicyKind:
        """--kind wins, then the first `kinds:` glob that matches, then detection."""
        return self.declared_kind(path) or detect_kind(document.value)

    def cache_context(self) -> dict[str, Any]:
        """The settings that change what linting a file finds (the rest apply after the cache)."""
        catalog = self.catalog
        return {
            "kind": self.kind,
            "kinds": [list(pair) for pair in self.kinds],
            "root": os.path.abspath(self.root) if self.kinds else "",
            "accounts": list(self.accounts),
            "account": self.account,
            "force_exclude": self.force_exclude,
            "catalog": [sorted(catalog.actions), sorted(catalog.condition_keys)] if catalog else None,
        }

    def expired_waivers(self) -> list[Finding]:
        """A finding for every lint.ignore entry past its expires date: it fails the run."""
        return [rule.expiry_finding() for rule in self.ignore if rule.expired]

    def apply(self, findings: Iterable[Finding], path: str) -> list[Finding]:
        """Severity overrides and ignore rules, for findings of the file at `path`."""
        if not self.ignore and not self.severity:
            return list(findings)
        relative = self.relative(path)
        overrides = self.severity or {}
        kept = []
        for finding in findings:
            if any(rule.covers(finding, relative) for rule in self.ignore):
                continue
            severity = overrides.get(finding.code)
            kept.append(finding._replace(severity=severity) if severity else finding)
        return kept


class LintedFile(NamedTuple):
    """One file after linting; `policy` is set when the document is valid enough to evaluate."""

    path: str
    document: Document
    findings: list[Finding]
    policy: Policy | None


class FileFindings(NamedTuple):
    """What lint_paths keeps of one linted document: its findings, not the Document (about
    7 KB each, 250 MB over 30,000 files); `value`, the parsed document, only when asked for
    (baseline fingerprints read the elements findings point at)."""

    path: str
    findings: list[Finding]
    value: Any = None


class SkippedFile(NamedTuple):
    """A file found in a folder that is not a policy (package.json, a CI workflow), and why."""

    path: str
    reason: str


class LintResult(JudgedFindings):
    """Linted documents (one per policy file, several per .tf folder or ROS template).

    `extra` holds findings about files rather than documents: a .tf file that is not HCL, a
    value known only after apply; `skipped` the files that are not policies; `read` the paths
    of the files checked (what reports count as files).
    """

    kind: ClassVar[str] = "lint"

    def __init__(
        self,
        files: list[FileFindings],
        fail_on: str,
        extra: list[Finding] | None = None,
        skipped: list[SkippedFile] | None = None,
        read: set[str] | None = None,
    ) -> None:
        self.files = files
        self.fail_on = fail_on
        self.extra: list[Finding] = [] if extra is None else extra
        self.skipped: list[SkippedFile] = [] if skipped is None else skipped
        self.read: set[str] = set() if read is None else read

    def with_files(self, files: list[FileFindings]) -> LintResult:
        """The same result over other files' findings (a baseline leaves some out)."""
        return LintResult(files, self.fail_on, self.extra, self.skipped, self.read)

    @property
    def checked(self) -> int:
        """Files checked: policy files, templates and .tf files (not the documents in them)."""
        cwd = os.getcwd()  # once: os.path.abspath asks for it again for every path
        under = os.path.join(cwd, "")  # "/" itself ends in its separator already
        paths = self.read | {linted.path for linted in self.files}
        return len(
            {
                under + path if normal_relative(path) else os.path.normpath(os.path.join(cwd, path))
                for path in paths
            }
        )

    @cached_property
    def findings(self) -> list[Finding]:
        """Every finding once, in report order. Sorted when first asked (a report asks two or
        three times), so asked only of a complete result: lint_paths returns one."""
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


def lint_paths(
    paths: list[str],
    settings: LintSettings,
    cache_dir: str | None = None,
    jobs: int | None = None,
    keep_values: bool = False,
) -> LintResult:
    """Lint files, folders and globs: policies, .tf files and ROS templates.

    Excluded files are skipped unless named explicitly; policycheck.yaml files found in
    folders are configuration. A JSON or YAML file that does not look like a policy
    (load/classify.py) is skipped unless --kind or lint.kinds says what it is; a file named
    on the command line is always linted.

    Policy files and templates the cache in `cache_dir` knows (same bytes, same settings:
    lint_cache.py) are not linted again; the others are linted in `jobs` processes, this one
    among them (None: one below PARALLEL_FROM files, else one per available CPU). The result is
    the same whichever way: outcomes are put back in file order. `keep_values` keeps each
    document's parsed value (for baseline fingerprints), which the cache does not hold, so
    such a run does not use it. .tf files are read as modules, a folder at a time, and not
    cached.
    Raises PathNotFound for a path that does not exist (a usage error).
    """
    found = [f for f in find_files(paths, LINT_SUFFIXES) if not settings.skips(f)]
    result = LintResult([], settings.fail_on, extra=settings.expired_waivers())
    waivers: dict[str, tuple[CommentWaiver, ...]] = {}  # file path -> its policycheck:ignore comments
    terraform = [f.path for f in found if f.path.lower().endswith(TERRAFORM_SUFFIX)]
    policy_files = [f for f in found if not f.path.lower().endswith(TERRAFORM_SUFFIX)]
    cache = None
    if cache_dir is not None and not keep_values and len(policy_files) >= CACHE_FROM:
        from policycheck.lint_cache import LintCache

        cache = LintCache(cache_dir, settings.cache_context())
    outcomes = _outcomes(policy_files, settings, cache, jobs, keep_values)
    for item, outcome in zip(policy_files, outcomes, strict=True):
        waivers[item.path] = outcome.waivers
        if outcome.skipped is not None:
            result.skipped.append(SkippedFile(item.path, outcome.skipped))
            continue
        if outcome.template:
            result.read.add(item.path)
            result.extra.extend(settings.apply(outcome.extra, item.path))
        values = outcome.values or (None,) * len(outcome.documents)
        for findings, value in zip(outcome.documents, values, strict=True):
            result.files.append(FileFindings(item.path, settings.apply(findings, item.path), value))
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
                linted = lint_embedded(item.address, item.kind, item.document, settings, path)
                value = linted.document.value if keep_values else None
                result.files.append(FileFindings(linted.path, linted.findings, value))
    _apply_comment_waivers(result, waivers, settings)
    return result


CACHE_FROM = 50
"""Below this many policy files the cache is neither read nor written: its bookkeeping (a
stat of the installed package's files, loading hashlib) costs more than linting them."""
PARALLEL_FROM = 1000
"""Below this many files to lint, one process: starting workers and warming each one's caches
costs more than they save (a policy lints in about 0.1 ms)."""


def _outcomes(
    found: list[FoundFile],
    settings: LintSettings,
    cache: LintCache | None,
    jobs: int | None,
    keep_values: bool,
) -> list[FileOutcome]:
    """One FileOutcome per file, in order: from the cache, else linted here or by workers.

    Without a cache nothing needs a file's bytes before it is linted, so each process reads
    its own share (reading is a tenth of the work, and done here first it kept the workers
    waiting); with one, the bytes are read here for the cache key and sent to the workers.
    """
    cwd = os.getcwd()
    if cache is None:
        todo = [_read(item, cwd) if item.path == "-" else item for item in found]  # workers have no stdin
        return _lint_all(todo, (settings, keep_values, cwd), jobs)
    outcomes: list[FileOutcome | None] = []
    pending: list[tuple[int, FileToLint]] = []
    keys: dict[int, str] = {}
    for index, item in enumerate(found):
        if item.path != "-":
            known = cache.known_key(item.path, display_path(item.path, cwd), item.explicit)
            cached = cache.get(known) if known else None
            if cached is not None:  # the file is as it was when it was hashed: not read again
                outcomes.append(cached)
                continue
        todo = _read(item, cwd)
        if isinstance(todo.data, bytes):
            keys[index] = key = cache.key(item.path, todo.source, item.explicit, todo.data)
            if item.path != "-":  # standard input has no stat to trust next time
                cache.remember(item.path, todo.source, item.explicit, key)
            cached = cache.get(key)
            if cached is not None:
                outcomes.append(cached)
                continue
        outcomes.append(None)
        pending.append((index, todo))
    linted = _lint_all([todo for _, todo in pending], (settings, keep_values, cwd), jobs)
    for (index, _), outcome in zip(pending, linted, strict=True):
        outcomes[index] = outcome
        if index in keys:
            cache.put(keys[index], outcome)
    cache.save()
    return outcomes  # type: ignore[return-value]  # every None was filled above


def _read(item: FoundFile, cwd: str) -> FileToLint:
    """A found file's bytes (standard input's for "-"), and its path as findings show it."""
    if item.path == "-":
        return FileToLint(item.path, "<stdin>", item.explicit, read_stdin())
    source = display_path(item.path, cwd)
    return FileToLint(item.path, source, item.explicit, read_bytes(item.path, source=source))


def _lint_all(
    todo: list[FileToLint | FoundFile], arguments: tuple[Any, ...], jobs: int | None
) -> list[FileOutcome]:
    """lint_one of every file, in this process or shared with workers."""
    workers = _worker_count(jobs, len(todo))
    if workers > 1:
        from policycheck.lint_workers import lint_in_workers

        return lint_in_workers(lint_one, todo, arguments, workers)
    return [lint_one(item, *arguments) for item in todo]


def _worker_count(jobs: int | None, files: int) -> int:
    """--jobs N as given; by default one process for a small run, else one per available CPU."""
    if jobs is not None:
        return max(1, min(jobs, files))
    if files < PARALLEL_FROM:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, files // (PARALLEL_FROM // 2)))


def lint_one(
    todo: FileToLint | FoundFile, settings: LintSettings, keep_values: bool = False, cwd: str = "."
) -> FileOutcome:
    """Findings of one policy file or ROS template, before settings.apply and comment waivers;
    a FoundFile is read first (`cwd`: the folder paths in findings are shown relative to)."""
    if isinstance(todo, FoundFile):
        todo = _read(todo, cwd)
    data = todo.data
    if isinstance(data, Document):
        document = data
    else:
        document = load_bytes(data, todo.source, yaml=is_yaml(todo.path, data))
    if document.parsed and is_template(document.value):
        from policycheck.load.ros import read_template

        template = read_template(document)
        options = RuleOptions(accounts=settings.accounts, account=settings.account, catalog=settings.catalog)
        linted = [
            (lint_document(t.document, settings.kind or t.kind, t.address, options)[0], t.document.value)
            for t in template.documents
        ]
        return FileOutcome(
            documents=tuple(tuple(findings) for findings, _ in linted),
            extra=(*document.findings, *template.findings),
            waivers=document.waivers,
            template=True,
            values=tuple(value for _, value in linted) if keep_values else (),
        )
    declared = settings.declared_kind(todo.path)
    # a file named on the command line (or standard input) is linted: the user said so,
    # unless --force-exclude (pre-commit names every changed JSON/YAML file, package.json too)
    named = todo.explicit and not (settings.force_exclude and todo.path != "-")
    reason = None if declared or named else skip_reason(document, todo.path)
    if reason:
        return FileOutcome(waivers=document.waivers, skipped=reason)
    kind = (declared or detect_kind(document.value)) if document.parsed else "identity"
    name = os.path.splitext(os.path.basename(todo.path))[0]
    options = RuleOptions(accounts=settings.accounts, catalog=settings.catalog, account=settings.account)
    findings, _ = lint_document(document, kind, name, options)
    return FileOutcome(
        documents=(tuple(findings),),
        waivers=document.waivers,
        values=(document.value,) if keep_values else (),
    )


def apply_by_file(
    settings: LintSettings, findings: Iterable[Finding], paths: Mapping[str, str]
) -> list[Finding]:
    """Settings applied to findings of several files (a Terraform module, a plan), each by its own
    file: `paths` maps a finding's shown file to the path lint.ignore globs are matched against."""
    return [kept for f in findings for kept in settings.apply([f], paths.get(f.file, f.file))]


def _apply_comment_waivers(
    result: LintResult, waivers: dict[str, tuple[CommentWaiver, ...]], settings: LintSettings
) -> None:
    """Drop the findings `policycheck:ignore` comments waive (comment_waivers.py), once every rule ran."""
    if not any(waivers.values()):
        return
    from policycheck.comment_waivers import apply_comment_waivers  # here: JSON has no comments

    groups = [*(linted.findings for linted in result.files), result.extra]
    kept, reports = apply_comment_waivers(groups, waivers)
    result.files = [
        linted._replace(findings=findings) for linted, findings in zip(result.files, kept[:-1], strict=True)
    ]
    result.extra = kept[-1]
    for path, found in reports.items():
        result.extra.extend(settings.apply(found, path))
