"""Baselines: the findings a team accepted when it adopted policycheck, so a run fails only on new ones.

A finding is matched by its file, code, JSON path and a hash of the element it points at, never
by line: an edit above a finding moves its line, not its element. Matching counts: two accepted
findings with one fingerprint cover two, and a third is new. Pure: the CLI reads and writes the
file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from policycheck.findings import Finding

BASELINE_VERSION = 1
NEVER_BASELINED = frozenset({"WAIVER_EXPIRED"})
"""An expired waiver is a promise to revisit; a baseline must not silence it for good."""

_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


@dataclass(frozen=True, order=True, slots=True)
class Fingerprint:
    file: str
    code: str
    path: str
    element: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "code": self.code, "path": self.path, "element": self.element}


def element_at(value: Any, path: str) -> Any:
    """The element a finding's JSON path names, or its nearest existing ancestor.

    >>> element_at({"Statement": [{"Action": ["a", "b"]}]}, "Statement[0].Action[1]")
    'b'
    >>> element_at({"Statement": [{"Condition": {"StringEquals": {"k.x": "v"}}}]},
    ...            "Statement[0].Condition.StringEquals.k.x")
    'v'
    >>> element_at({"Statement": []}, "Statement[3].Effect")
    []
    """
    rest = path
    while rest:
        if isinstance(value, list):
            step = _STEP.match(rest)
            if not step or step.group(1) is None or int(step.group(1)) >= len(value):
                return value
            value, rest = value[int(step.group(1))], rest[step.end() :]
        elif isinstance(value, dict):
            name = rest[1:] if rest.startswith(".") else rest
            # Keys may hold dots (condition keys): take the longest key the path continues with.
            keys = [k for k in value if name.startswith(k) and name[len(k) : len(k) + 1] in ("", ".", "[")]
            if not keys:
                return value
            key = max(keys, key=len)
            value, rest = value[key], name[len(key) :]
        else:
            return value
    return value


def element_hash(element: Any) -> str:
    """A short, stable hash of an element's content (keys sorted, whitespace ignored)."""
    text = json.dumps(element, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fingerprint(finding: Finding, file: str, document_value: Any) -> Fingerprint:
    return Fingerprint(
        file, finding.code, finding.path, element_hash(element_at(document_value, finding.path))
    )


def baseline_document(fingerprints: Iterable[Fingerprint]) -> str:
    """The baseline file's text: sorted, so it diffs well and the same findings give the same bytes."""
    entries = [f.as_dict() for f in sorted(fingerprints)]
    return json.dumps({"version": BASELINE_VERSION, "findings": entries}, indent=2, ensure_ascii=False) + "\n"


class BaselineError(ValueError):
    """The baseline file is not one policycheck wrote."""


def read_baseline(text: str) -> Counter[Fingerprint]:
    try:
        raw = json.loads(text)
        if raw.get("version") != BASELINE_VERSION:
            raise BaselineError(f"version {raw.get('version')!s} is not {BASELINE_VERSION}")
        return Counter(
            Fingerprint(entry["file"], entry["code"], entry["path"], entry["element"])
            for entry in raw["findings"]
        )
    except (ValueError, AttributeError, KeyError, TypeError) as problem:
        raise BaselineError(
            str(problem) if isinstance(problem, BaselineError) else "not a policycheck baseline"
        ) from None


def split_new(
    keyed: Iterable[tuple[Finding, Fingerprint]], accepted: Counter[Fingerprint]
) -> tuple[list[Finding], int]:
    """(the findings the baseline does not cover, how many it covered).

    Two passes: first file, code, path and element exactly; then, for what is left, file, code
    and element at any path, so a statement inserted above (Statement[0] becoming Statement[1])
    does not turn the accepted findings below it into new ones.
    """
    keyed = list(keyed)
    left = Counter(accepted)
    matched: set[int] = set()
    for index, (finding, key) in enumerate(keyed):
        if finding.code not in NEVER_BASELINED and left[key] > 0:
            left[key] -= 1
            matched.add(index)
    moved = Counter((k.file, k.code, k.element) for k, n in left.items() for _ in range(n))
    for index, (finding, key) in enumerate(keyed):
        loose = (key.file, key.code, key.element)
        if index not in matched and finding.code not in NEVER_BASELINED and moved[loose] > 0:
            moved[loose] -= 1
            matched.add(index)
    new = [finding for index, (finding, _) in enumerate(keyed) if index not in matched]
    return new, len(matched)
