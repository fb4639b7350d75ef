"""libyaml and PyYAML's own parser read policycheck's YAML the same way, or libyaml reads more.

The loader reads with libyaml when PyYAML has it and hands whatever libyaml refuses to PyYAML's
parser (policycheck.load.yaml_source._read). These tests pin that contract: a text PyYAML's
parser reads gives the same value, positions and findings either way; a text it refuses is
refused with its words, unless libyaml reads it (valid YAML 1.1 PyYAML does not accept).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policycheck.load import yaml_source
from policycheck.load.yaml_source import load_yaml

pytestmark = pytest.mark.skipif(yaml_source._LibyamlParser is None, reason="PyYAML without libyaml")

FRAGMENTS = [
    *"[]{},:?-|>'\"#!&*%@`~\\.\t\r\n ",
    "  ",
    "\n  ",
    "\n- ",
    "- ",
    "? ",
    ": ",
    " #c\n",
    "a",
    "b",
    "1",
    "null",
    "é",
    "😀",
    "\x85",
    "\u2028",
    "\ufeff",
    "\x00",
    "---",
    "...",
    "!!str ",
    "!!int ",
    "!!bool ",
    "&a ",
    "*a",
    "<<",
    "k: v\n",
    "|\n  ",
    "ice:Get*",
]
YAMLISH = st.lists(st.sampled_from(FRAGMENTS), max_size=16).map("".join)


def outcome(text: str, libyaml: bool, monkeypatch) -> tuple:
    with monkeypatch.context() as patch:
        if not libyaml:
            patch.setattr(yaml_source, "_LibyamlParser", None)
        document = load_yaml(text, "p.yaml")
    positions = document.index_positions()[0] if document.parsed else None
    return (
        document.parsed,
        repr(document.value),
        positions,
        [(f.code, f.message, f.line, f.column, f.path) for f in document.findings],
    )


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=YAMLISH)
def test_libyaml_reads_what_pyyaml_reads_the_same_way(text, monkeypatch):
    pure = outcome(text, libyaml=False, monkeypatch=monkeypatch)
    fast = outcome(text, libyaml=True, monkeypatch=monkeypatch)
    if pure[0]:
        assert fast == pure
    if not fast[0]:
        assert not pure[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: b\t# a tab before a comment\n", {"a": "b"}),  # yaml/pyyaml#306, #450
        ("a: [x?y, 'z']\n", {"a": ["x?y", "z"]}),  # yaml/pyyaml#128
    ],
)
def test_valid_yaml_pyyaml_refuses_is_read(text, value, monkeypatch):
    assert not outcome(text, libyaml=False, monkeypatch=monkeypatch)[0]
    document = load_yaml(text, "p.yaml")
    assert document.parsed and document.value == value and not document.findings


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: {b:[c]}\n", {"a": {"b": ["c"]}}),  # libyaml: no space after the colon
        ("a: |\n  \tx\n", {"a": "\tx\n"}),  # libyaml: a tab opening a block scalar
        ("a: !\n", {"a": None}),  # libyaml: an empty `!` scalar is not implicit
        ("a: b\n\ufeffc: d\n", {"a": "b", "\ufeffc": "d"}),  # libyaml drops a BOM opening a line
    ],
)
def test_texts_libyaml_reads_otherwise_read_as_pyyaml_does(text, value):
    document = load_yaml(text, "p.yaml")
    assert document.parsed and document.value == value


def test_a_comment_glued_to_a_block_scalar_header_stays_an_error():
    """`|#`: invalid YAML (a comment must be set off by a space) that libyaml reads as ""."""
    [finding] = load_yaml("a: |#c\n  x\n", "p.yaml").findings
    assert finding.code == "JSON_SYNTAX" and "chomping or indentation" in finding.message
    assert (finding.line, finding.column) == (1, 5)


def test_libyaml_errors_are_worded_by_pyyaml():
    [finding] = load_yaml("a: [1, 2\nb: 3\n", "p.yaml").findings
    assert finding.message.startswith("not valid YAML: expected ',' or ']'")
    assert (finding.line, finding.column) == (2, 2)
