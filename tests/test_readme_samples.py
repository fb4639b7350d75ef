"""The README's command samples are real output (tools/readme_samples.py writes them)."""

from __future__ import annotations

import difflib
import importlib.util
import sys

from tests.conftest import REPO

spec = importlib.util.spec_from_file_location("readme_samples", REPO / "tools" / "readme_samples.py")
readme_samples = sys.modules.setdefault("readme_samples", importlib.util.module_from_spec(spec))
spec.loader.exec_module(readme_samples)

KEPT_AS_WRITTEN = {
    "policycheck lint buckets/media-public.json",
    "policycheck lint . --verbose",
    "policycheck check --probe --endpoint http://127.0.0.1:8765",
    "policycheck catalog refresh-system-policies sp/ --endpoint http://127.0.0.1:8765   # demo world, auditor's keys",
    "policycheck lint typo.json",
    "policycheck diff --base HEAD",  # regenerated in a temporary repository by tests/cli/test_diff_cli.py
}
"""The samples that cannot run from the repository (the emulator, the reader's own files), each
marked in the README with why; a new sample is generated unless it is added here too."""


def test_every_generated_sample_is_what_the_command_prints():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    fresh = readme_samples.regenerate(text)
    diff = "".join(difflib.unified_diff(text.splitlines(True), fresh.splitlines(True), "README.md", "real"))
    assert fresh == text, (
        f"README samples differ from real output; run python tools/readme_samples.py\n{diff}"
    )


def test_only_the_samples_that_cannot_run_here_are_kept_as_written():
    found = readme_samples.samples((REPO / "README.md").read_text(encoding="utf-8"))
    kept = {command for sample in found if not sample.generated for command in sample.commands}
    assert kept == KEPT_AS_WRITTEN
    assert sum(sample.generated for sample in found) >= 6


def test_a_sample_that_drifted_is_caught():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    drifted = text.replace(
        "14 checks of 14 expectations: 14 hold", "13 checks of 14 expectations: 13 hold", 1
    )
    assert drifted != text and readme_samples.regenerate(drifted) == text


def test_a_command_continued_over_lines_is_one_command():
    body = "$ policycheck explain a.json \\\n      --action ice:X\nDENY\n\n$ policycheck lint b.json\n"
    assert readme_samples.commands(body) == (
        "policycheck explain a.json  --action ice:X",
        "policycheck lint b.json",
    )
