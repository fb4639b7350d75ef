"""YAML text -> Document, plain data only, with the position of every element.

libyaml (PyYAML's C parser) turns the text into events when it is installed, PyYAML's
pure-Python parser otherwise; this module builds the values from the events either way, so
both read the same texts the same way. PyYAML's constructors and composer are never used: no
tag can build an object, no alias can expand (alias bombs), and nesting is bounded as the
events arrive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from policycheck.load.document import MAX_DEPTH, Document, Positions
from policycheck.load.waivers import MARKER, yaml_waivers
from policycheck.model import JsonPath, format_path

try:
    from yaml._yaml import CParser as _LibyamlParser
except ImportError:  # PyYAML built without libyaml
    _LibyamlParser = None

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)
"""Timestamps stay the strings they were written as: policies compare dates as text."""


_SURROGATE = re.compile(r"[\ud800-\udfff]")
"""A YAML escape such as "\\udfff" is half a surrogate pair: not Unicode text (JSON refuses it too)."""


class _NotPlainData(Exception):
    """The YAML holds something other than maps, lists and scalars; args: (message, mark)."""


class _PythonParser(Reader, Scanner, Parser):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")
"""`|#`, `>-#`...: a block scalar header with a comment not set off by a space (or text like it)."""


_Read = tuple[Any, Positions, list]
"""A document's value, the offset of each of its elements, and its duplicate keys."""


def _read(text: str, spans: list[tuple[int, int]] | None) -> _Read | None:
    """The text's one document (None when it is empty), read by libyaml if possible.

    libyaml and PyYAML's own parser disagree on a few texts. libyaml reads some valid YAML 1.1
    that PyYAML refuses: a tab between tokens, `?` inside a plain scalar in a flow collection
    (yaml/pyyaml#306, #128). PyYAML reads a few texts libyaml refuses: `{a:[]}`, with no space
    after the colon, and a tab opening the first line of a block scalar. Whatever libyaml
    refuses goes to PyYAML, which decides and words the error, so nothing PyYAML reads is
    refused and errors read as before. Two kinds of text go to PyYAML directly: a block scalar
    header followed by `#` with no space (`|#`), invalid YAML that libyaml reads, and a byte
    order mark (U+FEFF), which libyaml drops at the start of any line and PyYAML keeps as text.
    `spans` (when given) receives the (start, end) offsets of every scalar, for waivers.
    """
    if _LibyamlParser is not None and "\ufeff" not in text and not _HEADER_COMMENT.search(text):
        Reader(text)  # an unprintable character (NUL...) is reported first, as PyYAML does
        try:
            return _read_document(_LibyamlParser(text), spans)
        except yaml.YAMLError:
            if spans is not None:
                spans.clear()
    return _read_document(_PythonParser(text), spans)


def _read_document(parser: Any, spans: list[tuple[int, int]] | None) -> _Read | None:
    """The one document in the stream (None when empty), its value built as its events arrive.

    The events are never all held (a 2 MB config is 190,000 of them, each with two marks:
    most of `check`'s memory at 2,000 principals, issue 17). What is not data is refused as
    before they were streamed: first whatever is wrong with the stream's structure, in the
    order it comes (aliases, nesting deeper than MAX_DEPTH, an anchor defined twice, a second
    document, a syntax error), then what is wrong with a value (a tag, a key that is not a
    string): a value's problem waits until the rest of the stream has been read without one.
    """
    try:
        parser.get_event()  # stream start
        if isinstance(parser.get_event(), StreamEndEvent):
            return None
        events = _document_events(parser, spans)
        root = next(events)
        positions: Positions = {(): root.start_mark.index}
        duplicates: list = []
        try:
            value = _to_value(root, events, (), positions, duplicates)
        except _NotPlainData:
            for _ in events:  # a problem of the structure further on is reported first
                pass
            raise
        for _ in events:  # the document's end, and whatever follows it
            pass
        return value, positions, duplicates
    finally:
        parser.dispose()


def _document_events(parser: Any, spans: list[tuple[int, int]] | None) -> Iterator[Event]:
    """The events of the document's nodes, refusing aliases, deep nesting, an anchor defined
    twice and a second document as they come."""
    anchors: dict[str, Any] = {}
    depth = 0
    first = None
    while True:
        event = parser.get_event()
        first = first or event
        kind = type(event)
        if kind is DocumentEndEvent:
            break
        if kind is SequenceEndEvent or kind is MappingEndEvent:
            depth -= 1
        elif kind is AliasEvent:
            raise _NotPlainData(
                "YAML aliases (*name) are not allowed in policycheck's inputs: "
                "they can expand without bound (alias bombs); write the value out",
                event.start_mark,
            )
        else:
            if kind is not ScalarEvent:
                depth += 1
                if depth > MAX_DEPTH:
                    raise _NotPlainData(
                        f"the document nests deeper than {MAX_DEPTH} levels (a policy needs 6)",
                        event.start_mark,
                    )
            elif spans is not None:
                spans.append((event.start_mark.index, event.end_mark.index))
            anchor = event.anchor
            if anchor is not None:
                if anchor in anchors:
                    raise ComposerError(
                        f"found duplicate anchor {anchor!r}; first occurrence",
                        anchors[anchor],
                        "second occurrence",
                        event.start_mark,
                    )
                anchors[anchor] = event.start_mark
        yield event
    following = parser.get_event()
    if not isinstance(following, StreamEndEvent):
        raise ComposerError(
            "expected a single document in the stream",
            first.start_mark,
            "but found another document",
            following.start_mark,
        )


_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_SCALARS = {
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
}
_NODE_KINDS = {ScalarEvent: ScalarNode, SequenceStartEvent: SequenceNode, MappingStartEvent: MappingNode}


def _tag(event: NodeEvent) -> str:
    """The event's tag, resolved as PyYAML's composer does when it is absent or `!`."""
    tag = event.tag
    if tag is not None and tag != "!":
        return tag
    implicit = event.implicit
    if tag == "!" and type(event) is ScalarEvent:
        implicit = (True, False)  # PyYAML's parser says so for every `!` scalar, libyaml not for empty ones
    return _RESOLVER.resolve(_NODE_KINDS[type(event)], getattr(event, "value", None), implicit)


def _to_value(
    event: NodeEvent, events: Iterator[Event], path: JsonPath, positions: Positions, duplicates: list
) -> Any:
    """The value of the node starting at `event`; the events of its contents follow in `events`."""
    tag = _tag(event)
    if tag not in _PLAIN_TAGS:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        raise _NotPlainData(
            f"YAML tag {shown} is not plain data; only maps, lists and scalars are read", event.start_mark
        )
    kind = type(event)
    if kind is ScalarEvent:
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag in _SCALARS:
            try:
                value = _SCALARS[tag](ScalarNode(tag, event.value, event.start_mark, event.end_mark))
            except (ValueError, KeyError, IndexError):  # an explicit !!int, !!float or !!bool on other text
                shown = tag.replace("tag:yaml.org,2002:", "!!")
                raise _NotPlainData(
                    f"{event.value[:40]!r} is not a valid {shown}", event.start_mark
                ) from None
            if isinstance(value, float) and value in (float("inf"), float("-inf")):
                raise _NotPlainData(f"number {event.value[:40]} is out of range", event.start_mark)
            return value
        text = event.value
        if not text.isascii():
            half = _SURROGATE.search(text)
            if half:
                escape = f"\\u{ord(half.group()):04x}"
                message = f"the escape {escape} is half of a surrogate pair and stands for no character"
                raise _NotPlainData(message, event.start_mark)
        return text
    if kind is SequenceStartEvent:
        items: list[Any] = []
        for item in events:
            if type(item) is SequenceEndEvent:
                break
            item_path = (*path, len(items))
            positions[item_path] = item.start_mark.index
            items.append(_to_value(item, events, item_path, positions, duplicates))
        return items
    result: dict[Any, Any] = {}
    for key_event in events:
        if type(key_event) is MappingEndEvent:
            break
        key = _to_value(key_event, events, path, positions, duplicates)
        if not isinstance(key, str):
            raise _NotPlainData(f"mapping key {key!r} is not a string", key_event.start_mark)
        key_path = (*path, key)
        if key in result:
            duplicates.append((key_path, key_event.start_mark, positions[key_path]))
        positions[key_path] = key_event.start_mark.index
        result[key] = _to_value(next(events), events, key_path, positions, duplicates)
    return result


def load_yaml(text: str, source: str) -> Document:
    """Parse one YAML document into a Document; every problem becomes a finding."""
    document = Document(source=source, text=text, yaml=True)
    spans: list[tuple[int, int]] | None = [] if MARKER in text else None
    try:
        read = _read(text, spans)
        if read is None:
            document.findings.append(
                document.finding_at("JSON_SYNTAX", "the file is empty; expected a YAML mapping", 1, 1)
            )
            return document
        value, positions, duplicates = read
    except _NotPlainData as error:
        message, mark = error.args
        document.findings.append(document.finding_at("JSON_SYNTAX", message, mark.line + 1, mark.column + 1))
        return document
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        document.findings.append(
            document.finding_at(
                "JSON_SYNTAX",
                f"not valid YAML: {problem}",
                mark.line + 1 if mark else 1,
                mark.column + 1 if mark else 1,
            )
        )
        return document
    except ReaderError as error:
        line, column = document.line_column(error.position)
        character = error.character if isinstance(error.character, int) else ord(error.character)
        document.findings.append(
            document.finding_at(
                "JSON_SYNTAX", f"not valid YAML: the character #x{character:04x} is not allowed", line, column
            )
        )
        return document
    except yaml.YAMLError as error:
        document.findings.append(document.finding_at("JSON_SYNTAX", f"not valid YAML: {error}", 1, 1))
        return document
    document.value, document.parsed = value, True
    document.index_positions = lambda: (positions, 0)
    if spans is not None:
        document.waivers = yaml_waivers(text, source, spans)
    for path, mark, first in duplicates:
        first_line, _ = document.line_column(first)
        document.findings.append(
            document.finding_at(
                "DUPLICATE_KEY",
                f'key "{path[-1]}" appears again in {format_path(path[:-1]) or "the document"} '
                f"(first at line {first_line}); parsers keep only the last value and drop the other "
                "without a word",
                mark.line + 1,
                mark.column + 1,
                path,
            )
        )
    return document
