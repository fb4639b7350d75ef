"""Policy files -> Policy objects ready to evaluate, refusing documents that are not valid."""

from __future__ import annotations

from policycheck.errors import UserError
from policycheck.findings import Finding
from policycheck.lint import LintedFile, LintSettings, lint_file
from policycheck.load.files import find_files
from policycheck.model import Policy, PolicyKind


class PolicyError(UserError):
    """A policy that cannot be evaluated (missing, unreadable, or breaking the grammar)."""


def error_lines(findings: list[Finding], limit: int = 5) -> tuple[str, ...]:
    """The first error findings, one line each: the details of a PolicyError or ConfigError."""
    errors = [f for f in findings if f.severity == "error"]
    lines = [f"{f.file}:{f.line}:{f.column}: {f.code} {f.message}" for f in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more")
    return tuple(lines)


def usable(linted: LintedFile, kind: PolicyKind) -> Policy:
    """The file's Policy, or PolicyError saying why it cannot be evaluated as `kind`."""
    if linted.policy is None:
        raise PolicyError(f"{linted.document.source} is not a valid policy:", error_lines(linted.findings))
    if linted.policy.kind == "trust" and kind != "trust":
        raise PolicyError(
            f"{linted.document.source} is a role trust policy (its statements name a Principal); "
            f"it cannot be used as a {kind} policy"
        )
    if linted.policy.kind == "bucket" and kind != "bucket":
        raise PolicyError(
            f"{linted.document.source} is an OSS bucket policy (its statements name a Principal and a "
            f"Resource); it cannot be used as a {kind} policy"
        )
    return linted.policy


def load_policies(paths: list[str], kind: PolicyKind) -> tuple[Policy, ...]:
    """Load files, folders or globs as policies of one kind (trust policies are detected)."""
    found = find_files(paths)
    if not found:
        raise PolicyError(f"no policy files in {' '.join(paths)}")
    settings = LintSettings(kind=None if kind == "identity" else kind)
    return tuple(usable(lint_file(f.path, settings), kind) for f in found)
