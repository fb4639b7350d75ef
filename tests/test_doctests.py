"""Every module's docstring examples run: pytest collects policycheck/ with --doctest-modules."""

from __future__ import annotations

import doctest
import importlib

from tests.conftest import REPO


def test_pytest_runs_the_doctests_of_the_package(pytestconfig):
    assert "--doctest-modules" in pytestconfig.getini("addopts")
    assert "policycheck" in pytestconfig.getini("testpaths")


def test_every_example_written_is_one_doctest_finds():
    """A `>>>` that doctest does not see (in a comment, a string not a docstring) never runs."""
    for path in sorted((REPO / "policycheck").rglob("*.py")):
        written = path.read_text(encoding="utf-8").count(">>> ")
        if not written:
            continue
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        found = sum(len(test.examples) for test in doctest.DocTestFinder().find(module))
        assert found >= written, (name, found, written)
