"""The loader: every bad input becomes a finding at the right place, never an exception."""

import pytest

from policycheck.load import load_bytes, load_file


def codes(document):
    return [(f.code, f.line, f.column, f.path) for f in document.findings]


def test_duplicate_effect_is_reported_at_the_second_key():
    text = b'{"Version": "1",\n "Statement": [{"Effect": "Deny",\n  "Effect": "Allow"}]}'
    document = load_bytes(text, "p.json")
    assert codes(document) == [("DUPLICATE_KEY", 3, 3, "Statement[0].Effect")]
    assert "first at line 2" in document.findings[0].message
    assert document.value["Statement"][0]["Effect"] == "Allow"


def test_positions_point_at_keys_and_list_items():
    text = '{\n  "Statement": [\n    {"Action": ["a:b",\n                "c:d"]}\n  ]\n}'
    document = load_bytes(text.encode(), "p.json")
    assert document.locate(("Statement", 0, "Action", 1)) == (4, 17)
    assert document.locate(("Statement", 0, "Action")) == (3, 6)
    assert document.locate(("Statement", 0, "Missing", 3)) == (3, 5)


@pytest.mark.parametrize(
    ("data", "line", "column", "words"),
    [
        (b'{"a": 1 "b": 2}', 1, 9, "not valid JSON"),
        (b"", 1, 1, "empty"),
        (b"  \n\t ", 2, 3, "empty"),
        (b'{"a": NaN}', 1, 1, "NaN"),
        (b'{"a": 1e999}', 1, 1, "out of range"),
        (b'{"a": "\\ud800"}', 1, 8, "surrogate"),
        (b'{\n"a": "\xff"}', 2, 7, "not UTF-8"),
        (b"\xff\xfe{\x00}\x00", 1, 1, "UTF-16"),
        (b"[" * 100_000 + b"]" * 100_000, 1, 1, "deeper"),
    ],
)
def test_bad_json_is_one_syntax_finding(data, line, column, words):
    document = load_bytes(data, "p.json")
    assert not document.parsed
    [finding] = document.findings
    assert (finding.code, finding.line, finding.column) == ("JSON_SYNTAX", line, column)
    assert words in finding.message


def test_trailing_comma_is_a_syntax_finding_at_the_comma_or_after_it():
    """Python's json says where: 3.13 points at the comma, earlier versions at what follows it."""
    document = load_bytes(b'{"a": 1,}', "p.json")
    [finding] = document.findings
    assert (finding.code, finding.line) == ("JSON_SYNTAX", 1) and finding.column in (8, 9)
    assert "not valid JSON" in finding.message


def test_bom_is_stripped_with_a_warning():
    document = load_bytes(b'\xef\xbb\xbf{"Version": "1"}', "p.json")
    assert document.parsed and document.value == {"Version": "1"}
    assert codes(document) == [("UTF8_BOM", 1, 1, "")]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"a: &x [1, 2]\nb: *x\n", "aliases"),
        (b"a: !!python/object/apply:os.system [echo]\n", "!!python/object/apply:os.system"),
        (b"a: !custom 1\n", "!custom"),
        (b"a: [" * 40 + b"]" * 40, "deeper"),
        (b"a: 1\n---\nb: 2\n", "not valid YAML"),
        (b"a: [1, 2\n", "not valid YAML"),
        (b"{1: a}", "not a string"),
        (b"a: !!int x\n", "'x' is not a valid !!int"),
        (b"a: !!float 1.2.3\n", "'1.2.3' is not a valid !!float"),
        (b"a: !!bool maybe\n", "'maybe' is not a valid !!bool"),
    ],
)
def test_yaml_that_is_not_plain_data_is_refused(data, words):
    document = load_bytes(data, "p.yaml", yaml=True)
    assert not document.parsed
    [finding] = document.findings
    assert finding.code == "JSON_SYNTAX" and words in finding.message


def test_yaml_alias_bomb_is_refused_quickly():
    bomb = b'a: &a ["x","x"]\n' + b"".join(
        b"%s: &%s [*%s,*%s]\n" % (bytes([c]), bytes([c]), bytes([c - 1]), bytes([c - 1]))
        for c in range(98, 120)
    )
    document = load_bytes(bomb, "bomb.yaml", yaml=True)
    assert [f.code for f in document.findings] == ["JSON_SYNTAX"]


def test_yaml_positions_and_duplicates():
    document = load_bytes(b'Version: "1"\nStatement:\n  - Effect: Deny\n    Effect: Allow\n', "p.yaml", True)
    assert codes(document) == [("DUPLICATE_KEY", 4, 5, "Statement[0].Effect")]
    assert document.locate(("Statement", 0)) == (3, 5)


def test_oversized_special_and_missing_files(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (1 << 20) + b"{}")
    assert codes(load_file(str(big))) == [("JSON_SYNTAX", 1, 1, "")]
    assert codes(load_file(str(tmp_path))) == [("FILE_UNREADABLE", 1, 1, "")]
    assert codes(load_file(str(tmp_path / "gone.json"))) == [("FILE_UNREADABLE", 1, 1, "")]


@pytest.mark.parametrize("repeat", [1, 5000])  # a policy-sized text, and one past the counting limit
def test_line_column_of_every_offset(repeat):
    from policycheck.load.document import Document

    text = "ab\n\ncd\r\n" * repeat + "end"
    document = Document(source="p.json", text=text)
    for offset in [*range(12), len(text) - 3, len(text)]:
        before = text[:offset]
        expected = (before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)
        assert document.line_column(offset) == expected


def test_yaml_reads_plain_values_as_the_readme_says():
    """An anchor without an alias is ignored; dates stay text; true and 1 are a bool and a number."""
    document = load_bytes(b"a: &x [1]\nwhen: 2024-01-01T00:00:00Z\nflag: true\nn: 1\n", "p.yaml", yaml=True)
    assert document.parsed and not document.findings
    assert document.value == {"a": [1], "when": "2024-01-01T00:00:00Z", "flag": True, "n": 1}


@pytest.mark.parametrize("stat_size", [0, 5, 17, 18, 40])
def test_read_bytes_reads_to_the_end_whatever_the_stat_said(tmp_path, monkeypatch, stat_size):
    """A file that grew (or shrank) between the stat and the read is read to its end."""
    import os

    from policycheck import load

    data = b'{"Version": "1"}\n'  # 17 bytes
    path = tmp_path / "p.json"
    path.write_bytes(data)
    real = os.stat(path)
    stat_result = os.stat_result((*real[:6], stat_size, *real[7:]))
    monkeypatch.setattr(load.os, "stat", lambda _: stat_result)
    assert load.read_bytes(str(path)) == data
