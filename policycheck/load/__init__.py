"""Bytes -> Document: decoding, size limits and the choice of JSON or YAML.

Every problem a user's file can have ends here as a finding on the Document; nothing
raises. See files.py for finding the files in the first place.
"""

from __future__ import annotations

import os
import stat
import sys

from policycheck.load.document import Document
from policycheck.load.json_source import load_json

MAX_POLICY_BYTES = 1 << 20
"""1 MiB: RAM's largest policy is 6,144 characters; anything near this size is not a policy."""

YAML_SUFFIXES = (".yaml", ".yml")
POLICY_SUFFIXES = (".json", *YAML_SUFFIXES)

_BINARY = getattr(os, "O_BINARY", 0)
"""Windows opens descriptors in text mode unless told."""

_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = {
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\xfe\xff": "UTF-16",
    b"\xff\xfe": "UTF-16",
}


def _unreadable(source: str, code: str, message: str) -> Document:
    document = Document(source=source, text="")
    document.findings.append(document.finding_at(code, message, 1, 1))
    return document


def load_bytes(data: bytes, source: str, yaml: bool = False, text_only: bool = False) -> Document:
    """Decode UTF-8 (a BOM is tolerated with a warning) and parse as JSON or YAML.

    `text_only` stops after decoding, for files another parser reads (.tf).
    """
    bom = data.startswith(_UTF8_BOM)
    if bom:
        data = data[len(_UTF8_BOM) :]
    elif data.startswith(tuple(_OTHER_BOMS)):
        encoding = next(name for mark, name in _OTHER_BOMS.items() if data.startswith(mark))
        return _unreadable(source, "JSON_SYNTAX", f"the file is {encoding}; policy files must be UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        document = Document(source=source, text=good)
        document.findings.append(
            document.finding_at(
                "JSON_SYNTAX",
                f"byte 0x{data[error.start]:02x} at offset {error.start} is not UTF-8; "
                "policy files must be UTF-8",
                line,
                column,
            )
        )
        return document
    if text_only:
        return Document(source=source, text=text)
    if yaml:
        from policycheck.load.yaml_source import load_yaml

        document = load_yaml(text, source)
    else:
        document = load_json(text, source)
    if bom:
        document.findings.append(
            document.finding_at(
                "UTF8_BOM", "the file starts with a UTF-8 byte order mark, which JSON forbids", 1, 1
            )
        )
    return document


def read_bytes(path: str, max_bytes: int = MAX_POLICY_BYTES, source: str | None = None) -> bytes | Document:
    """The bytes of one file, or a Document whose finding says why there are none (missing,
    unreadable, special or oversized).

    Reads `st_size + 1` bytes (the one more tells a file that grew since the stat; fewer is the
    end, with no second read): a read buffer sized to the cap would be a fresh mapping per file,
    three times the cost. With
    os.read on a descriptor, not a file object: 5.5 against 9 us a file.
    """
    source = source or path
    try:
        # stat before open: opening a FIFO would block until someone writes to it
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return _unreadable(source, "FILE_UNREADABLE", "is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            return _unreadable(source, "FILE_UNREADABLE", "is not a regular file")
        if info.st_size > max_bytes:
            return _unreadable(source, "JSON_SYNTAX", _too_large(info.st_size, max_bytes))
        descriptor = os.open(path, os.O_RDONLY | _BINARY)
        try:
            data = os.read(descriptor, info.st_size + 1)
            # A short read reached the end; a full one means the file grew: read on, up to the cap
            while info.st_size < len(data) <= max_bytes:
                more = os.read(descriptor, max_bytes + 1 - len(data))
                if not more:
                    break
                data += more
        finally:
            os.close(descriptor)
    except OSError as error:
        return _unreadable(source, "FILE_UNREADABLE", f"cannot read: {error.strerror or error}")
    if len(data) > max_bytes:
        return _unreadable(source, "JSON_SYNTAX", _too_large(len(data), max_bytes))
    return data


def load_file(
    path: str,
    max_bytes: int = MAX_POLICY_BYTES,
    source: str | None = None,
    as_json: bool = False,
    text_only: bool = False,
) -> Document:
    """Read and parse one file ("-" is standard input: JSON when it starts with `{` or `[`,
    else YAML, since a pipe has no file name to tell).

    YAML is chosen by the suffix unless `as_json` (Terraform's file() hands the provider the
    text as it is, which must be JSON); `text_only` only decodes (see load_bytes). A missing,
    unreadable, special or oversized file is a finding.
    """
    source = source or path
    data = read_stdin(max_bytes) if path == "-" else read_bytes(path, max_bytes, source)
    if isinstance(data, Document):
        return data
    if path == "-":
        return load_bytes(data, "<stdin>", yaml=is_yaml(path, data))
    return load_bytes(data, source, yaml=not as_json and is_yaml(path, data), text_only=text_only)


def read_stdin(max_bytes: int = MAX_POLICY_BYTES) -> bytes | Document:
    """Standard input's bytes, or a Document saying it is too large."""
    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        return _unreadable("<stdin>", "JSON_SYNTAX", _too_large(len(data), max_bytes))
    return data


def is_yaml(path: str, data: bytes) -> bool:
    """YAML by the file's suffix; standard input ("-") is YAML unless it starts with `{` or `[`."""
    if path == "-":
        start = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
        return start.lstrip()[:1] not in (b"{", b"[")
    return path.lower().endswith(YAML_SUFFIXES)


def _too_large(size: int, limit: int) -> str:
    return f"the file has {size:,} bytes; policycheck reads at most {limit:,} here"
