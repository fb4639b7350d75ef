"""report/escape.py: what reaches a terminal or a CI page cannot steer it or hide text."""

from __future__ import annotations

import json
import unicodedata
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from policycheck.report.escape import json_text, printable, terminal_lines, xml_text

HOSTILE = (
    "\x1b[2J\x1b[H"  # erase the screen, cursor home
    "\rCheck passed.\n"  # draw over the line, start a fake one
    "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # OSC 52: write the clipboard
    "\x9b31m\x85\x7f"  # C1 CSI, NEL, DEL
    "\u202eevil\u202c\u2066\u2069\u200b\u200f\ufeff\U000e0041\u2028\t\x00"
)


def inert(text: str, keep: str = "") -> bool:
    return all(character.isprintable() or character in keep for character in text)


def test_every_control_and_format_character_is_escaped():
    shown = printable(HOSTILE)
    assert inert(shown)
    assert shown.startswith("\\x1b[2J\\x1b[H\\rCheck passed.\\n\\x1b]52;c;")
    assert (
        "\\x9b31m\\x85\\x7f\\u202eevil\\u202c\\u2066\\u2069\\u200b\\u200f\\ufeff\\U000e0041\\u2028\\t\\x00"
        in shown
    )


def test_ordinary_text_is_unchanged():
    for text in ("ice:QueryIProductionJob", "politique médias ✓ 你好", "a\\x1b (a backslash, not ESC)", ""):
        assert printable(text) is text or printable(text) == text


def test_lone_surrogates_from_undecodable_file_names():
    name = b"bad\xff.json".decode("utf-8", "surrogateescape")
    assert printable(name) == "bad\\udcff.json"


@given(st.text())
def test_printable_output_is_always_inert(text):
    assert inert(printable(text))


@given(st.text())
def test_json_text_decodes_to_the_same_value_and_is_inert(text):
    shown = json_text({"value": text, text: [text]})
    assert inert(shown, keep="\n")
    assert json.loads(shown) == {"value": text, text: [text]}


def test_json_text_keeps_readable_text_as_it_is():
    assert json_text({"name": "médias ✓ 😀"}) == '{\n  "name": "médias ✓ 😀"\n}\n'
    assert json_text({"name": "a\u202eb\x85"}) == '{\n  "name": "a\\u202eb\\u0085"\n}\n'


@given(st.text())
def test_xml_text_is_always_well_formed_xml_and_keeps_lines(text):
    root = ElementTree.Element("failure", message=printable(text))
    root.text = xml_text(text)
    parsed = ElementTree.fromstring(ElementTree.tostring(root, encoding="unicode"))
    assert (parsed.text or "").count("\n") == text.count("\n")
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs") for c in parsed.get("message"))


def test_terminal_lines_keeps_the_reporters_colours_and_nothing_else():
    lines = ["\x1b[31merror\x1b[0m a\x1b[2Jb\x1b]52;c;x\x07", "next \u202e line"]
    assert terminal_lines(lines, color=True) == (
        "\x1b[31merror\x1b[0m a\\x1b[2Jb\\x1b]52;c;x\\x07\nnext \\u202e line\n"
    )
    assert terminal_lines(lines, color=False) == (
        "\\x1b[31merror\\x1b[0m a\\x1b[2Jb\\x1b]52;c;x\\x07\nnext \\u202e line\n"
    )


@given(st.lists(st.text(), min_size=1), st.booleans())
def test_terminal_lines_is_the_joined_report_checked_line_by_line(lines, color):
    """A line holding newlines is as many lines, each checked; blocks of lines concatenate."""
    text = terminal_lines(lines, color)
    assert text.count("\n") == sum(line.count("\n") + 1 for line in lines)
    assert text == terminal_lines("\n".join(lines).split("\n"), color)
    half = len(lines) // 2
    if half:
        assert terminal_lines(lines[:half], color) + terminal_lines(lines[half:], color) == text
    assert all(inert(line, "\x1b" if color else "") for line in text.split("\n"))
