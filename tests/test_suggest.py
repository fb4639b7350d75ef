"""close_matches gives exactly what difflib.get_close_matches gives."""

import difflib
import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policycheck import catalog, suggest
from policycheck.suggest import close_matches

words = st.text(alphabet="abcdeQJ", max_size=8)


def test_docstring_examples():
    failures, tried = doctest.testmod(suggest)
    assert tried > 0 and failures == 0


@settings(max_examples=500, deadline=None)
@given(
    word=words,
    possibilities=st.lists(words, max_size=25),
    n=st.integers(1, 4),
    cutoff=st.sampled_from([0.0, 0.3, 0.6, 0.75, 1.0]),
)
def test_same_answers_as_difflib(word, possibilities, n, cutoff):
    assert close_matches(word, possibilities, n, cutoff) == difflib.get_close_matches(
        word, possibilities, n, cutoff
    )


@pytest.mark.parametrize("code", ["ice", "ram"])
def test_same_answers_as_difflib_for_typos_of_real_actions(code):
    names = [action.name.lower() for action in catalog.service(code).actions]
    for index, name in enumerate(names[::7]):
        cut = index % (len(name) - 1)
        for typo in (name[:cut] + name[cut + 1 :], name[:cut] + "x" + name[cut:], name[::-1]):
            for n in (1, 3):
                assert close_matches(typo, names, n, 0.6) == difflib.get_close_matches(typo, names, n, 0.6)


def test_refuses_what_difflib_refuses():
    with pytest.raises(ValueError):
        close_matches("a", ["a"], n=0)
    with pytest.raises(ValueError):
        close_matches("a", ["a"], cutoff=1.5)


def _lcs(a: str, b: str) -> int:
    """The textbook dynamic programme, to check the bit-parallel one against."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


@settings(max_examples=500, deadline=None)
@given(
    word=st.text(alphabet="abcdeQJé\0ж", max_size=8),
    candidates=st.lists(st.text(alphabet="abcdeQJé\0ж", max_size=12), max_size=25),
)
def test_lcs_lengths_match_the_dynamic_programme(word, candidates):
    """Latin-1 text (packed by bytes.translate) and beyond (bit by bit), a NUL in names too."""
    assert suggest.lcs_lengths(word, tuple(candidates)) == [_lcs(word, c) for c in candidates]
