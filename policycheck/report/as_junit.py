"""JUnit XML for `policycheck check`, so CI systems show each expectation as a test case."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from policycheck.findings import at_or_above

if TYPE_CHECKING:
    from policycheck.expect.check import CheckResult
    from policycheck.expect.live import CheckOutcome


def _name(result: CheckResult) -> str:
    e = result.expectation
    verb = "may" if e.effect == "allow" else "must not"
    context = "".join(f" {k}={'|'.join(v)}" for k, v in sorted((e.context or {}).items()))
    return f"{verb} {result.action} on {result.resource}{context}"


def _suite(parent: ElementTree.Element, name: str, cases: int, failures: int) -> ElementTree.Element:
    return ElementTree.SubElement(
        parent, "testsuite", name=name, tests=str(cases), failures=str(failures), errors="0", skipped="0"
    )


def check_report(outcome: CheckOutcome, color: bool = False) -> str:
    report = outcome.report
    config = report.spec.config.path or "policycheck.yaml"
    root = ElementTree.Element("testsuites", name="policycheck check")
    total = failed = 0
    ordered = sorted(report.results, key=lambda r: r.expectation.principal)
    for principal, group in groupby(ordered, key=lambda r: r.expectation.principal):
        results = list(group)
        failures = sum(not r.passed for r in results)
        suite = _suite(root, principal, len(results), failures)
        for result in results:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=principal,
                name=_name(result),
                file=config,
                line=str(result.expectation.line),
            )
            if not result.passed:
                failure = ElementTree.SubElement(case, "failure", message=result.reason, type=result.status)
                failure.text = f"{result.status}: {result.reason}"
            elif result.status != "holds":
                ElementTree.SubElement(
                    case, "system-out"
                ).text = f"{result.status} (accepted): {result.reason}"
        total += len(results)
        failed += failures
    if outcome.live:
        failures = sum(not check.passed for check in outcome.live)
        suite = _suite(root, "probe", len(outcome.live), failures)
        for check in outcome.live:
            case = ElementTree.SubElement(
                suite, "testcase", classname="probe", name=f"{check.principal} {check.action}"
            )
            if not check.passed:
                ElementTree.SubElement(
                    case, "failure", message=check.reason, type=check.status
                ).text = check.reason
        total += len(outcome.live)
        failed += failures
    by_file = groupby(sorted(report.findings, key=lambda f: f.file), key=lambda f: f.file)
    lint_cases = [(file, list(findings)) for file, findings in by_file]
    lint_failures = sum(
        any(at_or_above(f.severity, report.fail_on) for f in found) for _, found in lint_cases
    )
    suite = _suite(root, "lint", max(len(lint_cases), 1), lint_failures)
    if not lint_cases:
        ElementTree.SubElement(suite, "testcase", classname="lint", name=f"{report.documents} documents")
    for file, found in lint_cases:
        case = ElementTree.SubElement(suite, "testcase", classname="lint", name=file, file=file)
        text = "\n".join(f"{f.file}:{f.line}:{f.column}: {f.severity} {f.code} {f.message}" for f in found)
        if any(at_or_above(f.severity, report.fail_on) for f in found):
            ElementTree.SubElement(
                case, "failure", message=f"{len(found)} lint findings", type="lint"
            ).text = text
        else:
            ElementTree.SubElement(case, "system-out").text = text
    root.set("tests", str(total + max(len(lint_cases), 1)))
    root.set("failures", str(failed + lint_failures))
    root.set("errors", "0")
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
