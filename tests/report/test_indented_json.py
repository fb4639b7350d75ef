"""The JSON reports' writer gives json.dumps(value, indent=2, ensure_ascii=False)'s text."""

from __future__ import annotations

import json
from enum import IntEnum

from hypothesis import given, settings
from hypothesis import strategies as st

from policycheck.report.indented_json import indented

_LEAVES = st.one_of(
    st.text(),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=5), children, max_size=4),
        st.dictionaries(st.one_of(st.integers(), st.booleans(), st.none()), children, max_size=2),
    ),
    max_leaves=30,
)


@settings(max_examples=1000, deadline=None)
@given(_VALUES)
def test_same_text_as_json_dumps(value):
    assert indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


class Level(IntEnum):
    LOW = 1


def test_what_it_does_not_write_itself_is_json_dumps_text():
    """Keys that are not strings, floats and int subclasses go to json.dumps, whole."""
    for value in ({1: "a", "b": [2.5]}, [Level.LOW, {"x": float("nan")}], {"k": Level.LOW}):
        assert indented(value) == json.dumps(value, indent=2, ensure_ascii=False)
