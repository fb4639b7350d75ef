"""Write docs/rules.md from the finding code table: `python tools/render_rules_doc.py`."""

from pathlib import Path

from policycheck.report.as_markdown import rules_reference

if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    target.write_text(rules_reference(), encoding="utf-8")
    print(f"wrote {target}")
