"""Files at a git revision, read from the object store into a folder: no checkout."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from policycheck.load.git import GitError, export_tree, repository_top, resolve_revision
from tests.conftest import git

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "infra" / "policies").mkdir(parents=True)
    (root / "infra" / "policies" / "a.json").write_text('{"old": true}\n')
    (root / "infra" / "main.TF").write_text("# terraform\n")
    (root / "infra" / "notes.md").write_text("not a policy\n")
    (root / "elsewhere.json").write_text("{}\n")
    os.symlink("policies/a.json", root / "infra" / "link.json")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "infra" / "policies" / "a.json").write_text('{"new": true}\n')
    return root


def test_the_revision_s_files_under_a_folder_with_the_wanted_suffixes(repo, tmp_path):
    out = tmp_path / "out"
    commit = resolve_revision(str(repo), "HEAD")
    written = export_tree(str(repo), commit, "infra", str(out), suffixes=(".json", ".tf"))
    assert written == 2
    assert (out / "infra" / "policies" / "a.json").read_text() == '{"old": true}\n'
    assert (out / "infra" / "main.TF").exists()  # suffixes match in any case
    assert not (out / "infra" / "notes.md").exists() and not (out / "elsewhere.json").exists()
    assert not (out / "infra" / "link.json").exists()  # a link is not followed
    assert (repo / "infra" / "policies" / "a.json").read_text() == '{"new": true}\n'  # no checkout


def test_the_top_and_an_unknown_revision(repo):
    assert os.path.realpath(repository_top(str(repo / "infra"))) == os.path.realpath(repo)
    with pytest.raises(GitError, match="no such commit"):
        resolve_revision(str(repo), "no-such-branch")
    with pytest.raises(GitError, match="cannot start with"):
        resolve_revision(str(repo), "--output=/tmp/x")


def test_outside_a_repository_is_one_line(tmp_path):
    with pytest.raises(GitError, match="git rev-parse failed"):
        repository_top(str(tmp_path))
