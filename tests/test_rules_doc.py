"""docs/rules.md lists every code, and is the rendering of the code table as it is now."""

from policycheck.findings import code_table
from tests.conftest import REPO
from tools.render_rules_doc import rules_reference


def test_rules_doc_is_up_to_date():
    on_disk = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert on_disk == rules_reference(), "run: python tools/render_rules_doc.py"


def test_every_code_has_severity_example_and_fix():
    doc = rules_reference()
    for code, info in code_table().items():
        assert f"## {code}\n" in doc
        assert info.example.strip() and info.fix.strip() and info.help.strip()
        assert info.severity in ("error", "security_warning", "warning", "suggestion", "info")
