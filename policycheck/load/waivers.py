"""`policycheck:ignore CODE reason` comments in YAML and .tf text -> waivers with their lines.

Only real comments count: a `#` inside a YAML scalar (quoted or block) and anything inside an
HCL string or heredoc is text, not a comment. A heredoc holds policy text (JSON), which has no
comments, so a marker written there is part of the policy and waives nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

MARKER = "policycheck:ignore"

_BODY = re.compile(r"policycheck:ignore(?![\w-])[ \t]*(\S*)[ \t]*(.*?)\s*(?:\*/)?\s*$")
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_YAML_COMMENT = re.compile(r"(?:^|(?<=[ \t]))#[^\n]*policycheck:ignore[^\n]*", re.M)
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


@dataclass(frozen=True, slots=True)
class CommentWaiver:
    """One comment: it waives findings of `code` on `line`, or on the next line when it stands alone.

    `code` and `reason` are as written (possibly empty: lint reports such a comment).
    """

    source: str
    line: int
    column: int
    code: str
    reason: str
    own_line: bool

    def waives(self, file: str, code: str, line: int) -> bool:
        return (
            file == self.source
            and code == self.code
            and (line == self.line or (self.own_line and line == self.line + 1))
        )


def yaml_waivers(text: str, source: str, scalar_spans: list[tuple[int, int]]) -> tuple[CommentWaiver, ...]:
    """Waivers in YAML comments; `scalar_spans` (sorted start/end offsets) are text, not comments."""
    starts = [start for start, _ in scalar_spans]
    comments = []
    for match in _YAML_COMMENT.finditer(text):
        at = bisect_right(starts, match.start()) - 1
        if at >= 0 and scalar_spans[at][0] <= match.start() < scalar_spans[at][1]:
            continue
        comments.append((match.start(), match.group()))
    return _waivers(text, source, comments)


def hcl_waivers(text: str, source: str) -> tuple[CommentWaiver, ...]:
    """Waivers in `#`, `//` and `/* */` comments of a .tf file (not in strings or heredocs)."""
    if MARKER not in text:
        return ()
    return _waivers(text, source, list(_hcl_comments(text)))


def _hcl_comments(text: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of every comment: a small scanner over strings, heredocs and comments."""
    at, size = 0, len(text)
    while at < size:
        char = text[at]
        if char == '"':
            at += 1
            while at < size and text[at] not in '"\n':
                at += 2 if text[at] == "\\" else 1
            at += 1
        elif char == "#" or text.startswith("//", at):
            end = text.find("\n", at)
            end = size if end == -1 else end
            yield at, text[at:end]
            at = end
        elif text.startswith("/*", at):
            end = text.find("*/", at + 2)
            end = size if end == -1 else end + 2
            yield at, text[at:end]
            at = end
        elif text.startswith("<<", at) and (heredoc := _HEREDOC.match(text, at)):
            closing = re.compile(rf"^[ \t]*{re.escape(heredoc.group(1))}[ \t]*\r?$", re.M)
            found = closing.search(text, heredoc.end())
            at = size if found is None else found.end()
        else:
            at += 1


def _waivers(text: str, source: str, comments: list[tuple[int, str]]) -> tuple[CommentWaiver, ...]:
    waivers = []
    for offset, comment in comments:
        body = _BODY.search(comment)
        if body is None:
            continue
        start = text.rfind("\n", 0, offset) + 1
        line = text.count("\n", 0, start) + 1
        code, reason = body.group(1), body.group(2)
        if not _CODE.fullmatch(code):  # `policycheck:ignore because ...`: no code named
            code, reason = "", f"{code} {reason}".strip()
        own_line = not text[start:offset].strip()
        waivers.append(CommentWaiver(source, line, offset - start + 1, code, reason, own_line))
    return tuple(waivers)
