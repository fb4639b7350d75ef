"""Typed value parsers and the pattern automaton: agreement with the references they mirror."""

import doctest
import ipaddress
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policycheck.evaluate import actions, automaton, budget, glob, keys, values
from policycheck.evaluate.glob import compile_globs
from policycheck.evaluate.values import (
    DATE_END,
    DATE_MIN,
    format_date,
    parse_bool,
    parse_date,
    parse_ip,
    parse_network,
    parse_number,
)
from policycheck.expect import names
from policycheck.patterns import glob_match, glob_regex, glob_test


@pytest.mark.parametrize("module", [values, glob, actions, budget, keys, names])
def test_docstring_examples(module):
    failures, tried = doctest.testmod(module)
    assert tried > 0 and failures == 0


def _reference_ip(text: str):
    if "%" in text or "/" in text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


DOTTED_QUADS = st.lists(
    st.sampled_from(["0", "00", "1", "01", "9", "99", "255", "256", "1000", "", " 1", "+1", "٣"]),
    min_size=3,
    max_size=5,
).map(".".join)
"""Texts near a dotted-quad address: the octet table's edge cases, joined by dots."""


@settings(max_examples=500)
@given(DOTTED_QUADS)
def test_fast_ipv4_parse_agrees_with_ipaddress(text):
    assert parse_ip(text) == _reference_ip(text)


def _reference_network(text: str):
    if "%" in text:
        return None
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return network.version, int(network.network_address), int(network.broadcast_address)


@settings(max_examples=500)
@given(
    DOTTED_QUADS,
    st.sampled_from(
        ["", "/", "/0", "/8", "/08", "/24", "/32", "/33", "/-1", "/+8", "/ 8", "/٣", "/8/8", "/255.0.0.0"]
    ),
)
def test_fast_ipv4_network_parse_agrees_with_ipaddress(address, suffix):
    assert parse_network(address + suffix) == _reference_network(address + suffix)


@given(st.text(alphabet="0123456789abcdefABCDEF.:-+TZtrueflsxe %/", max_size=24))
def test_typed_grammars_are_disjoint(text):
    """No string is two of number, date, IP address, bool: the solver relies on it."""
    parsed = [parse_number(text), parse_date(text), parse_ip(text), parse_bool(text)]
    assert sum(p is not None for p in parsed) <= 1


@given(st.integers(int(DATE_MIN), int(DATE_END) - 1), st.integers(0, 999))
def test_dates_round_trip_through_format(seconds, millis):
    instant = Decimal(seconds) + Decimal(millis) / 1000
    assert parse_date(format_date(instant)) == instant


def test_date_zones_and_bounds():
    assert parse_date("2024-01-01T08:00:00+08:00") == parse_date("2024-01-01T00:00:00Z")
    assert parse_date("2024-01-01T08:00:00+0800") == parse_date("2024-01-01T00:00:00-00:00")
    assert parse_date("0001-01-01T00:00:00+00:01") is None  # before year 1 in UTC
    assert parse_date("2023-02-29") is None and parse_date("2024-02-29") is not None
    assert parse_date("2024-01-01T24:00:00Z") is None and parse_date("2024-01-01T00:00:60Z") is None


PATTERN_CHARS = "ab*?:"


@settings(max_examples=300)
@given(
    st.lists(st.text(alphabet=PATTERN_CHARS, max_size=5), min_size=1, max_size=3),
    st.text(alphabet="ab:*?x", max_size=7),
)
def test_automaton_agrees_with_the_regex_matcher(patterns, text):
    """Running one string through the NFAs gives what compile_globs says, pattern by pattern."""
    nfas = [automaton._Nfa(automaton.glob_tokens(p)) for p in patterns]
    states = [n.start for n in nfas]
    for char in text:
        states = [n.step(s, char) for s, n in zip(states, nfas, strict=True)]
    assert [bool(s & n.final) for s, n in zip(states, nfas, strict=True)] == [
        bool(compile_globs([p])(text)) for p in patterns
    ]


@settings(max_examples=500)
@given(
    st.lists(st.text(alphabet="ab**?", max_size=12), min_size=1, max_size=4),
    st.text(alphabet="abx", max_size=12),
)
def test_compile_globs_agrees_with_a_plain_regex(patterns, text):
    """Several patterns at once, many stars: the same answer as one backtracking regex each."""
    expected = any(re.fullmatch(glob_regex(p), text, re.DOTALL) for p in patterns)
    assert bool(compile_globs(patterns)(text)) == expected


@settings(max_examples=500)
@given(
    st.lists(
        st.tuples(st.text(alphabet="ab:\n", max_size=4), st.sampled_from(["", "*", "**", "?", "*?"])).map(
            "".join
        ),
        min_size=1,
        max_size=4,
    ),
    st.text(alphabet="ab:\nx", max_size=8),
)
def test_names_and_prefixes_agree_with_a_plain_regex(patterns, text):
    """Exact names and `prefix*` (matched without a regex) answer as the regex does, and
    glob_match of each pattern too."""
    expected = [bool(re.fullmatch(glob_regex(p), text, re.DOTALL)) for p in patterns]
    assert bool(compile_globs(patterns)(text)) == any(expected)
    assert [glob_match(p, text) for p in patterns] == expected


@settings(max_examples=1000)
@given(st.text(alphabet="ab\n***?", max_size=12), st.text(alphabet="ab\nx", max_size=12))
def test_glob_test_agrees_with_a_plain_regex(pattern, text):
    """One pattern, its pieces between stars found in turn (no regex unless it has `?`)."""
    assert bool(glob_test(pattern)(text)) == bool(re.fullmatch(glob_regex(pattern), text, re.DOTALL))


def test_many_stars_do_not_backtrack():
    """`*a*a*...*b` against a run of `a`s: a regex takes minutes; the answer comes at once."""
    pattern = "acs:oss:*:*:" + "*a" * 12 + "*b"
    assert not compile_globs([pattern])("acs:oss:::" + "a" * 5000)
    assert compile_globs([pattern, "x"])("acs:oss:::" + "a" * 5000 + "b")


@settings(max_examples=300)
@given(st.lists(st.text(alphabet=PATTERN_CHARS, max_size=4), min_size=1, max_size=3))
def test_search_finds_exactly_the_reachable_match_sets(patterns):
    """Every outcome the search reports has a witness; strings it did not report do not exist."""
    tokens = [automaton.glob_tokens(p) for p in patterns]
    result = automaton.search(tokens, lambda accepts: accepts)
    assert result.complete
    for outcome, witness in result.found.items():
        assert tuple(bool(compile_globs([p])(witness)) for p in patterns) == outcome
    chars = sorted(set("".join(patterns).replace("*", "").replace("?", ""))) + ["x"]
    for length in range(5):
        for combo in _strings(chars, length):
            assert tuple(bool(compile_globs([p])(combo)) for p in patterns) in result.found


@settings(max_examples=500)
@given(
    st.lists(st.text(alphabet="ab:*?", max_size=5), min_size=1, max_size=3),
    st.text(alphabet="ab:*?", min_size=1, max_size=5),
)
def test_covers_shortcuts_agree_with_the_search(cover, pattern):
    """covers() decides literals and `prefix*` covers without a search: it must say what the search says."""
    expected = automaton._covers_by_search(tuple(cover), pattern, 20000)
    assert expected is not None
    assert automaton.covers(cover, pattern) is expected


def test_covers_decides_prefix_covers_both_ways():
    assert automaton.covers(["ice:get*", "ice:list*"], "ice:getmedia*") is True
    assert automaton.covers(["ice:get*", "ice:list*"], "ice:ge*") is False
    assert automaton.covers(["ice:get*", "ice:queryjob"], "ice:query*") is False
    assert automaton.covers(["ice:*job", "ice:get*"], "ice:query*") is False
    assert automaton.covers(["a*", "b*"], "?") is False


def test_covers_answers_no_from_a_guess_and_yes_from_the_search():
    arns = ("acs:oss:*:1:a-bucket", "acs:oss:*:1:b-bucket/*")
    assert automaton.covers(arns, "acs:oss:*:1:c-bucket") is False
    assert automaton.covers(arns, "*") is False
    assert automaton.covers(("acs:oss:*:1:*", "x"), "acs:oss:cn-*:1:a?") is True


def _strings(chars, length):
    if length == 0:
        yield ""
        return
    for head in _strings(chars, length - 1):
        for char in chars:
            yield head + char


def test_glob_regex_escapes_everything_but_wildcards():
    assert re.fullmatch(glob_regex("a.b+(c)*"), "a.b+(c)zz")
    assert not re.fullmatch(glob_regex("a.b"), "axb")


def test_dates_compare_exactly_past_28_significant_digits():
    """The default decimal context keeps 28 digits: a later instant must not round to an earlier one."""
    from policycheck.evaluate.values import format_date, parse_date

    base = parse_date("2024-01-01T00:00:00Z")
    later = parse_date("2024-01-01T00:00:00.00000000000000000000000000001Z")
    shifted = parse_date("2024-01-01T08:00:00.000000000000000000000000000000001+08:00")
    assert later > base and shifted > base and later > shifted
    assert format_date(later) == "2024-01-01T00:00:00.00000000000000000000000000001Z"
    before = parse_date("1969-12-31T23:59:59.9999999999999999999999999999999999Z")
    assert before < parse_date("1970-01-01T00:00:00Z")
    assert format_date(before) == "1969-12-31T23:59:59.9999999999999999999999999999999999Z"
