"""policycheck.yaml: find it, validate it against its schema, and read its lint settings.

lint: becomes LintSettings; every problem is a ConfigError pointing at its line. The check
sections (policies, principals, expect, probe) are read by policycheck.expect.spec, only for the
commands that use them, so `lint` neither fails on them nor imports their classes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

from policycheck import DOCS_URL
from policycheck.errors import UserError
from policycheck.findings import code_table
from policycheck.lint import CONFIG_NAME, IgnoreRule, LintSettings
from policycheck.load import load_file
from policycheck.load.document import Document
from policycheck.schema import validate

if TYPE_CHECKING:
    from datetime import date

    from policycheck.catalog import CatalogExtension

MAX_CONFIG_BYTES = 16 << 20
"""16 MiB: a config lists principals and expectations, far more text than one policy
(whose 1 MiB cap, load.MAX_POLICY_BYTES, is not for this file)."""


class ConfigError(UserError):
    """A config file problem, worded as one line: `file:line:column: what is wrong`."""


class Config(NamedTuple):
    """The parsed configuration; `path` is None when there is no config file."""

    path: str | None = None
    lint: LintSettings = LintSettings()
    document: Document | None = None
    system_policies: str | None = None
    """The team's System policy folder (`system_policies:`), as an absolute path."""

    @property
    def root(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()


def find_config(explicit: str | None) -> str | None:
    """--config FILE, else the nearest policycheck.yaml: in the working directory or a parent,
    as git and ruff find theirs, else none.

    The search stops at the top of the repository (a folder holding `.git`) and at the
    filesystem root: a policycheck.yaml above the repository belongs to something else. The
    path is relative to the working directory (`../policycheck.yaml`), as messages show it.
    """
    if explicit is not None:
        return explicit
    here = os.getcwd()
    folder = here
    while True:
        candidate = os.path.join(folder, CONFIG_NAME)
        if os.path.isfile(candidate):
            return os.path.relpath(candidate, here)
        parent = os.path.dirname(folder)
        if parent == folder or os.path.exists(os.path.join(folder, ".git")):
            return None
        folder = parent


def _fail(document: Document, message: str, path: tuple = ()) -> ConfigError:
    line, column = document.locate(path)
    return ConfigError(f"{document.source}:{line}:{column}: {message}")


def _check_codes(document: Document, codes: list[str], path: tuple) -> None:
    known = code_table()
    for index, code in enumerate(codes):
        if code not in known:
            raise _fail(
                document, f"unknown finding code {code}; see {DOCS_URL}/docs/rules.md", (*path, index)
            )


def _expiry(document: Document, rule: dict[str, Any], path: tuple, today: date) -> tuple[str | None, bool]:
    """(expires, expired): a waiver lasts through its expires date and lapses the day after."""
    expires = rule.get("expires")
    if expires is None:
        return None, False
    from datetime import date

    try:
        day = date.fromisoformat(expires)
    except ValueError:
        raise _fail(document, f"expires: {expires} is not a date (YYYY-MM-DD)", (*path, "expires")) from None
    return expires, day < today


def _lint_settings(
    document: Document,
    section: dict[str, Any],
    root: str,
    catalog: dict[str, Any],
    today: date | None = None,
    account: str | None = None,
) -> LintSettings:
    if today is None:
        from datetime import date  # here: only a config's lint section needs it (start-up)

        today = date.today()
    ignore = []
    for index, rule in enumerate(section.get("ignore", [])):
        path = ("lint", "ignore", index)
        _check_codes(document, rule.get("codes", []), (*path, "codes"))
        expires, expired = _expiry(document, rule, path, today)
        ignore.append(
            IgnoreRule(
                tuple(rule.get("codes", ())),
                tuple(rule.get("paths", ())),
                rule["reason"],
                expires=expires,
                owner=rule.get("owner"),
                expired=expired,
                where=(document.source, *document.locate(path)),
            )
        )
    severity = section.get("severity", {})
    for code in severity:
        if code not in code_table():
            raise _fail(
                document,
                f"unknown finding code {code}; see {DOCS_URL}/docs/rules.md",
                ("lint", "severity", code),
            )
    return LintSettings(
        fail_on=section.get("fail_on", "warning"),
        exclude=tuple(section.get("exclude", ())),
        ignore=tuple(ignore),
        severity=dict(severity),
        kinds=tuple(section.get("kinds", {}).items()),
        root=root,
        accounts=tuple(section.get("accounts", ())),
        account=account,
        catalog=_catalog_extension(catalog),
    )


def _blank(document: Document, path: str) -> bool:
    """An empty (or whitespace-only) config file, which means the defaults.

    A file that could not be read at all (too large, not UTF-8, a folder) also has no text,
    but not the whole file's worth of it: that is an error, never an empty config.
    """
    if document.parsed or document.text.strip() or not os.path.isfile(path):
        return False
    return os.path.getsize(path) == len(document.text.encode("utf-8"))


def _catalog_extension(section: dict[str, Any]) -> CatalogExtension | None:
    """The `catalog:` section as the rules take it; None when it adds nothing."""
    if not section:
        return None
    from policycheck.catalog import CatalogExtension  # here: a config without one needs no catalog

    return CatalogExtension.of(tuple(section.get("actions", ())), tuple(section.get("condition_keys", ())))


def load_config(explicit: str | None = None) -> Config:
    """Read and validate the config; raises ConfigError with file:line on any problem."""
    path = find_config(explicit)
    if path is None:
        return Config(lint=LintSettings(root=os.getcwd()))
    if not os.path.exists(path):
        raise ConfigError(f"{path}: no such config file")
    document = load_file(path, max_bytes=MAX_CONFIG_BYTES, source=path)
    if _blank(document, path):
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
        lint=_lint_settings(
            document,
            value.get("lint", {}),
            root,
            value.get("catalog", {}),
            account=account_text(value.get("account")),
        ),
        document=document,
        system_policies=os.path.join(root, system_policies) if system_policies else None,
    )


def account_text(value: str | int | None) -> str | None:
    """An account id as text: YAML reads unquoted digits as a number (leading zeros are lost)."""
    return None if value is None else str(value)
