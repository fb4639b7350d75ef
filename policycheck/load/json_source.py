"""JSON text -> Document, fast for the common case and exact where a finding needs it.

The value comes from the C parser (`json`), which is an order of magnitude faster than any
position-keeping parser in Python. Positions are found only when something must be located:
a finding walks down to its element, letting the C parser skip every sibling on the way
(`JsonLocator`); a duplicate key, which the first pass only notices, needs `scan`, a full
tokenising pass that records every element and every repeated key.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any

from policycheck.load.document import MAX_DEPTH, Document, Positions
from policycheck.model import JsonPath, format_path

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_AFTER_VALUE = re.compile(r"[ \t\n\r]*(,[ \t\n\r]*)?")
"""What follows a value in a container: a comma (and the next child) or the container's end."""
_PLAIN_KEY = re.compile(r'"([^"\\]*)"[ \t\n\r]*:[ \t\n\r]*')
"""An object member's key without escapes (nearly all keys), up to where its value starts."""
_NEXT_MEMBER = re.compile(r'[ \t\n\r]*,[ \t\n\r]*"([^"\\]*)"[ \t\n\r]*:[ \t\n\r]*')
"""After a member's value: the comma and the next key when it has no escapes, up to its value
(one match where _AFTER_VALUE then _PLAIN_KEY would take two)."""
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
_TOKEN = r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+'
"""A JSON token; compiled by scan(), which only documents with duplicate keys need."""
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Duplicate(Exception):
    """Raised inside the C parser's hook; only a flag, the scan finds where."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, parse_float=_finite_float
)
_LENIENT_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def scan(text: str) -> tuple[Positions, list[tuple[JsonPath, int, int]], int]:
    """Walk well-formed JSON text once and record where each element starts.

    Returns (positions, duplicates, max_depth): positions maps each path to the offset of its
    value, or of its key for object members; each duplicate is (path, offset, first_offset).
    The text must already have parsed, so the scanner can trust its structure.

    >>> positions, duplicates, depth = scan('{"a": [1, {"b": 2, "b": 3}]}')
    >>> positions[("a", 1, "b")], duplicates, depth
    (19, [(('a', 1, 'b'), 19, 11)], 3)
    """
    positions: Positions = {}
    duplicates: list[tuple[JsonPath, int, int]] = []
    # A frame is [path, is_object, next_index_or_key, seen_keys]
    stack: list[list[Any]] = []
    max_depth = 0
    previous = ""
    for match in re.finditer(_TOKEN, text):
        token = match.group()
        first = token[0]
        if first == ",":
            if not stack[-1][1]:
                stack[-1][2] += 1
            previous = first
            continue
        if first == ":":
            previous = first
            continue
        if first in "]}":
            stack.pop()
            previous = first
            continue
        start = match.start()
        if stack:
            frame = stack[-1]
            if frame[1]:
                if previous in "{,":
                    key = json.loads(token)
                    frame[2] = key
                    path = (*frame[0], key)
                    seen = frame[3]
                    if key in seen:
                        duplicates.append((path, start, seen[key]))
                    else:
                        seen[key] = start
                    positions[path] = start
                    previous = '"'
                    continue
                path = (*frame[0], frame[2])
            else:
                path = (*frame[0], frame[2])
                positions[path] = start
        else:
            path = ()
            positions[path] = start
        if first == "{":
            stack.append([path, True, None, {}])
        elif first == "[":
            stack.append([path, False, 0, None])
        max_depth = max(max_depth, len(stack))
        previous = first
    return positions, duplicates, max_depth


class JsonLocator:
    """Where elements of well-formed JSON text without duplicate keys start, found on demand.

    To reach `Statement[3].Action`, it reads the root's members up to "Statement", then
    skips statements 0 to 2 with the C parser, then reads statement 3's members up to
    "Action": Python touches only the containers on the way, never a whole document. What
    it read is kept, so the next finding in the same document continues from there.
    Offsets follow `scan`: an object member's is its key's, a list item's its value's.

    >>> locator = JsonLocator('{"a": [1, {"b": 2}], "c": 3}')
    >>> locator.offset(("a", 1, "b")), locator.offset(("c",)), locator.offset(("a", 7, "x"))
    (11, 21, 1)
    """

    __slots__ = ("text", "found", "progress")

    def __init__(self, text: str) -> None:
        self.text = text
        # path -> (offset shown for it, offset where its value starts); made on first use,
        # since most documents have no finding to place
        self.found: dict[JsonPath, tuple[int, int]] | None = None
        # container path -> [children read, text index, value still to skip (or -1), finished, is object]
        self.progress: dict[JsonPath, list[Any]] = {}

    def offset(self, path: JsonPath) -> int:
        """Offset of the element at `path`, or of its nearest existing ancestor."""
        found = self.found
        if found is None:
            start = _WHITESPACE.match(self.text).end()
            found = self.found = {(): (start, start)}
        reached: JsonPath = ()
        for key in path:
            child = (*reached, key)
            if child not in found and not self._read_until(reached, key):
                break
            reached = child
        return found[reached][0]

    def _read_until(self, container: JsonPath, key: str | int) -> bool:
        """Read the container's children until `key`; False if it has no such child."""
        text = self.text
        state = self.progress.get(container)
        if state is None:
            start = self.found[container][1]  # type: ignore[index]  # offset() made it
            opener = text[start]
            if opener != "{" and opener != "[":
                return False  # a scalar has no children
            at = _WHITESPACE.match(text, start + 1).end()
            state = self.progress[container] = [0, at, -1, text[at] in "}]", opener == "{"]
        count, at, pending, finished, is_object = state
        if finished or type(key) is not (str if is_object else int):
            return False  # list indexes never name members, nor keys list items
        found = self.found
        scan_once = _LENIENT_DECODER.scan_once
        while True:
            if pending < 0:  # the first child
                name, value_at = _member(text, at) if is_object else (count, at)
            else:
                end = scan_once(text, pending)[1]
                member = _NEXT_MEMBER.match(text, end) if is_object else None
                if member is not None:
                    name, value_at, at = member.group(1), member.end(), member.start(1) - 1
                else:
                    gap = _AFTER_VALUE.match(text, end)
                    at = gap.end()
                    if gap.group(1) is None:
                        state[1:4] = [at, -1, True]
                        return False
                    name, value_at = _member(text, at) if is_object else (count, at)
            found[(*container, name)] = (at, value_at)  # type: ignore[index]  # offset() made it
            count, pending = count + 1, value_at
            if name == key:
                state[:3] = [count, at, pending]
                return True


def _member(text: str, at: int) -> tuple[str, int]:
    """The key of the object member starting at `at` and where its value starts."""
    plain = _PLAIN_KEY.match(text, at)
    if plain is not None:
        return plain.group(1), plain.end()
    name, after = scanstring(text, at + 1)
    return name, _COLON.match(text, after).end()


def _decode_strict(text: str) -> Any:
    """`_DECODER.decode(text)`, the same value and errors, without its two Python frames
    (json.JSONDecoder.decode and raw_decode): lint decodes every file."""
    try:
        value, end = _DECODER.scan_once(text, _WHITESPACE.match(text).end())
    except StopIteration as error:
        raise json.JSONDecodeError("Expecting value", text, error.value) from None
    end = _WHITESPACE.match(text, end).end()
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def load_json(text: str, source: str) -> Document:
    """Parse JSON text into a Document; every problem becomes a finding, never an exception."""
    document = Document(source=source, text=text, find_offset=JsonLocator(text).offset)
    try:
        document.value = _decode_strict(text)
        document.parsed = True
    except _Duplicate:
        positions, duplicates, depth = scan(text)
        document.find_offset = None
        document.index_positions = lambda: (positions, depth)
        too_deep = document.depth_finding()
        if too_deep:
            document.findings.append(too_deep)
            return document
        document.value = _LENIENT_DECODER.decode(text)
        document.parsed = True
        for path, offset, first in duplicates:
            first_line, _ = document.line_column(first)
            line, column = document.line_column(offset)
            document.findings.append(
                document.finding_at(
                    "DUPLICATE_KEY",
                    f'key "{path[-1]}" appears again in {format_path(path[:-1]) or "the document"} '
                    f"(first at line {first_line}); parsers keep only the last value and drop "
                    "the other without a word",
                    line,
                    column,
                    path,
                )
            )
    except json.JSONDecodeError as error:
        message = error.msg[0].lower() + error.msg[1:]
        if not text.strip():
            message = "the file is empty; a policy document is a JSON object"
        document.findings.append(
            document.finding_at("JSON_SYNTAX", f"not valid JSON: {message}", error.lineno, error.colno)
        )
        return document
    except RecursionError:
        document.findings.append(
            document.finding_at(
                "JSON_SYNTAX", f"document nests deeper than {MAX_DEPTH} levels (a policy needs 6)", 1, 1
            )
        )
        return document
    except ValueError as error:
        document.findings.append(document.finding_at("JSON_SYNTAX", f"not valid JSON: {error}", 1, 1))
        return document
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):  # the substring test first: few texts escape
        _reject_lone_surrogates(document)
    return document


def _reject_lone_surrogates(document: Document) -> None:
    """A \\udXXX escape without its pair decodes to a string that is not Unicode text."""
    try:
        json.dumps(document.value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        bad = error.object[error.start : error.end]
        escape = "".join(f"\\u{ord(c):04x}" for c in bad)
        offset = document.text.lower().find(escape)
        line, column = document.line_column(max(offset, 0))
        document.value, document.parsed = None, False
        document.findings.append(
            document.finding_at(
                "JSON_SYNTAX",
                f"the escape {escape} is half of a surrogate pair and stands for no character",
                line,
                column,
            )
        )
