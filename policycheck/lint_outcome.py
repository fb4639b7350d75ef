"""What linting one policy file takes in and gives out: the units lint_paths hands to worker
processes (lint_workers.py) and keeps between runs (lint_cache.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from policycheck.findings import Finding
from policycheck.load.document import Document

if TYPE_CHECKING:
    from policycheck.load.waivers import CommentWaiver


class FileToLint(NamedTuple):
    """A policy file read: its bytes (or the Document saying why it could not be read), and
    its path as findings show it."""

    path: str
    source: str
    explicit: bool
    data: bytes | Document


class FileOutcome(NamedTuple):
    """What linting one policy file or ROS template found, before the user's settings apply.

    The unit the cache stores (lint_cache.py) and a worker process returns: findings per
    document (one for a policy file, one per policy in a template), a template's findings
    about the file itself, its `policycheck:ignore` comments, or why it was skipped.
    """

    documents: tuple[tuple[Finding, ...], ...] = ()
    extra: tuple[Finding, ...] = ()
    waivers: tuple[CommentWaiver, ...] = ()
    skipped: str | None = None
    template: bool = False
    values: tuple[Any, ...] = ()
    """The parsed value of each document, only when lint_paths is asked to keep them."""
