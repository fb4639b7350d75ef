"""Files as they are at a git revision, read from the object store: no checkout, no work-tree change.

`policycheck diff --base REF` compares the policies of a revision with the working tree. The
revision's files under one folder are listed (`git ls-tree`) and read in one process
(`git cat-file --batch`, what `git show REF:path` reads) into a private temporary folder, so
every loader (policycheck.yaml, policy files, Terraform) reads them as it reads the working tree.
Every git call has a timeout; a failure is one line (GitError), never a traceback.
"""

from __future__ import annotations

import os
import subprocess

from policycheck.errors import UserError

GIT_TIMEOUT = 60.0
"""Seconds any one git call may take (listing or reading a revision's files)."""

_BLOB, _LINK = "blob", "120000"


class GitError(UserError):
    """git is missing, the folder is not in a repository, or the revision does not exist."""


def _git(args: list[str], cwd: str, timeout: float, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH): --base needs it") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:g} s; giving up") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {reason[-1] if reason else f'exit {done.returncode}'}")
    return done.stdout


def repository_top(folder: str, timeout: float = GIT_TIMEOUT) -> str:
    """The top of the work tree that holds `folder`."""
    return _git(["rev-parse", "--show-toplevel"], folder, timeout).decode("utf-8", "surrogateescape").strip()


def resolve_revision(top: str, revision: str, timeout: float = GIT_TIMEOUT) -> str:
    """The commit `revision` names (a branch, tag, `HEAD~1`, a hash), or GitError saying it is unknown."""
    if revision.startswith("-"):
        raise GitError(f"--base {revision!r}: a revision cannot start with '-'")
    try:
        found = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], top, timeout)
    except GitError:
        raise GitError(f"--base {revision!r}: no such commit, branch or tag in {top}") from None
    return found.decode("ascii").strip()


def export_tree(
    top: str,
    commit: str,
    folder: str,
    destination: str,
    suffixes: tuple[str, ...] = (),
    timeout: float = GIT_TIMEOUT,
) -> int:
    """Write the files under `folder` (relative to `top`, "" for all) at `commit` into
    `destination`, keeping their relative paths; returns how many. Only names ending in one of
    `suffixes` (any case; all when empty) are read: a repository's other files are never copied.
    Links and submodules are skipped."""
    wanted = tuple(s.lower().encode() for s in suffixes)
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", folder or "."], top, timeout)
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, object_id = meta.split(b" ")
        if (
            kind.decode() == _BLOB
            and mode.decode() != _LINK
            and (not wanted or path.lower().endswith(wanted))
        ):
            entries.append((object_id, path))
    if not entries:
        return 0
    batch = _git(["cat-file", "--batch"], top, timeout, b"".join(oid + b"\n" for oid, _ in entries))
    position = 0
    for _, path in entries:
        header_end = batch.index(b"\n", position)
        size = int(batch[position:header_end].split(b" ")[2])
        content = batch[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1  # the content is followed by a newline
        target = os.path.join(destination, os.fsdecode(path))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as stream:
            stream.write(content)
    return len(entries)
