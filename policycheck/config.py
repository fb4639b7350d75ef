"""policycheck.yaml: find it, validate it against its schema, and turn it into settings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from policycheck.findings import code_table
from policycheck.lint import CONFIG_NAME, IgnoreRule, LintSettings
from policycheck.load import load_file
from policycheck.load.document import Document
from policycheck.schema import validate


class ConfigError(Exception):
    """A config file problem, worded as one line: `file:line:column: what is wrong`."""


@dataclass(frozen=True)
class Config:
    """The parsed configuration; `path` is None when there is no config file."""

    path: str | None = None
    lint: LintSettings = field(default_factory=LintSettings)
    document: Document | None = None
    system_policies: str | None = None
    """The team's System policy folder (`system_policies:`), as an absolute path."""

    @property
    def root(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()


def find_config(explicit: str | None) -> str | None:
    """--config FILE, else policycheck.yaml in the working directory, else none."""
    if explicit is not None:
        return explicit
    return CONFIG_NAME if os.path.isfile(CONFIG_NAME) else None


def _fail(document: Document, message: str, path: tuple = ()) -> ConfigError:
    line, column = document.locate(path)
    return ConfigError(f"{document.source}:{line}:{column}: {message}")


def _check_codes(document: Document, codes: list[str], path: tuple) -> None:
    known = code_table()
    for index, code in enumerate(codes):
        if code not in known:
            raise _fail(document, f"unknown finding code {code}; see docs/rules.md", (*path, index))


def _lint_settings(document: Document, section: dict[str, Any], root: str) -> LintSettings:
    ignore = []
    for index, rule in enumerate(section.get("ignore", [])):
        _check_codes(document, rule.get("codes", []), ("lint", "ignore", index, "codes"))
        ignore.append(IgnoreRule(tuple(rule.get("codes", ())), tuple(rule.get("paths", ())), rule["reason"]))
    severity = section.get("severity", {})
    for code in severity:
        if code not in code_table():
            raise _fail(
                document, f"unknown finding code {code}; see docs/rules.md", ("lint", "severity", code)
            )
    return LintSettings(
        fail_on=section.get("fail_on", "warning"),
        exclude=tuple(section.get("exclude", ())),
        ignore=tuple(ignore),
        severity=dict(severity),
        kinds=tuple(section.get("kinds", {}).items()),
        root=root,
        accounts=tuple(section.get("accounts", ())),
    )


def load_config(explicit: str | None = None) -> Config:
    """Read and validate the config; raises ConfigError with file:line on any problem."""
    path = find_config(explicit)
    if path is None:
        return Config(lint=LintSettings(root=os.getcwd()))
    if not os.path.exists(path):
        raise ConfigError(f"{path}: no such config file")
    document = load_file(path, source=path)
    if document.parsed is False and not document.text.strip() and os.path.isfile(path):
        return Config(path=path, lint=LintSettings(root=os.path.dirname(os.path.abspath(path))))
    if document.findings and not document.parsed:
        first = document.findings[0]
        raise ConfigError(f"{path}:{first.line}:{first.column}: {first.message}")
    duplicates = [f for f in document.findings if f.code == "DUPLICATE_KEY"]
    if duplicates:
        raise ConfigError(f"{path}:{duplicates[0].line}:{duplicates[0].column}: {duplicates[0].message}")
    value = {} if document.value is None else document.value
    document.value = value
    problems = validate(document, "policycheck.schema.json")
    if problems:
        raise ConfigError(f"{path}:{problems[0].line}:{problems[0].column}: {problems[0].message}")
    root = os.path.dirname(os.path.abspath(path))
    system_policies = value.get("system_policies")
    return Config(
        path=path,
        lint=_lint_settings(document, value.get("lint", {}), root),
        document=document,
        system_policies=os.path.join(root, system_policies) if system_policies else None,
    )
