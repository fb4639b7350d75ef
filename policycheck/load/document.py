"""A loaded file: its parsed value, the findings of loading it, and where each element sits."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from policycheck.findings import Finding, default_severity
from policycheck.model import JsonPath, format_path

if TYPE_CHECKING:  # read only from YAML and .tf comments: a JSON-only run never imports it
    from policycheck.load.waivers import CommentWaiver

Positions = dict[JsonPath, int]
"""JSON path -> character offset in the text; for object members, the offset of the key."""

_COUNT_LIMIT = 16384
"""Texts up to this size are not indexed by line: two C-level scans per position are cheaper."""

MAX_DEPTH = 32
"""Deeper than any policy needs (a policy nests 6 levels); bounds parsers' stacks too."""


class Document:
    """One file (or one document embedded in another file) after loading.

    `parsed` is false when the file could not be read as data; `findings` then says why.
    Positions are found on first use: most documents have no finding at all. A loader gives
    either `index_positions` (every position at once, with the nesting depth) or
    `find_offset` (one path at a time, for JSON). `waivers` are the `policycheck:ignore`
    comments in the text, applied by lint after the rules ran.
    """

    __slots__ = (
        "source",
        "text",
        "value",
        "parsed",
        "yaml",
        "findings",
        "waivers",
        "index_positions",
        "find_offset",
        "_positions",
        "_depth",
        "_line_starts",
    )

    def __init__(
        self,
        source: str,
        text: str,
        value: Any = None,
        parsed: bool = False,
        yaml: bool = False,
        findings: list[Finding] | None = None,
        waivers: tuple[CommentWaiver, ...] = (),
        index_positions: Callable[[], tuple[Positions, int]] | None = None,
        find_offset: Callable[[JsonPath], int] | None = None,
    ) -> None:
        self.source = source
        self.text = text
        self.value = value
        self.parsed = parsed
        self.yaml = yaml
        self.findings: list[Finding] = [] if findings is None else findings
        self.waivers = waivers
        self.index_positions = index_positions
        self.find_offset = find_offset
        self._positions: Positions | None = None
        self._depth = 0
        self._line_starts: list[int] | None = None

    def __repr__(self) -> str:
        return f"Document({self.source!r}, parsed={self.parsed}, {len(self.findings)} findings)"

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            self._positions, self._depth = self.index_positions() if self.index_positions else ({}, 0)
        return self._positions

    def depth_finding(self) -> Finding | None:
        """A JSON_SYNTAX finding when the value nests deeper than MAX_DEPTH.

        Checked only for documents that already failed the schema (a schema-valid policy
        nests 6 levels), and before anything recursive walks the value.
        """
        if self.find_offset is not None:
            depth = nesting(self.value)
        else:
            _ = self.positions
            depth = self._depth
        if depth <= MAX_DEPTH:
            return None
        return self.finding_at(
            "JSON_SYNTAX",
            f"the document nests {depth} levels deep; policycheck reads at most {MAX_DEPTH} "
            "(a policy needs 6)",
            1,
            1,
        )

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        if len(self.text) <= _COUNT_LIMIT:
            # a policy-sized text: counting is cheaper than building the index
            start = self.text.rfind("\n", 0, offset) + 1
            return self.text.count("\n", 0, start) + 1, offset - start + 1
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            at = find("\n")
            while at != -1:
                starts.append(at + 1)
                at = find("\n", at + 1)
            self._line_starts = starts
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def locate(self, path: JsonPath) -> tuple[int, int]:
        """Line and column of the element at `path`, or of its nearest existing ancestor."""
        if self.find_offset is not None:
            return self.line_column(self.find_offset(path))
        positions = self.positions
        while path not in positions and path:
            path = path[:-1]
        return self.line_column(positions.get(path, 0))

    def finding(self, code: str, message: str, path: JsonPath = (), severity: str | None = None) -> Finding:
        line, column = self.locate(path)
        return self.finding_at(code, message, line, column, path, severity)

    def finding_at(
        self,
        code: str,
        message: str,
        line: int,
        column: int,
        path: JsonPath = (),
        severity: str | None = None,
    ) -> Finding:
        # positional: a finding is placed per report, and keywords cost a NamedTuple more
        severity = severity or default_severity(code)
        return Finding(code, severity, message, self.source, line, column, format_path(path))


def nesting(value: Any) -> int:
    """How deeply lists and objects nest in a value (0 for a scalar), without recursion.

    >>> nesting({"a": [1, {"b": []}]}), nesting("x")
    (4, 0)
    """
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in item)
    return deepest
