"""YAML text -> Document, plain data only, with the position of every element.

PyYAML's constructors are never used: nodes are turned into values here, so no tag can
build an object, no alias can expand (alias bombs), and nesting is bounded before the
recursive composer could exhaust the stack.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from policycheck.load.document import MAX_DEPTH, Document, Positions
from policycheck.model import JsonPath, format_path

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)
"""Timestamps stay the strings they were written as: policies compare dates as text."""


class _NotPlainData(Exception):
    """The YAML holds something other than maps, lists and scalars; args: (message, node)."""


class _GuardedComposer(Composer):
    """The stock composer, refusing aliases and bounding the nesting depth as it goes."""

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise _NotPlainData(
                "YAML aliases (*name) are not allowed in policycheck's inputs: "
                "they can expand without bound (alias bombs); write the value out",
                event.start_mark,
            )
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _NotPlainData(
                    f"the document nests deeper than {MAX_DEPTH} levels (a policy needs 6)",
                    event.start_mark,
                )
        try:
            return super().compose_node(parent, index)
        finally:
            if isinstance(event, CollectionStartEvent):
                self._depth -= 1


class _Loader(Reader, Scanner, Parser, _GuardedComposer, Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _GuardedComposer.__init__(self)
        Resolver.__init__(self)


_CONSTRUCTOR = SafeConstructor()
_SCALARS = {
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
}


def _to_value(node: Node, path: JsonPath, positions: Positions, duplicates: list) -> Any:
    tag = node.tag
    if tag not in _PLAIN_TAGS:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        raise _NotPlainData(
            f"YAML tag {shown} is not plain data; only maps, lists and scalars are read", node.start_mark
        )
    if isinstance(node, ScalarNode):
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag in _SCALARS:
            try:
                value = _SCALARS[tag](node)
            except (ValueError, KeyError):  # an explicit !!int, !!float or !!bool on other text
                shown = tag.replace("tag:yaml.org,2002:", "!!")
                raise _NotPlainData(f"{node.value[:40]!r} is not a valid {shown}", node.start_mark) from None
            if isinstance(value, float) and value in (float("inf"), float("-inf")):
                raise _NotPlainData(f"number {node.value[:40]} is out of range", node.start_mark)
            return value
        return node.value
    if isinstance(node, SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            item_path = (*path, index)
            positions[item_path] = item.start_mark.index
            items.append(_to_value(item, item_path, positions, duplicates))
        return items
    assert isinstance(node, MappingNode)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _to_value(key_node, path, positions, duplicates)
        if not isinstance(key, str):
            raise _NotPlainData(f"mapping key {key!r} is not a string", key_node.start_mark)
        key_path = (*path, key)
        if key in result:
            duplicates.append((key_path, key_node.start_mark, positions[key_path]))
        positions[key_path] = key_node.start_mark.index
        result[key] = _to_value(value_node, key_path, positions, duplicates)
    return result


def load_yaml(text: str, source: str) -> Document:
    """Parse one YAML document into a Document; every problem becomes a finding."""
    document = Document(source=source, text=text, yaml=True)
    positions: Positions = {}
    duplicates: list = []
    loader = None
    try:
        loader = _Loader(text)  # the reader rejects unprintable characters (NUL...) right here
        node = loader.get_single_node()
        if node is None:
            document.findings.append(
                document.finding_at("JSON_SYNTAX", "the file is empty; expected a YAML mapping", 1, 1)
            )
            return document
        positions[()] = node.start_mark.index
        value = _to_value(node, (), positions, duplicates)
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
    finally:
        if loader is not None:
            loader.dispose()
    document.value, document.parsed = value, True
    document.index_positions = lambda: (positions, 0)
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
