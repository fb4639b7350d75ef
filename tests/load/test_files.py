"""Finding files: folders, globs, symlink loops, hidden folders, unreadable files."""

import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policycheck.load.files import PathNotFound, display_path, find_files, matches_any, normal_relative


def test_folders_globs_and_hidden_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.json").write_text("{}")
    (tmp_path / "a" / "y.yml").write_text("{}")
    (tmp_path / "a" / "notes.txt").write_text("")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "z.json").write_text("{}")
    found = [os.path.relpath(f.path, tmp_path) for f in find_files([str(tmp_path)])]
    assert found == ["a/x.json", "a/y.yml"]
    globbed = find_files([str(tmp_path / "**" / "*.json")])
    assert [os.path.basename(f.path) for f in globbed] == ["x.json"] and not globbed[0].explicit


def test_symlink_loop_is_walked_once(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.json").write_text("{}")
    os.symlink(tmp_path / "p", tmp_path / "p" / "loop")
    found = find_files([str(tmp_path)])
    assert [os.path.basename(f.path) for f in found] == ["x.json"]


def test_missing_paths_raise(tmp_path):
    with pytest.raises(PathNotFound, match="no such file or folder"):
        find_files([str(tmp_path / "nope")])
    with pytest.raises(PathNotFound, match="no file matches"):
        find_files([str(tmp_path / "*.json")])


def test_unreadable_file_is_a_finding(write, monkeypatch):
    """Permission denied (simulated: the tests may run as root, who reads anything)."""
    from policycheck.load import load_file

    path = write("secret.json", "{}")
    real_open = os.open

    def denied(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    [finding] = load_file(str(path)).findings
    assert (finding.code, finding.message) == ("FILE_UNREADABLE", "cannot read: Permission denied")


def test_dangling_symlink_is_a_finding(cli, tmp_path):
    link = tmp_path / "gone.json"
    os.symlink(tmp_path / "missing.json", link)
    run = cli("lint", str(link), "--format", "json")
    assert run.code == 1 and run.json()["findings"][0]["code"] == "FILE_UNREADABLE"


def test_path_with_spaces_and_non_ascii(cli, write):
    path = write(
        "dossier médias/politique ice.json",
        '{"Version": "2", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*"}]}',
    )
    run = cli("lint", str(path.parent), "--format", "json")
    [finding] = run.json()["findings"]
    assert finding["file"].endswith("dossier médias/politique ice.json") and finding["code"] == "SCHEMA"


def test_fifo_is_not_read(cli, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    run = cli("lint", str(fifo), "--format", "json")
    assert run.json()["findings"][0]["code"] == "FILE_UNREADABLE"


def test_stdin(cli):
    run = cli("lint", "-", "--format", "json", stdin='{"Version": "1"}')
    [finding] = run.json()["findings"]
    assert (finding["file"], finding["code"]) == ("<stdin>", "SCHEMA")


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("policies/examples-bad/x.json", "policies/examples-bad/**", True),
        ("policies/examples-bad", "policies/examples-bad/**", True),
        ("policies/good.json", "policies/examples-bad/**", False),
        ("a/b/c.json", "**/c.json", True),
        ("c.json", "**/c.json", True),
    ],
)
def test_glob_matching(path, pattern, expected):
    assert matches_any(path, (pattern,)) is expected


@settings(max_examples=500, deadline=None)
@given(
    parts=st.lists(
        st.sampled_from(["a", "b.json", ".", "..", "", "..x", "/", "c d", "work", "repo", "repox"]),
        max_size=6,
    ),
    absolute=st.booleans(),
)
@example(parts=["work", "repo", "a", "b.json"], absolute=True)
@example(parts=["work", "repo"], absolute=True)
@example(parts=["work", "repox", "b.json"], absolute=True)
@example(parts=["work", "repo", "..", "repo", "b.json"], absolute=True)
def test_display_path_as_relpath_gives_it(parts, absolute):
    """The shortcuts for paths already relative (a walk's) and for absolute ones under the cwd give
    what relpath from the cwd does."""
    cwd = "/work/repo"
    path = ("/" if absolute else "") + "/".join(parts)
    expected = os.path.relpath(os.path.normpath(os.path.join(cwd, path)), cwd)
    assert display_path(path, cwd) == (path if expected.startswith("..") else expected)


@settings(max_examples=1000, deadline=None)
@given(path=st.text(alphabet="a./", max_size=12))
@example(path="..x/a")
@example(path="a/..")
def test_normal_relative_is_what_normpath_leaves_alone_under_the_cwd(path):
    """normpath's own answer, for a path below the working directory (not it, nor above it)."""
    expected = (
        not os.path.isabs(path) and os.path.normpath(path) == path and path.split("/")[0] not in (".", "..")
    )
    assert normal_relative(path) is expected


@pytest.mark.parametrize("from_root", [False, True], ids=["below", "from /"])
def test_a_file_named_two_ways_is_checked_once(tmp_path, monkeypatch, from_root):
    """LintResult.checked counts files, not spellings: a path relative to the working directory
    and the same file's absolute path are one file, from `/` (whose path ends in its separator)
    as from any folder."""
    from policycheck.lint import LintSettings, lint_paths

    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ice:*", "Resource": "*"}]}'
    )
    cwd = "/" if from_root else str(tmp_path)
    monkeypatch.chdir(cwd)
    relative = os.path.relpath(policy, cwd)
    result = lint_paths([relative, str(policy)], LintSettings(root=cwd))
    assert len(result.files) == 2 and result.checked == 1
