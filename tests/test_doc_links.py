"""Every link in README.md and docs/*.md resolves: relative links to a file of the repository
(and a heading in it), and the links policycheck prints (DOCS_URL, for an installed copy, which
has no docs folder) to a file and heading that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policycheck import DOCS_URL
from tests.conftest import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|^\[[^\]]+\]:\s*(\S+)", re.M)
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation but - and _ dropped, spaces to -."""
    found: set[str] = set()
    for heading in re.findall(r"^#+\s+(.*?)\s*$", FENCE.sub("", path.read_text(encoding="utf-8")), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        unique, count = slug, 0
        while unique in found:
            count += 1
            unique = f"{slug}-{count}"
        found.add(unique)
    return found


def problem(target: str, base: Path) -> str | None:
    """Why a link does not resolve, or None."""
    path, _, anchor = target.partition("#")
    file = (base.parent / path).resolve() if path else base
    if not file.exists():
        return f"{target}: no such file"
    if REPO.resolve() not in file.parents and file != REPO.resolve():
        return f"{target}: outside the repository"
    if anchor and file.suffix == ".md" and anchor not in anchors(file):
        return f"{target}: no heading #{anchor} in {file.relative_to(REPO.resolve())}"
    return None


def relative_links(document: Path) -> list[str]:
    text = FENCE.sub("", document.read_text(encoding="utf-8"))
    targets = [a or b for a, b in LINK.findall(text)]
    return [t for t in targets if not re.match(r"[a-z][a-z+.-]*:", t)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_relative_link_resolves(document):
    links = relative_links(document)
    assert [p for link in links if (p := problem(link, document))] == []


def test_the_readme_has_links_to_check():
    assert len(relative_links(REPO / "README.md")) >= 10


def test_links_policycheck_prints_point_at_files_and_headings_that_exist():
    """Installed, policycheck has no docs/ folder: it prints DOCS_URL links to the repository."""
    printed = set()
    for source in (REPO / "policycheck").rglob("*.py"):
        printed |= set(re.findall(r"\{DOCS_URL\}/([^\s\"')`]+)", source.read_text(encoding="utf-8")))
    assert printed, "no DOCS_URL link found"
    assert sorted(p for target in printed if (p := problem(target, REPO / "README.md"))) == []
    assert DOCS_URL.startswith("https://")


def test_a_broken_link_is_caught(tmp_path):
    assert problem("docs/no-such.md", REPO / "README.md") == "docs/no-such.md: no such file"
    assert "no heading" in problem("docs/rules.md#no-such-heading", REPO / "README.md")
    assert problem("docs/rules.md", REPO / "README.md") is None
