"""HCL expressions -> values with positions, for what Terraform knows before apply.

python-hcl2 parses; this module evaluates only what needs no provider and no state:
literals, objects and tuples, strings (with interpolations of known values), heredocs,
`jsonencode`, `file` of a file inside the repository, `local.*`, `var.*` (their literal
`default`), `path.module`, and references to attributes a resource block sets literally.
Anything else (other functions, conditionals, `for`, splats, unknown references) is an
`Unknown` that says why, never a guess: Terraform itself learns those values at apply.

The tree walked is python-hcl2's raw Lark tree (`hcl2.parses_to_tree`, 8.x grammar): it keeps
the character offset of every node, which its dict output does not.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from policycheck.errors import UserError
from policycheck.load.document import MAX_DEPTH, Positions
from policycheck.model import JsonPath

MAX_HCL_BYTES = 1 << 20
"""1 MiB, as for policy files: the parser reads about 50 KB a second (pure Python, positions
kept), so this bounds a file's parse to about 20 s; hand-written .tf files are far smaller."""

MAX_NESTING = 2 * MAX_DEPTH
"""Brackets nesting deeper than this are refused before parsing: the parser's time grows
with the square of the depth (3,000 levels took 7 s), and no configuration nests so deep."""

_INTERPOLATION = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")
_HEREDOC_HEAD = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n")


class MissingParser(UserError):
    """python-hcl2 is not installed (an installation without dependencies)."""


class HclSyntaxError(Exception):
    """The text is not HCL; `offset` is where the parser stopped (a finding, not a crash)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class HclFile:
    """One .tf file: its path (as shown in findings), its text and its top-level blocks."""

    path: str
    text: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Block:
    """A block (`resource "type" "name" {...}`): labels, attributes and nested blocks."""

    file: HclFile
    type: str
    labels: tuple[str, ...]
    offset: int
    attributes: dict[str, Any]
    """name -> the expression's Lark tree."""
    attribute_offsets: dict[str, int]
    blocks: list[Block]


@dataclass(frozen=True)
class Known:
    """A value known before apply, and where it is written.

    `positions` maps paths inside the value to offsets in `file.text`. A string that is a JSON
    document keeps the structure it encodes in `decoded` (jsonencode, a rendered data source),
    or, for a heredoc, the offset where its first line starts (`text_at`): its lines keep their
    numbers in the file, so findings point at the element's line.
    `loaded` is set for `file(...)`: the path of the file whose text this is.
    """

    value: Any
    file: HclFile
    offset: int
    positions: Positions = field(default_factory=dict)
    decoded: Any = None
    text_at: int | None = None
    loaded: str | None = None


@dataclass(frozen=True)
class Unknown:
    """A value Terraform knows only at apply (or that policycheck does not evaluate), and why."""

    reason: str
    file: HclFile
    offset: int


Value = Known | Unknown


def parse(text: str, path: str) -> HclFile:
    """Parse one .tf file; raises HclSyntaxError for text that is not HCL.

    python-hcl2 is imported here, on the first .tf file, so commands that read none of them
    start as fast as before.
    """
    try:
        import hcl2
        from lark import Tree
        from lark.exceptions import LarkError, UnexpectedInput
    except ImportError:
        raise MissingParser(
            "reading .tf files needs python-hcl2 8.x: pip install 'python-hcl2>=8.1,<9'"
        ) from None
    deep = _too_deep(text)
    if deep is not None:
        raise HclSyntaxError(f"brackets nest deeper than {MAX_NESTING} levels", deep)
    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    except (LarkError, RecursionError, ValueError) as error:
        raise HclSyntaxError(f"not valid HCL: {type(error).__name__}", 0) from None
    hcl = HclFile(path, text)
    body = next((c for c in tree.children if isinstance(c, Tree) and c.data == "body"), None)
    hcl.blocks = _blocks(hcl, body, Tree) if body is not None else []
    return hcl


_SKIPPED = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|//[^\n]*')
_BRACKET = re.compile(r"[\[\]{}()]")


def _too_deep(text: str) -> int | None:
    """The offset where brackets first nest deeper than MAX_NESTING (strings and comments
    aside), or None: a linear pre-scan that bounds the parser's work."""
    depth = 0
    at = 0
    for skipped in [*_SKIPPED.finditer(text), None]:
        end = skipped.start() if skipped else len(text)
        for bracket in _BRACKET.finditer(text, at, end):
            depth += 1 if bracket.group() in "[{(" else -1
            if depth > MAX_NESTING:
                return bracket.start()
        if skipped is None:
            return None
        at = skipped.end()
    return None


def _syntax_error(error: Any, text: str) -> HclSyntaxError:
    """Where the parser stopped and the token it did not expect."""
    position = getattr(error, "pos_in_stream", None)
    if not isinstance(position, int):
        position = 0
    token = getattr(error, "token", None)
    found = f": unexpected {str(token)[:40]!r}" if token is not None and str(token).strip() else ""
    return HclSyntaxError(f"not valid HCL{found}", min(position, len(text)))


def _name(node: Any) -> str | None:
    """The text of an identifier, keyword or quoted label."""
    from lark import Token

    if isinstance(node, Token):
        return str(node)
    if node.data in ("identifier", "keyword", "literal_value"):
        return str(node.children[0])
    if node.data == "string":
        parts = [c for c in node.children if not isinstance(c, Token)]
        if all(isinstance(p.children[0], Token) and p.children[0].type == "STRING_CHARS" for p in parts):
            return "".join(_unescape(str(p.children[0])) for p in parts)
    return None


def _blocks(hcl: HclFile, body: Any, tree_type: type, depth: int = 0) -> list[Block]:
    """The blocks of a body, with their attributes' expressions (evaluated later, on demand)."""
    blocks = []
    for child in body.children:
        if not isinstance(child, tree_type) or child.data != "block":
            continue
        if depth >= MAX_DEPTH:
            raise HclSyntaxError(f"blocks nest deeper than {MAX_DEPTH} levels", child.meta.start_pos)
        parts = [c for c in child.children if isinstance(c, tree_type)]
        inner = next(p for p in reversed(parts) if p.data == "body")
        names = [_name(p) for p in parts if p is not inner and p.data != "new_line_or_comment"]
        attributes: dict[str, Any] = {}
        offsets: dict[str, int] = {}
        for item in inner.children:
            if isinstance(item, tree_type) and item.data == "attribute":
                key = _name(item.children[0]) or ""
                attributes[key] = item.children[-1]
                offsets[key] = item.meta.start_pos
        blocks.append(
            Block(
                file=hcl,
                type=names[0] or "",
                labels=tuple(n or "" for n in names[1:]),
                offset=child.meta.start_pos,
                attributes=attributes,
                attribute_offsets=offsets,
                blocks=_blocks(hcl, inner, tree_type, depth + 1),
            )
        )
    return blocks


def _unescape(text: str) -> str:
    r"""HCL string escapes: \n \r \t \" \\ \uNNNN \UNNNNNNNN."""

    def one(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, "\\" + code)

    return _ESCAPE.sub(one, text)


Resolver = Callable[[tuple[str, ...], HclFile, int, int], Value]
"""(reference parts, file, offset, depth) -> its value; given by the module that knows the scope."""


@dataclass
class Evaluator:
    """Evaluates expressions of one module; `resolve` answers references (local.x, var.y...).

    `repository` bounds `file(...)`: a path outside it is never read.
    """

    resolve: Resolver
    module_dir: str
    repository: str

    def evaluate(self, node: Any, file: HclFile, depth: int = 0) -> Value:
        from lark import Token

        if isinstance(node, Token):
            return Unknown(f"unexpected {str(node)[:20]!r}", file, node.start_pos or 0)
        offset = node.meta.start_pos if not node.meta.empty else 0
        if depth > MAX_DEPTH * 2:
            return Unknown(f"the expression nests deeper than {MAX_DEPTH} levels", file, offset)
        kind = node.data
        children = [c for c in node.children if not (hasattr(c, "data") and c.data == "new_line_or_comment")]
        if kind == "expr_term":
            inner = [c for c in children if not isinstance(c, Token)]
            return self.evaluate(inner[0], file, depth + 1) if inner else Unknown("empty", file, offset)
        if kind == "string":
            return self._string(children, file, offset, depth)
        if kind in ("int_lit", "float_lit"):
            text = str(children[0])
            return Known(int(text) if kind == "int_lit" else float(text), file, offset)
        if kind == "literal_value":
            return Known({"true": True, "false": False, "null": None}[str(children[0])], file, offset)
        if kind == "tuple":
            return self._tuple(children, file, offset, depth)
        if kind == "object":
            return self._object(children, file, offset, depth)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            return self._heredoc(children[0], file, depth)
        if kind == "function_call":
            return self._function(children, file, offset, depth)
        if kind in ("get_attr_expr_term", "identifier"):
            parts = _reference(node)
            if parts is None:
                return Unknown("an expression policycheck does not evaluate", file, offset)
            return self.resolve(parts, file, offset, depth)
        described = {
            "conditional": "a conditional expression",
            "binary_op": "an operator",
            "unary_op": "an operator",
            "index_expr_term": "an index expression",
            "for_tuple_expr": "a for expression",
            "for_object_expr": "a for expression",
            "attr_splat_expr_term": "a splat expression",
            "full_splat_expr_term": "a splat expression",
            "template_string": "a template",
        }.get(kind, "an expression policycheck does not evaluate")
        if kind == "unary_op" and str(children[0]) == "-":
            operand = self.evaluate(children[1], file, depth + 1)
            if isinstance(operand, Known) and isinstance(operand.value, int | float):
                return Known(-operand.value, file, offset)
        return Unknown(f"{described} ({_excerpt(file.text, offset)})", file, offset)

    def _string(self, children: list, file: HclFile, offset: int, depth: int) -> Value:
        from lark import Token

        text = []
        for part in children:
            if isinstance(part, Token):
                continue
            inner = part.children[0]
            if isinstance(inner, Token):
                if inner.type == "STRING_CHARS":
                    text.append(_unescape(str(inner)))
                elif inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    text.append(str(inner)[1:])
                continue
            if inner.data != "interpolation":
                return Unknown(f"a template directive ({_excerpt(file.text, offset)})", file, offset)
            expression = next(c for c in inner.children if not isinstance(c, Token))
            value = self.evaluate(expression, file, depth + 1)
            if isinstance(value, Unknown):
                return value
            rendered = _as_string(value.value)
            if rendered is None:
                return Unknown("a list or object inside a string interpolation", file, value.offset)
            text.append(rendered)
        return Known("".join(text), file, offset)

    def _tuple(self, children: list, file: HclFile, offset: int, depth: int) -> Value:
        from lark import Token

        items, positions = [], {}
        for index, child in enumerate(c for c in children if not isinstance(c, Token)):
            value = self.evaluate(child, file, depth + 1)
            if isinstance(value, Unknown):
                return value
            items.append(value.value)
            _nest(positions, (index,), value, file)
        return Known(items, file, offset, positions)

    def _object(self, children: list, file: HclFile, offset: int, depth: int) -> Value:
        from lark import Token

        members: dict[str, Any] = {}
        positions: Positions = {}
        for element in children:
            if isinstance(element, Token) or element.data != "object_elem":
                continue
            key_node, value_node = element.children[0], element.children[-1]
            key = _object_key(key_node)
            if key is None:
                key_value = self.evaluate(key_node.children[0], file, depth + 1)
                if isinstance(key_value, Unknown):
                    return key_value
                key = _as_string(key_value.value)
                if key is None:
                    return Unknown("an object key that is not a string", file, element.meta.start_pos)
            value = self.evaluate(value_node, file, depth + 1)
            if isinstance(value, Unknown):
                return value
            members[key] = value.value
            _nest(positions, (key,), value, file, key_offset=element.meta.start_pos)
        return Known(members, file, offset, positions)

    def _heredoc(self, token: Any, file: HclFile, depth: int) -> Value:
        """A heredoc's text, placed at the offset of its first line (`text_at`)."""
        raw = str(token)
        head = _HEREDOC_HEAD.match(raw)
        skip = head.end() if head else 0
        body = raw[skip:]
        body = body[: body.rstrip().rfind("\n") + 1] if "\n" in body.rstrip() else ""
        lines = body.splitlines(keepends=True)
        if head and head.group(1) == "-":
            indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
            cut = min(indents, default=0)
            lines = [line[cut:] if line.strip() else line.lstrip(" \t") for line in lines]
        value = self._template("".join(lines), file, token.start_pos, depth)
        if isinstance(value, Unknown):
            return value
        return Known(value.value, file, token.start_pos, text_at=token.start_pos + skip)

    def _template(self, text: str, file: HclFile, offset: int, depth: int) -> Value:
        """A heredoc body as a template: ${...} evaluated, $${ and %%{ unescaped, %{...} unknown."""
        import hcl2
        from lark import Tree
        from lark.exceptions import LarkError

        out, at = [], 0
        for match in _INTERPOLATION.finditer(text):
            if match.start() < at:
                continue
            out.append(text[at : match.start()])
            if match.group() == "%{":
                return Unknown(f"a template directive ({_excerpt(text, match.start())})", file, offset)
            close = _closing_brace(text, match.end())
            if close < 0:
                return Unknown("an unterminated ${ in a heredoc", file, offset)
            try:
                tree = hcl2.parses_to_tree(f"x = {text[match.end() : close]}\n")
            except (LarkError, RecursionError, ValueError):
                return Unknown(
                    f"an interpolation policycheck cannot read ({_excerpt(text, match.start())})",
                    file,
                    offset,
                )
            expression = next(
                n for n in tree.iter_subtrees_topdown() if isinstance(n, Tree) and n.data == "attribute"
            )
            value = self.evaluate(expression.children[-1], _detached(file), depth + 1)
            if isinstance(value, Unknown):
                return Unknown(value.reason, file, offset)
            rendered = _as_string(value.value)
            if rendered is None:
                return Unknown("a list or object inside a heredoc interpolation", file, offset)
            out.append(rendered)
            at = close + 1
        out.append(text[at:])
        return Known("".join(out).replace("$${", "${").replace("%%{", "%{"), file, offset)

    def _function(self, children: list, file: HclFile, offset: int, depth: int) -> Value:
        from lark import Token

        name = _name(children[0]) or ""
        arguments_node = next(
            (c for c in children if not isinstance(c, Token) and c.data == "arguments"), None
        )
        arguments = [c for c in arguments_node.children if not isinstance(c, Token)] if arguments_node else []
        if name == "jsonencode" and len(arguments) == 1:
            value = self.evaluate(arguments[0], file, depth + 1)
            if isinstance(value, Unknown):
                return value
            text = json.dumps(value.value, separators=(",", ":"), ensure_ascii=False)
            return Known(text, file, offset, value.positions, decoded=value.value)
        if name == "file" and len(arguments) == 1:
            return self._file(arguments[0], file, offset, depth)
        return Unknown(f"the function {name}() is not evaluated before apply", file, offset)

    def _file(self, argument: Any, file: HclFile, offset: int, depth: int) -> Value:
        """file("path"): read only inside the repository, relative to the module folder."""
        path_value = self.evaluate(argument, file, depth + 1)
        if isinstance(path_value, Unknown):
            return path_value
        if not isinstance(path_value.value, str):
            return Unknown("file() of something that is not a path", file, offset)
        path = os.path.realpath(os.path.join(self.module_dir, path_value.value))
        repository = os.path.realpath(self.repository)
        if os.path.commonpath([path, repository]) != repository:
            return Unknown(
                f"file({json.dumps(path_value.value)}) is outside the repository; "
                "policycheck does not read it",
                file,
                offset,
            )
        return Known(None, file, offset, loaded=path)


def _detached(file: HclFile) -> HclFile:
    """A stand-in file for an expression re-parsed out of a heredoc: its offsets are not the file's."""
    return HclFile(file.path, "")


def _closing_brace(text: str, start: int) -> int:
    """Offset of the } closing an interpolation that starts at `start`, skipping quoted strings."""
    depth, at, quoted = 0, start, False
    while at < len(text):
        char = text[at]
        if quoted:
            if char == "\\":
                at += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return at
            depth -= 1
        at += 1
    return -1


def _nest(positions: Positions, step: JsonPath, value: Known, file: HclFile, key_offset: int = -1) -> None:
    """Record a child's position, and its children's when they are written in the same file."""
    positions[step] = key_offset if key_offset >= 0 else value.offset
    if value.file is file:
        for path, offset in value.positions.items():
            positions[step + path] = offset


def _object_key(node: Any) -> str | None:
    """An object key written as a name (`Effect = ...`) or a plain quoted string."""
    from lark import Token

    inner = node.children[0]
    if isinstance(inner, Token):
        return str(inner)
    if inner.data == "keyword":
        return str(inner.children[0])
    if inner.data == "expr_term" and len(inner.children) == 1:
        term = inner.children[0]
        if not isinstance(term, Token) and term.data in ("identifier", "string"):
            return _name(term)
    return None


def _reference(node: Any) -> tuple[str, ...] | None:
    """local.a.b -> ("local", "a", "b"); None for anything but a chain of names."""
    from lark import Token

    parts: list[str] = []
    while True:
        if node.data == "expr_term":
            inner = [c for c in node.children if not isinstance(c, Token)]
            if len(inner) != 1:
                return None
            node = inner[0]
        elif node.data == "identifier":
            parts.append(str(node.children[0]))
            return tuple(reversed(parts))
        elif node.data == "get_attr_expr_term":
            attribute = node.children[1]
            parts.append(_name(attribute.children[1]) or "")
            node = node.children[0]
        else:
            return None


def _as_string(value: Any) -> str | None:
    """How Terraform renders a primitive inside a string: true, 1, 1.5."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return value if isinstance(value, str) else json.dumps(value)
    return None


def _excerpt(text: str, offset: int) -> str:
    line = text[offset : text.find("\n", offset) if "\n" in text[offset:] else len(text)]
    return line.strip()[:60]
