"""JsonLocator finds each element where the full tokenising scan puts it."""

import doctest
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from policycheck.load import json_source
from policycheck.load.json_source import JsonLocator, scan

keys = st.text(alphabet='ab0"\\\u00e9 :,{}[]', max_size=4)
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(alphabet='x"\\,]}', max_size=3)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=30,
)


def test_docstring_examples():
    failures, tried = doctest.testmod(json_source)
    assert tried > 0 and failures == 0


@settings(max_examples=400, deadline=None)
@given(value=values, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans(), order=st.randoms())
def test_locator_agrees_with_scan_for_every_path(value, indent, ascii_only, order):
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    positions, duplicates, _ = scan(text)
    assert not duplicates
    locator = JsonLocator(text)
    paths = list(positions)
    order.shuffle(paths)  # findings come in any order; what was read before must not matter
    for path in paths:
        assert locator.offset(path) == positions[path]
        # a path that does not exist is placed at its nearest existing ancestor
        assert locator.offset((*path, "no such key", 99)) == positions[path]
        assert locator.offset((*path, 10_000)) == positions[path]
        # list indexes never name object members, even "0", and keys never name list items
        assert locator.offset((*path, 0)) == positions.get((*path, 0), positions[path])
        assert locator.offset((*path, "0")) == positions.get((*path, "0"), positions[path])
