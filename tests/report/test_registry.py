"""The formatter registry: every format is one module, and the commands' --format choices are
whatever the modules say they render."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from policycheck import report
from policycheck.cli import main
from tests.conftest import REPO

FORMATS = {
    "lint": ("text", "github", "json", "sarif"),
    "explain": ("text", "json"),
    "check": ("text", "github", "json", "junit", "sarif"),
    "probe": ("text", "json"),
    "audit": ("text", "github", "json", "sarif"),
    "diff": ("text", "github", "json", "markdown", "sarif"),
}


@pytest.mark.parametrize(("kind", "formats"), sorted(FORMATS.items()))
def test_each_kind_of_result_has_its_formats_text_first(kind, formats):
    assert report.formats(kind) == formats


def test_the_formats_are_the_as_modules():
    assert report.names() == ("github", "json", "junit", "markdown", "sarif", "text")


def test_lint_imports_only_the_format_it_writes():
    """The registry imports a format when it is used: lint pays for text alone."""
    code = (
        "import sys\n"
        "from policycheck.cli import main\n"
        "main(['lint', 'policies/ice-iproduction-query.json'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('policycheck.report.as_')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "['policycheck.report.as_text']", done.stderr


@pytest.fixture
def csv_format(tmp_path, monkeypatch):
    """A new output format, added the way a contributor would: one module named as_<format>."""
    (tmp_path / "as_csv.py").write_text(
        "def lint_report(result, color=False):\n"
        '    return "".join(f"{f.file},{f.line},{f.code}\\n" for f in result.findings)\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(report, "__path__", [*report.__path__, str(tmp_path)])
    report.names.cache_clear()
    yield
    report.names.cache_clear()


def test_a_new_format_is_one_module(csv_format, capsys):
    assert report.formats("lint") == ("text", "csv", "github", "json", "sarif")
    assert "csv" not in report.formats("explain")
    code = main(["lint", "policies/examples-bad/resource-scoped-ice.json", "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("policies/examples-bad/resource-scoped-ice.json,")


def test_a_format_a_command_cannot_use_is_refused(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["explain", "policies/ice-operator.json", "--action", "ice:GetTemplate", "--format", "sarif"])
    assert stopped.value.code == 2
    assert "invalid choice: 'sarif'" in capsys.readouterr().err


def test_near_misses_reach_json_too(capsys):
    """The statements that did not apply are evaluate's data, so every format can show them."""
    scoped = "policies/examples-bad/resource-scoped-ice.json"
    main(["explain", scoped, "--action", "ice:QueryIProductionJob", "--format", "json"])
    missed = json.loads(capsys.readouterr().out)["did_not_apply"]
    assert missed == [
        {
            "file": scoped,
            "statement": 0,
            "line": 4,
            "effect": "Allow",
            "layer": "identity",
            "resource_matched": False,
            "resource_depends_on_scope": False,
            "failed_conditions": [],
        }
    ]
