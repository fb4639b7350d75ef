"""Write docs/rules.md from the finding code table: `python tools/render_rules_doc.py`.

The rule reference is documentation rendered from policycheck/data/codes.json, so docs and code
agree; tests/test_rules_doc.py fails when docs/rules.md is out of date.
"""

from pathlib import Path

from policycheck.findings import SEVERITIES, code_table

HEADER = """\
# Rule reference

Every finding policycheck reports has a code from this list. Codes are a contract: scripts,
`lint.ignore` and `lint.severity` in policycheck.yaml, and SARIF rule ids use them, and they do
not change meaning between versions. Severities, from most to least serious: error,
security_warning, warning, suggestion, info; `--fail-on` (default warning) sets which fail a run.

This file is generated from `policycheck/data/codes.json` by `python tools/render_rules_doc.py`;
a test fails when it is out of date.
"""


def rules_reference() -> str:
    table = code_table()
    by_severity = sorted(table.values(), key=lambda info: (-SEVERITIES.index(info.severity), info.code))
    lines = [HEADER, "| Code | Severity | What it means |", "|---|---|---|"]
    lines += [f"| [`{i.code}`](#{i.code.lower()}) | {i.severity} | {i.title} |" for i in by_severity]
    for info in by_severity:
        lines += [
            "",
            f"## {info.code}",
            "",
            f"**{info.severity}**: {info.title}.",
            "",
            info.help,
            "",
            "Example:",
            "",
            "```json",
            info.example,
            "```",
            "",
            f"Fix: {info.fix}",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    target.write_text(rules_reference(), encoding="utf-8")
    print(f"wrote {target}")
